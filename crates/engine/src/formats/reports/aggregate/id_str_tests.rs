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
        // Bytes: the length's two forms meet at 254/255, and an entry of
        // 1,024 bytes (an id of 1,017, with the 5-byte length) is the longest shared.
        let lengths = [0, 1, 30, 254, 255, 256, 1_017, 1_018, 5_000, 70_000];
        let ids: Vec<String> = lengths
            .iter()
            .map(|&n| "0123456789abcdef".chars().cycle().take(n).collect())
            .collect();
        let stored: Vec<IdStr> = ids.iter().map(|s| IdStr::new(s)).collect();
        for (s, id) in ids.iter().zip(&stored) {
            assert_eq!(id.as_str(), s.as_str(), "{} bytes", s.len());
        }
        let unicode = IdStr::new("évt_ü_漢字");
        assert_eq!(unicode, "évt_ü_漢字");
        assert_eq!(size_of::<IdStr>(), 8);
        assert_eq!(size_of::<Option<IdStr>>(), 8);
    });
}

#[test]
fn an_id_past_1_kib_has_a_block_of_its_own() {
    on_fresh_thread(|| {
        let first = IdStr::new("a");
        assert_eq!(live_blocks(), 1);
        let longest_shared = IdStr::new(&"s".repeat(1_017));
        assert_eq!(live_blocks(), 1, "a 1,024-byte entry shares the block");
        let alone = IdStr::new(&"x".repeat(1_018));
        assert_eq!(live_blocks(), 2, "a 1,025-byte entry does not");
        drop(alone);
        assert_eq!(live_blocks(), 1);
        assert_eq!((first.len(), longest_shared.len()), (1, 1_017));
    });
}

#[test]
fn ids_pack_into_shared_blocks_freed_with_their_last_id() {
    on_fresh_thread(|| {
        let ids: Vec<IdStr> = (0..10_000)
            .map(|i| IdStr::new(&format!("evt_{i:026}")))
            .collect();
        // 33 bytes an entry: 1,985 to a 64 KiB block.
        assert_eq!(live_blocks(), 6);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(id.as_str(), format!("evt_{i:026}"));
        }
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
fn a_block_fills_to_its_last_byte() {
    on_fresh_thread(|| {
        // 16 header bytes, 1,985 entries of 33, one of 12 and one of 3: 65,536.
        let mut ids: Vec<IdStr> = (0..1_985)
            .map(|i| IdStr::new(&format!("evt_{i:026}")))
            .collect();
        ids.push(IdStr::new("123456789"));
        let last = IdStr::new("");
        assert_eq!(live_blocks(), 1, "all in one block");
        let next = IdStr::new("n");
        assert_eq!(live_blocks(), 2, "the next id opens a block");
        assert_eq!(last, "");
        assert_eq!(ids[1_985], "123456789");
        drop(ids);
        assert_eq!(
            live_blocks(),
            2,
            "the empty id, the last entry, keeps the full block"
        );
        drop(last);
        assert_eq!(live_blocks(), 1);
        assert_eq!(next, "n");
    });
}

#[test]
fn ids_are_read_and_dropped_on_other_threads_while_their_block_fills() {
    // Under Miri (`cargo +nightly miri test -p kt-engine --lib id_str`) fewer:
    // the interleavings it checks are the same within one block.
    let n = if cfg!(miri) { 2_000 } else { 20_000 };
    let (tx, rx) = std::sync::mpsc::channel::<(usize, IdStr)>();
    let reader = std::thread::spawn(move || {
        let mut seen = 0;
        for (i, id) in rx {
            assert_eq!(
                id.as_str(),
                format!("req_{i:x}"),
                "id {i} read on another thread"
            );
            seen += 1; // dropped here, while the maker appends to its block
        }
        seen
    });
    let maker = std::thread::spawn(move || {
        let kept: Vec<IdStr> = (0..n)
            .map(|i| {
                let id = IdStr::new(&format!("req_{i:x}"));
                tx.send((i, id.clone())).unwrap();
                id
            })
            .collect();
        kept
    });
    let kept = maker.join().unwrap();
    assert_eq!(reader.join().unwrap(), n);
    // The maker has ended (its open block let go): the ids alone hold their blocks.
    for (i, id) in kept.iter().enumerate() {
        assert_eq!(id.as_str(), format!("req_{i:x}"));
    }
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
    assert!(
        serde_json::from_str::<IdStr>("7").is_err(),
        "an id is a string"
    );
    let a = IdStr::from("x");
    assert!(IdStr::ptr_eq(&a, &a.clone()) && !IdStr::ptr_eq(&a, &IdStr::from("x")));
}
