use super::*;

fn view(ts_ns: i64, payload: &[u8]) -> RecView<'_> {
    RecView {
        ts_ns,
        seq: 0,
        payload,
        line_len: 0,
    }
}

#[test]
fn the_dedupe_set_stays_within_its_budget_and_still_drops_same_ts_copies() {
    // Room for 4 ids; 1,000 events in 500 timestamps, each delivered twice.
    let mut dedupe = Dedupe::within(4 * DEDUPE_ENTRY_BYTES);
    let ids: Vec<String> = (0..1000).map(|i| format!("e{i}")).collect();
    let mut kept = 0;
    for (i, id) in ids.iter().enumerate() {
        let ts = (i / 2) as i64;
        for _copy in 0..2 {
            if dedupe.first(&view(ts, id.as_bytes())) {
                kept += 1;
            }
            assert!(dedupe.seen.len() <= 4, "set grew to {}", dedupe.seen.len());
        }
    }
    assert_eq!((kept, dedupe.dropped), (1000, 1000));
}

type IdHash<'a> = dyn Fn(&[u8]) -> u32 + 'a;

/// A chunk of (ts, id) events, each with the body `id@ts/tag`, its ids
/// hashed by `hash`.
fn chunk(tag: u32, events: &[(i64, &str)], hash: &IdHash<'_>) -> Chunk {
    let mut c = Chunk::default();
    for (ts, id) in events {
        let off = c.data.len();
        c.data
            .extend_from_slice(format!("{id}@{ts}/{tag}").as_bytes());
        let line_len = c.data.len() - off;
        c.data.extend_from_slice(id.as_bytes());
        c.recs.push(Rec {
            ts_ns: *ts,
            payload_off: off as u32,
            payload_len: (c.data.len() - off) as u32,
            line_len: line_len as u32,
            id_hash: hash(id.as_bytes()),
        });
    }
    c
}

#[test]
fn an_hour_comes_out_by_ts_then_id_with_the_first_copy_kept() {
    let dir = tempfile::tempdir().unwrap();
    // In memory; then spilling every chunk, where the de-duplication set
    // is bounded too and keeps only the current ts's ids (so the anomaly,
    // a copy with a later ts, is kept; see `Dedupe`).
    // The readers' id hash, and one under which all ids collide (the
    // in-memory set must then tell ids apart by their bytes).
    let hasher = crate::reader::IdHasher::random();
    let hashes: [&IdHash<'_>; 2] = [&|id| hasher.hash(id), &|_| 7];
    let runs = [(1 << 20, false), (1, true)];
    for ((budget, kept_anomaly), hash) in runs.into_iter().flat_map(|r| hashes.map(|h| (r, h))) {
        let mut hour = HourBuffer::new(budget, dir.path().into(), Arc::default());
        // Out of order across and within chunks; ties on ts; copies.
        hour.push(chunk(0, &[(5, "c"), (-3, "z"), (5, "a"), (9, "a")], hash))
            .unwrap();
        hour.push(chunk(1, &[(5, "b"), (5, "a"), (-3, "y"), (1, "m")], hash))
            .unwrap();
        let mut out = Vec::new();
        let dropped = hour
            .drain(&mut |v| {
                out.push(String::from_utf8(v.line().to_vec()).unwrap());
                Ok(())
            })
            .unwrap();
        // The first copy of a@5 (chunk 0) is the one kept.
        let mut want = vec!["y@-3/1", "z@-3/0", "m@1/1", "a@5/0", "b@5/1", "c@5/0"];
        if kept_anomaly {
            want.push("a@9/0");
        }
        assert_eq!(out, want, "budget {budget}");
        assert_eq!(dropped, if kept_anomaly { 1 } else { 2 }, "budget {budget}");
    }
}

#[test]
fn within_its_budget_a_copy_with_another_ts_is_dropped_too() {
    let mut dedupe = Dedupe::within(1 << 20);
    assert!(dedupe.first(&view(1, b"a")));
    assert!(dedupe.first(&view(2, b"b")));
    assert!(!dedupe.first(&view(3, b"a")));
}
