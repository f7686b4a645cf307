//! A reader sizes its chunk for what the renderer writes, so a chunk the
//! writer holds for its hour is not a doubled buffer half used.
use crate::ahead::ReadAhead;
use crate::formats::reports::record::{Seeds, renderer};
use crate::formatter::{EventRenderer, FormatError};
use crate::reader::{ChunkPool, ObjectTask, ReaderMsg, read_object};
use crate::validate::PartitionHour;
use kt_domain::ParsedEvent;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The record renderer, claiming its records are no larger than the lines.
struct Understated(Arc<dyn EventRenderer>);

impl EventRenderer for Understated {
    fn render(&self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.0.render(event, out)
    }
}

/// One gzip object of `n` events in the hour starting 2026-05-01T00:00Z.
fn object(n: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..n {
        writeln!(
            gz,
            r#"{{"event_id":"evt_{i:026}","ts":"2026-05-01T00:{:02}:00.000Z","tenant_id":"acme","event_type":"gateway.request","request_id":"req_{i}","actor":{{"user_id":"u_{i}","app":"chat","ip":"198.51.100.7"}},"model":{{"provider":"openai","name":"gpt","region":"eu-west-1"}},"decision":"allow","policy_ids":["pii-redaction"],"risk_level":"low","data_categories":["email"],"latency_ms":120,"tokens":{{"input":10,"output":20}},"outcome":"ok"}}"#,
            i % 60
        )
        .unwrap();
    }
    gz.finish().unwrap()
}

/// The chunks a reader hands on for `bytes` with `renderer`.
fn chunks(bytes: &[u8], renderer: Arc<dyn EventRenderer>) -> Vec<crate::reader::Chunk> {
    let hour_ns = 1_777_593_600_000_000_000; // 2026-05-01T00:00:00Z
    let task = ObjectTask {
        key: "events/tenant=acme/dt=2026-05-01/hour=00/a.ndjson.gz".into(),
        size: bytes.len() as u64,
        tenant: Arc::from("acme"),
        hour: PartitionHour::starting(hour_ns),
        window_start_ns: hour_ns,
        window_end_ns: hour_ns + 3_600_000_000_000,
        strict: false,
        renderer: Some(renderer),
        pool: Arc::new(ChunkPool::default()),
        clock: Arc::default(),
        ahead: Arc::new(ReadAhead::new(usize::MAX)),
        id_hasher: crate::reader::IdHasher::random(),
    };
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    read_object(bytes, &task, &tx, &AtomicBool::new(false));
    drop(tx);
    rx.into_iter()
        .filter_map(|m| match m {
            ReaderMsg::Chunk(c) => Some(c),
            ReaderMsg::Done(stats) => {
                assert_eq!(stats.rejected_lines, 0);
                None
            }
            ReaderMsg::Failed(e) => panic!("{e}"),
        })
        .collect()
}

#[test]
fn a_chunk_of_records_is_sized_once_not_doubled() {
    let bytes = object(2_000);
    let sized = chunks(&bytes, renderer(Seeds::default()));
    assert_eq!(sized.len(), 1);
    let used = sized[0].data.len();
    let held = sized[0].data.capacity();
    assert!(held < used * 5 / 4, "{held} bytes held for {used}");
    // A renderer that understates its records makes the chunk grow midway.
    let grown = chunks(&bytes, Arc::new(Understated(renderer(Seeds::default()))));
    let (used, held) = (grown[0].data.len(), grown[0].data.capacity());
    assert!(held >= used * 3 / 2, "{held} bytes held for {used}");
}

#[test]
fn an_exports_id_hasher_hashes_alike_in_every_reader() {
    // Each object's reader holds a clone: the hour's de-duplication
    // compares hashes made by different readers.
    let hasher = crate::reader::IdHasher::random();
    let other_reader = hasher.clone();
    let ids = ["evt_1", "evt_2", "évènement", ""];
    for id in ids {
        assert_eq!(hasher.hash(id.as_bytes()), other_reader.hash(id.as_bytes()));
    }
    // Not a constant.
    let hashes: std::collections::HashSet<u32> =
        ids.iter().map(|id| hasher.hash(id.as_bytes())).collect();
    assert_eq!(hashes.len(), ids.len());
}

