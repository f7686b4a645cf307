use super::*;
use std::cell::Cell;
use std::collections::BTreeMap;

thread_local! {
    /// Blocks made less blocks freed, on this thread.
    pub(super) static LIVE_BLOCKS: Cell<isize> = const { Cell::new(0) };
}

fn live_blocks() -> isize {
    LIVE_BLOCKS.with(Cell::get)
}

/// Runs `f` on a fresh thread: its own open block and block count.
fn on_fresh_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::spawn(f)
        .join()
        .expect("the test thread passes");
}

#[test]
fn an_id_reads_back_as_written_at_every_length() {
    on_fresh_thread(|| {
        let lengths = [0, 1, 30, 254, 255, 256, 1017, 1018, 1019, 5_000, 70_000];
        let ids: Vec<String> = lengths
            .iter()
            .map(|&n| "é0123456789".chars().cycle().take(n).collect())
            .collect();
        let stored: Vec<IdStr> = ids.iter().map(|s| IdStr::new(s)).collect();
        for (s, id) in ids.iter().zip(&stored) {
            assert_eq!(id.as_str(), s.as_str(), "{} chars", s.chars().count());
        }
        assert_eq!(size_of::<IdStr>(), 8);
        assert_eq!(size_of::<Option<IdStr>>(), 8);
    });
}

#[test]
fn ids_pack_into_shared_blocks_freed_with_their_last_id() {
    on_fresh_thread(|| {
        let ids: Vec<IdStr> = (0..10_000)
            .map(|i| IdStr::new(&format!("evt_{i:026}")))
            .collect();
        // 33 bytes an entry: ~1,985 to a 64 KiB block.
        assert_eq!(live_blocks(), 6);
        let long = IdStr::new(&"x".repeat(2_000));
        assert_eq!(live_blocks(), 7, "a long id has a block of its own");
        drop(long);
        assert_eq!(live_blocks(), 6);
        // A clone keeps the block of the first id when the rest are dropped.
        let first = ids[0].clone();
        drop(ids);
        assert_eq!(live_blocks(), 2, "the first id's block and the open one");
        assert_eq!(first, "evt_00000000000000000000000000");
        drop(first);
        assert_eq!(live_blocks(), 1, "only the block being filled");
    });
}

#[test]
fn ids_move_between_threads_and_free_where_they_are_dropped() {
    let made: Vec<IdStr> = std::thread::spawn(|| {
        (0..5_000)
            .map(|i| IdStr::new(&format!("req_{i:x}")))
            .collect()
    })
    .join()
    .unwrap();
    // The maker thread has ended (its open block let go): the ids alone
    // hold their blocks, and reading and dropping them here is safe.
    let copies: Vec<IdStr> = made.to_vec();
    let reader = std::thread::spawn(move || copies.iter().map(|id| id.len()).sum::<usize>());
    assert_eq!(
        reader.join().unwrap(),
        made.iter().map(|id| id.len()).sum::<usize>()
    );
    assert_eq!(made[4_095], "req_fff");
}

#[test]
fn an_id_compares_hashes_and_saves_as_its_string() {
    let mut map = BTreeMap::new();
    for id in ["esc_9", "esc_10", "ä", "A"] {
        map.insert(IdStr::from(id), id.len());
    }
    let keys: Vec<&str> = map.keys().map(IdStr::as_str).collect();
    assert_eq!(keys, ["A", "esc_10", "esc_9", "ä"], "ordered as str");
    assert_eq!(map.get("esc_10"), Some(&6), "found by &str");
    let hashed = |s: &dyn Fn(&mut std::hash::DefaultHasher)| {
        let mut h = std::hash::DefaultHasher::new();
        s(&mut h);
        std::hash::Hasher::finish(&h)
    };
    use std::hash::Hash;
    assert_eq!(
        hashed(&|h| IdStr::from("esc_9").hash(h)),
        hashed(&|h| "esc_9".hash(h)),
        "hashed as str, so a table finds it by &str"
    );
    let saved = serde_json::to_string(&map).unwrap();
    assert_eq!(saved, r#"{"A":1,"esc_10":6,"esc_9":5,"ä":2}"#);
    let loaded: BTreeMap<IdStr, usize> = serde_json::from_str(&saved).unwrap();
    assert_eq!(loaded, map);
    let escaped: IdStr = serde_json::from_str(r#""a\"b""#).unwrap();
    assert_eq!(escaped, "a\"b");
    let a = IdStr::from("x");
    assert!(IdStr::ptr_eq(&a, &a.clone()) && !IdStr::ptr_eq(&a, &IdStr::from("x")));
}
