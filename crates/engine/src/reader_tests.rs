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