/// A renderer without the direct path: lines go through the `Event`.
struct EventPathOnly(Arc<dyn EventRenderer>);

impl EventRenderer for EventPathOnly {
    fn needs_fields(&self) -> bool {
        self.0.needs_fields()
    }
    fn render(&self, event: &ParsedEvent<'_>, out: &mut Vec<u8>) -> Result<(), FormatError> {
        self.0.render(event, out)
    }
    fn bytes_per_100_line_bytes(&self) -> usize {
        self.0.bytes_per_100_line_bytes()
    }
    fn render_scanned(
        &self,
        event: &ParsedEvent<'_>,
        facts: crate::formatter::LineFacts,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        self.0.render_scanned(event, facts, out)
    }
}

/// Lines of every kind a reader meets in one hour: kept, outside a window
/// of 00:10-00:50, rejected for each required-field reason, malformed, not
/// plain for csv, escaped, in another key order, blank, and (when
/// `not_utf8`) not UTF-8, which makes the reader check the object's lines
/// one by one instead of the whole object at once.
fn mixed_object(not_utf8: bool) -> Vec<u8> {
    let line = |i: usize, minute: usize, tenant: &str, app: &str| {
        format!(
            r#"{{"event_id":"evt_{i:04}","ts":"2026-05-01T00:{minute:02}:00.000Z","tenant_id":"{tenant}","event_type":"gateway.request","actor":{{"user_id":"u","app":"{app}","ip":"198.51.100.7"}},"policy_ids":["=p","q"],"latency_ms":{i},"tokens":{{"input":1,"output":null}}}}"#
        )
    };
    let mut lines = Vec::new();
    for i in 0..60 {
        lines.push(line(i, i, "acme", "chat").into_bytes()); // kept between 00:10 and 00:50
    }
    lines.push(line(60, 30, "other", "chat").into_bytes()); // another tenant
    lines.push(line(61, 30, "acme", "a,b").into_bytes()); // not plain: csv's Event path
    lines.push(line(62, 30, "acme", "a\\\"b").into_bytes()); // escaped: serde
    lines.push(
        line(63, 30, "acme", "chat")
            .replacen("evt_0063", "", 1)
            .into_bytes(),
    ); // empty id
    lines.push(
        line(64, 30, "acme", "chat")
            .replacen("00:30:00.000Z", "yesterday", 1)
            .into_bytes(),
    );
    lines.push(
        line(65, 30, "acme", "chat")
            .replacen("2026-05-01T00", "2026-05-01T01", 1)
            .into_bytes(),
    );
    lines.push(br#"{"ts":"2026-05-01T00:30:00.000Z","event_id":"evt_0066","tenant_id":"acme","event_type":"x"}"#.to_vec());
    lines.push(br#"{"event_id":"evt_0067","ts":"2026-05-01T00:30:00.000Z""#.to_vec());
    lines.push(b"   ".to_vec());
    if not_utf8 {
        lines.push(vec![b'{', 0xff, b'}']);
    }
    lines.push(format!("{}\r", line(68, 40, "acme", "chat")).into_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for l in lines {
        gz.write_all(&l).unwrap();
        gz.write_all(b"\n").unwrap();
    }
    gz.finish().unwrap()
}

/// What a reader handed on: its chunks' bytes, their records (`ts_ns`,
/// where the payload starts among all the bytes, `payload_len`,
/// `line_len`, `id_hash`), lines read and rejected, and the rejections.
#[derive(Debug, PartialEq)]
struct Handed {
    data: Vec<u8>,
    recs: Vec<(i64, u32, u32, u32, u32)>,
    counts: (u64, u64),
    rejects: Vec<(u64, String)>,
}

/// What a reader hands on for `bytes` in the window 00:10-00:50.
fn read_mixed(
    bytes: &[u8],
    renderer: Arc<dyn EventRenderer>,
    id_hasher: &crate::reader::IdHasher,
) -> Handed {
    read_listed(bytes, bytes.len() as u64, renderer, id_hasher)
}

/// [`read_mixed`] of an object listed at `size` bytes (over
/// `WHOLE_MAX_STORED`, it is streamed and its lines read one by one).
fn read_listed(
    bytes: &[u8],
    size: u64,
    renderer: Arc<dyn EventRenderer>,
    id_hasher: &crate::reader::IdHasher,
) -> Handed {
    let hour_ns = 1_777_593_600_000_000_000; // 2026-05-01T00:00:00Z
    let minute = 60_000_000_000;
    let task = ObjectTask {
        key: "events/tenant=acme/dt=2026-05-01/hour=00/a.ndjson.gz".into(),
        size,
        tenant: Arc::from("acme"),
        hour: PartitionHour::starting(hour_ns),
        window_start_ns: hour_ns + 10 * minute,
        window_end_ns: hour_ns + 50 * minute,
        strict: false,
        renderer: Some(renderer),
        pool: Arc::new(ChunkPool::default()),
        clock: Arc::default(),
        ahead: Arc::new(ReadAhead::new(usize::MAX)),
        id_hasher: id_hasher.clone(),
    };
    let (tx, rx) = std::sync::mpsc::sync_channel(64);
    read_object(bytes, &task, &tx, &AtomicBool::new(false));
    drop(tx);
    let mut h = Handed {
        data: Vec::new(),
        recs: Vec::new(),
        counts: (0, 0),
        rejects: Vec::new(),
    };
    for m in rx {
        match m {
            ReaderMsg::Chunk(c) => {
                h.recs.extend(c.recs.iter().map(|r| {
                    let at = (h.data.len() + r.payload_off as usize) as u32;
                    (r.ts_ns, at, r.payload_len, r.line_len, r.id_hash)
                }));
                h.data.extend_from_slice(&c.data);
            }
            ReaderMsg::Done(stats) => {
                h.counts = (stats.lines_read, stats.rejected_lines);
                h.rejects = stats
                    .samples
                    .into_iter()
                    .map(|s| (s.line, s.reason))
                    .collect();
            }
            ReaderMsg::Failed(e) => panic!("{e}"),
        }
    }
    h
}

/// The renderers that read a line as they render it: csv, json, reports.
fn renderers_that_read_lines() -> [Arc<dyn EventRenderer>; 3] {
    let seeds = Seeds::default();
    seeds
        .set(vec![crate::formats::reports::sample::SeedState::new(
            "acme|aesia|w",
        )])
        .unwrap();
    let of = |f: &dyn crate::formatter::Formatter| f.renderer().unwrap();
    let csv = of(&crate::formats::csv::CsvFormatter::new());
    let json = of(&crate::formats::json::JsonFormatter::new());
    [csv, json, renderer(seeds)]
}

#[test]
fn a_line_rendered_as_it_is_read_is_kept_taken_back_or_rejected_as_through_its_event() {
    let bytes = mixed_object(true);
    let hasher = crate::reader::IdHasher::random();
    for renderer in renderers_that_read_lines() {
        // The direct path is on (the producer's layout takes it).
        let producers = crate::scan::tests::BASE;
        assert!(renderer.render_line(producers, &mut Vec::new()).is_some());
        let direct = read_mixed(&bytes, renderer.clone(), &hasher);
        let through_events = read_mixed(&bytes, Arc::new(EventPathOnly(renderer.clone())), &hasher);
        // 40 in 00:10-00:50, and at 00:30-00:40 the comma, the escape, the
        // other key order and the `\r`.
        assert_eq!(direct.recs.len(), 44);
        // The blank line is not read; six are rejected, each sampled.
        assert_eq!(direct.counts, (70, 6), "lines read, rejected");
        assert_eq!(direct.rejects.len(), 6);
        assert_eq!(direct, through_events);
        // The same object without the line that is not UTF-8 is text as a
        // whole: the same records and bytes, one line fewer read and rejected.
        let text = read_mixed(&mixed_object(false), renderer.clone(), &hasher);
        assert_eq!((&text.data, &text.recs), (&direct.data, &direct.recs));
        assert_eq!(text.counts, (69, 5));
    }
}

/// A big object of lines of every kind the whole-object split must cut and
/// judge as the stream's does: separators and escapes in strings, a `\r`,
/// a line of odd quotes before others, a line of 70 KB, lines of every
/// length modulo 67.
fn big_mixed_object() -> (Vec<u8>, usize) {
    let apps = [
        "chat",
        "a,b",
        "a\\\"b",
        "x;y",
        "é",
        "tab\there",
        "{\"x\":1}",
    ];
    let mut text = String::new();
    for i in 0..3_000usize {
        let app = apps[i % apps.len()].to_string() + &"p".repeat(i % 67);
        text.push_str(&format!(
            r#"{{"event_id":"evt_{i:05}","ts":"2026-05-01T00:{:02}:00.000Z","tenant_id":"acme","event_type":"gateway.request","actor":{{"user_id":"u","app":"{app}","ip":"198.51.100.7"}},"policy_ids":["=p","q"],"latency_ms":{i}}}"#,
            i % 60
        ));
        match i {
            1_000 => text.push_str("\n{\"event_id\":\"odd"),
            2_000 => text.push_str(&format!("\n{{\"event_id\":\"{}\"}}", "y".repeat(70_000))),
            _ if i % 11 == 0 => text.push('\r'),
            _ => {}
        }
        text.push('\n');
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    (gz.finish().unwrap(), text.len())
}

#[test]
fn an_object_read_whole_hands_on_what_its_stream_does_line_by_line() {
    let (bytes, inflated) = big_mixed_object();
    assert!(inflated > 512 << 10);
    assert!(bytes.len() as u64 <= crate::reader::WHOLE_MAX_STORED);
    let streamed_size = crate::reader::WHOLE_MAX_STORED + 1;
    let hasher = crate::reader::IdHasher::random();
    for renderer in renderers_that_read_lines() {
        let whole = read_listed(&bytes, bytes.len() as u64, renderer.clone(), &hasher);
        let streamed = read_listed(&bytes, streamed_size, renderer.clone(), &hasher);
        // The odd quotes, the long line (no timestamp) and the two apps in
        // seven that are not JSON (a raw tab, raw quotes) are rejected;
        // of the rest, those in 00:10-00:50 kept.
        assert_eq!(whole.counts, (3_002, 2 + 428 + 428), "lines read, rejected");
        let kept = (0..3_000usize)
            .filter(|i| i % 7 < 5 && (10..50).contains(&(i % 60)))
            .count();
        assert_eq!(whole.recs.len(), kept);
        assert_eq!(whole, streamed);
    }
}

/// Hands out `data` a few bytes a call, interrupted before every other call.
struct Trickle<'a> {
    data: &'a [u8],
    interrupt: bool,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.data.len()).min(7_777);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn an_object_is_read_whole_whatever_its_listed_size_and_the_buffer_before() {
    let big: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let small = b"a small object".to_vec();
    let mut buf = Vec::new();
    // Listed right, listed too small (the buffer grows), listed too big.
    for (data, listed) in [(&big, 50_000), (&big, 10), (&small, 50_000), (&small, 3)] {
        let read = |buf: &mut Vec<u8>| {
            let mut input = Trickle {
                data,
                interrupt: false,
            };
            crate::reader::read_into_kept(&mut input, buf, listed).unwrap()
        };
        let len = read(&mut buf);
        assert_eq!(&buf[..len], &data[..], "listed {listed}");
    }
    // A failed read is the caller's error.
    struct Broken;
    impl std::io::Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("gone"))
        }
    }
    assert!(crate::reader::read_into_kept(&mut Broken, &mut buf, 10).is_err());
}
