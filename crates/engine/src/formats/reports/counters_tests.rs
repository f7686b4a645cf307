use super::*;

#[test]
fn capped_map_counts_overflow() {
    let mut m = CappedMap::<u64>::new(2);
    for k in ["a", "b", "a", "c", "d", "b"] {
        m.incr(k);
    }
    // `entry` and `update` agree, clipped keys and overflow included.
    let long = "k".repeat(MAX_KEY_LEN + 5);
    let (mut by_entry, mut by_update) = (CappedMap::<u64>::new(3), CappedMap::<u64>::new(3));
    for k in [
        "a",
        long.as_str(),
        "b",
        "a",
        &long[..MAX_KEY_LEN],
        "c",
        "b",
        "d",
    ] {
        if let Some(n) = by_entry.entry(k) {
            *n += 1;
        }
        by_update.update(k, |n| *n += 1);
    }
    assert_eq!(
        (&by_entry.map, by_entry.overflow),
        (&by_update.map, by_update.overflow)
    );
    assert_eq!(by_update.map[&long[..MAX_KEY_LEN]], 2);
    assert_eq!(by_update.overflow, 2);
    assert_eq!(m.map.len(), 2);
    assert_eq!(m.overflow, 2);
    assert_eq!(
        serde_json::to_value(m.to_json()).unwrap(),
        serde_json::json!({"a": 2, "b": 2, "(other)": 2})
    );
    assert_eq!(m.top_pairs(1), vec![("a".to_string(), 2)]);
}

#[test]
fn a_capped_map_reads_and_saves_in_key_order_whatever_the_insertion_order() {
    let keys = ["delta", "alpha", "charlie", "bravo", "echo"];
    let forward = counted(&keys, 10);
    let backward = counted(&keys.iter().rev().copied().collect::<Vec<_>>(), 10);
    for m in [&forward, &backward] {
        let read: Vec<&str> = m.sorted().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(read, ["alpha", "bravo", "charlie", "delta", "echo"]);
        assert_eq!(m.keys(), read.iter().collect::<Vec<_>>());
    }
    let saved = serde_json::to_string(&forward).unwrap();
    assert_eq!(saved, serde_json::to_string(&backward).unwrap());
    assert!(saved.contains(r#"{"alpha":1,"bravo":1,"charlie":1,"delta":1,"echo":1}"#));
    let loaded: CappedMap<u64> = serde_json::from_str(&saved).unwrap();
    assert_eq!(
        (loaded.map, loaded.overflow),
        (forward.map, forward.overflow)
    );
}

fn counted(keys: &[&str], cap: usize) -> CappedMap<u64> {
    let mut m = CappedMap::new(cap);
    keys.iter().for_each(|k| m.incr(k));
    m
}

#[test]
fn capped_maps_merge_exactly_or_say_they_cannot() {
    let keys = ["a", "b", "a", "c", "b", "d", "a", "e", "c"];
    for cap in [2, 3, 5, 9] {
        let whole = counted(&keys, cap);
        for cut in 0..=keys.len() {
            let mut a = counted(&keys[..cut], cap);
            match a.merge(counted(&keys[cut..], cap)) {
                Ok(()) => {
                    assert_eq!(
                        (&a.map, a.overflow),
                        (&whole.map, whole.overflow),
                        "cap {cap} cut {cut}"
                    )
                }
                // Only when the cap was reached and the split hides which keys come first.
                Err(_) => assert!(whole.is_capped(), "cap {cap} cut {cut}"),
            }
        }
    }
    // Plenty of room: always exact.
    for cut in 0..=keys.len() {
        let mut a = counted(&keys[..cut], 9);
        a.merge(counted(&keys[cut..], 9)).unwrap();
        assert_eq!(a.map, counted(&keys, 9).map);
    }
}

#[test]
fn distinct_counts_merge_exactly() {
    let values: Vec<String> = (0..40).map(|i| format!("v{}", i % 25)).collect();
    for cap in [5, 25, 100] {
        let mut whole = DistinctCap::new(cap);
        values.iter().for_each(|v| whole.insert(v));
        for cut in 0..=values.len() {
            let (mut a, mut b) = (DistinctCap::new(cap), DistinctCap::new(cap));
            values[..cut].iter().for_each(|v| a.insert(v));
            values[cut..].iter().for_each(|v| b.insert(v));
            a.merge(b);
            assert_eq!(
                serde_json::to_value(a.to_json()).unwrap(),
                serde_json::to_value(whole.to_json()).unwrap(),
                "cap {cap} cut {cut}"
            );
        }
    }
}

#[test]
fn distinct_saturates() {
    let mut d = DistinctCap::new(2);
    for v in ["x", "y", "x", "z"] {
        d.insert(v);
    }
    assert_eq!(
        serde_json::to_value(d.to_json()).unwrap(),
        serde_json::json!({"count": 2, "at_least": true})
    );
}
