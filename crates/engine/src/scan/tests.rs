//! The scanner against serde: whatever it accepts, serde accepts with the
//! same fields; and the lines the lake really holds take the fast path.
use super::{Want, scan_event};
use crate::check::EventCheck;
use kt_domain::{Event, Tokens};
use kt_lakegen::{LakeSpec, generate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn serde_all(line: &str) -> Option<Event<'_>> {
    serde_json::from_str(line).ok()
}

fn serde_required(line: &str) -> Option<Event<'_>> {
    serde_json::from_str::<EventCheck>(line)
        .ok()
        .map(EventCheck::into_event)
}

/// Lines as the generator writes them (every event type and field), malformed ones included.
pub(crate) fn lake_lines() -> Vec<String> {
    let spec = LakeSpec {
        days: 1,
        events_total: 2_000,
        malformed_rate: 0.02,
        gzip: false,
        ..Default::default()
    };
    let mut lines = Vec::new();
    generate(&spec, |_, bytes| {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        lines.extend(text.lines().map(str::to_owned));
        Ok::<_, ()>(())
    })
    .unwrap();
    lines
}

pub(crate) const BASE: &str = r#"{"event_id":"e1","ts":"2026-05-01T08:02:14.503Z","tenant_id":"acme","event_type":"policy.decision","request_id":"r1","config_version":null,"actor":{"user_id":"u1","app":"bot","ip":"198.51.100.24","x":[1,{"y":null}]},"model":{"provider":"openai","name":"gpt-4o","region":"us-east-1"},"decision":"redact","policy_ids":["a","b"],"risk_level":"medium","data_categories":[],"latency_ms":-388,"tokens":{"input":180,"output":null},"outcome":"ok","extra":{"n":1.5e-3,"t":true,"f":false}}"#;

/// `BASE`'s unknown object.
const EXTRA: &str = r#"{"n":1.5e-3,"t":true,"f":false}"#;

#[test]
fn what_serde_accepts_in_the_lake_takes_the_fast_path_with_the_same_fields() {
    let (mut fast, mut serde_only) = (0, 0);
    for line in lake_lines() {
        let scanned = scan_event(&line, Want::All);
        match serde_all(&line) {
            Some(parsed) if !line.contains('\\') => {
                assert_eq!(scanned.as_ref(), Some(&parsed), "{line}");
                let required = scan_event(&line, Want::Required);
                assert_eq!(required, serde_required(&line), "{line}");
                fast += 1;
            }
            Some(parsed) => {
                // Escapes are serde's; if the scanner answers it must agree.
                assert!(scanned.is_none_or(|s| s == parsed), "{line}");
                serde_only += 1;
            }
            None => assert_eq!(scanned, None, "{line}"),
        }
    }
    assert!(fast > 1_900, "only {fast} lines took the fast path");
    assert!(serde_only < 50, "{serde_only} lines needed serde");
}

/// `value` as JSON with every object's keys in reverse order, and `sep`
/// after each colon and comma.
pub(crate) fn reordered(value: &serde_json::Value, sep: &str) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let members: Vec<String> = map
                .iter()
                .rev()
                .map(|(k, v)| format!("{}:{sep}{}", Value::from(k.as_str()), reordered(v, sep)))
                .collect();
            format!("{{{}}}", members.join(&format!(",{sep}")))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| reordered(v, sep)).collect();
            format!("[{}]", items.join(&format!(",{sep}")))
        }
        other => other.to_string(),
    }
}

#[test]
fn keys_in_another_order_or_spaced_read_as_the_producer_order_does() {
    // The scanner tries the producer's key order first (one compare a key)
    // and reads any other order the general way: both must give the same.
    let mut compared = 0;
    for line in lake_lines() {
        let Some(compact) = scan_event(&line, Want::All) else {
            continue;
        };
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        for sep in ["", " "] {
            let other = reordered(&value, sep);
            assert_ne!(other, line);
            assert_eq!(
                scan_event(&other, Want::All).as_ref(),
                Some(&compact),
                "{other}"
            );
            assert_eq!(
                scan_event(&other, Want::Required),
                scan_event(&line, Want::Required),
                "{other}"
            );
        }
        compared += 1;
    }
    assert!(compared > 1_900, "only {compared} lines compared");
}

#[test]
fn nested_unknown_values_nulls_and_negative_numbers_are_read_like_serde() {
    let scanned = scan_event(BASE, Want::All).expect("fast path");
    assert_eq!(Some(&scanned), serde_all(BASE).as_ref());
    assert_eq!(scanned.latency_ms, Some(-388));
    assert_eq!(
        scanned.tokens,
        Some(Tokens {
            input: Some(180),
            output: None
        })
    );
    assert_eq!(scanned.config_version, None);
    assert_eq!(scanned.data_categories, Some(vec![]));
    for extra in [
        r#"{"a":"b","c":"d"}"#,
        r#"{"a":"b","c":1}"#,
        "{}",
        r#"{"a":"}"}"#,
    ] {
        let line = BASE.replace(EXTRA, extra);
        assert_eq!(
            scan_event(&line, Want::All),
            Some(scanned.clone()),
            "{line}"
        );
    }
}

#[test]
fn what_serde_must_word_is_left_to_serde() {
    let cases = [
        BASE.replace(r#""e1""#, r#""e\u0031""#),
        BASE.replace(r#""e1""#, "\"e\t1\""),
        BASE.replace(r#""latency_ms":-388"#, r#""latency_ms":1.0"#),
        BASE.replace(r#""latency_ms":-388"#, r#""latency_ms":-0"#),
        BASE.replace(r#""latency_ms":-388"#, r#""latency_ms":1e3"#),
        BASE.replace(
            r#""latency_ms":-388"#,
            r#""latency_ms":9223372036854775808"#,
        ),
        BASE.replace(
            r#""request_id":"r1""#,
            r#""request_id":"r1","request_id":null"#,
        ),
        BASE.replace(r#""app":"bot""#, r#""app":"bot","app":"bot""#),
        BASE.replace(r#""ts":"2026-05-01T08:02:14.503Z","#, ""),
        BASE.replace(r#""outcome":"ok""#, r#""outcome":"ok","#),
        BASE.replace(r#""policy_ids":["a","b"]"#, r#""policy_ids":["a",null]"#),
        BASE.replace(r#""event_id":"e1""#, r#""event_id":null"#),
        format!("{BASE} x"),
        format!("[{BASE}]"),
        // Unknown objects of string members are skipped by their quotes
        // alone; anything off in them still goes to serde.
        BASE.replace(EXTRA, r#"{"a":"b"]"#),
        BASE.replace(EXTRA, r#"{"a":"b""c":"d"}"#),
        BASE.replace(EXTRA, r#"{"a"::"b"}"#),
        BASE.replace(EXTRA, r#"{"a":"b",}"#),
        BASE.replace(EXTRA, r#"{"a":"b""#),
        BASE.replace(EXTRA, r#"{"a":"b"}}"#),
    ];
    for line in cases {
        assert_eq!(scan_event(&line, Want::All), None, "{line}");
    }
    let deep = BASE.replace(
        r#""t":true"#,
        &format!(r#""t":{}1{}"#, "[".repeat(80), "]".repeat(80)),
    );
    assert_eq!(scan_event(&deep, Want::All), None);
}

/// Pieces that make lines interesting to both parsers.
const TOKENS: &[&str] = &[
    ",",
    ":",
    "\"",
    "{",
    "}",
    "[",
    "]",
    "null",
    "true",
    "1",
    "-0",
    "01",
    "1.5",
    "1e3",
    "-",
    "\\",
    " ",
    "\t",
    "\"x\"",
    "=",
    "+",
    "@",
    ";",
    "é",
    "\"event_id\":\"dup\",",
    "\"actor\":null,",
    "\"tokens\":{},",
    "\"policy_ids\":[],",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "false",
    "E",
    "e+",
    "e-",
    "-0.0",
    "\u{feff}",
    "  ",
    "\"model\":{\"name\":\"m\",\"name\":null},",
    "\"tokens\":{\"input\":1,\"input\":2},",
    "{\"event_id\":1}",
    "[[]]",
];

fn mutate(line: &str, rng: &mut StdRng) -> String {
    let mut s = line.to_string();
    for _ in 0..rng.random_range(1..=3) {
        let boundaries: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
        let at = boundaries[rng.random_range(0..boundaries.len())];
        // The char boundary `chars` characters after `at` (or the end).
        let after = |chars: usize| {
            let later = boundaries.iter().copied().filter(|&b| b > at);
            later.take(chars).last().unwrap_or(at)
        };
        match rng.random_range(0..3) {
            0 => s.insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]),
            1 => {
                let to = after(rng.random_range(1..4));
                s.replace_range(at..to, "");
            }
            _ => {
                let to = after(rng.random_range(1..12));
                let piece = s[at..to].to_string();
                s.insert_str(to, &piece);
            }
        }
    }
    s
}

/// `count` lines, each a generator's line or [`BASE`] mutated one to three
/// times ([`mutate`]), the same for the same `seed`.
pub(crate) fn mutated_lines(count: usize, seed: u64) -> impl Iterator<Item = String> {
    let mut templates = lake_lines();
    templates.truncate(200);
    templates.push(BASE.to_string());
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(move |n| mutate(&templates[n % templates.len()], &mut rng))
}

/// Runs `agrees` (which asserts that two ways of reading a line agree and
/// says whether the faster one answered) on `count` mutated lines, and
/// holds that both outcomes occur often, so its comparison means something.
pub(crate) fn on_mutated_lines(count: usize, seed: u64, mut agrees: impl FnMut(&str) -> bool) {
    let (mut answered, mut declined) = (0, 0);
    for line in mutated_lines(count, seed) {
        if agrees(&line) {
            answered += 1;
        } else {
            declined += 1;
        }
    }
    assert!(answered > count / 4, "{answered}");
    assert!(declined > count / 4, "{declined}");
}

#[test]
fn whatever_the_scanner_accepts_serde_accepts_with_the_same_fields() {
    let (mut accepted, mut refused_by_both) = (0, 0);
    for line in mutated_lines(60_000, 7) {
        for want in [Want::All, Want::Required] {
            let Some(scanned) = scan_event(&line, want) else {
                continue;
            };
            let parsed = match want {
                Want::All => serde_all(&line),
                Want::Required => serde_required(&line),
            };
            assert_eq!(Some(&scanned), parsed.as_ref(), "{want:?} {line}");
            accepted += 1;
        }
        if serde_all(&line).is_none() && scan_event(&line, Want::All).is_none() {
            refused_by_both += 1;
        }
    }
    // Both outcomes occur often, so the comparison above means something.
    assert!(accepted > 20_000, "{accepted}");
    assert!(refused_by_both > 10_000, "{refused_by_both}");
}

#[test]
fn the_quote_masks_find_every_first_quote_and_refuse_escapes_and_controls() {
    let mut quotes = Vec::new();
    let long = format!("{}\"{}\"{}", "x".repeat(37), "y".repeat(90), "é".repeat(40));
    for text in [
        "",
        "a",
        "\"",
        "abcdefg\"",
        "abcdefgh\"",
        "abcdefghijklmnop",
        "é\"x\"",
        "\x7f\u{80}\"\"",
        &long,
    ] {
        let mut quotes_only = Vec::new();
        assert!(super::simd::quotes_of(text.as_bytes(), &mut quotes_only).is_some());
        assert!(
            super::simd::classify(text.as_bytes(), &mut quotes).is_some(),
            "{text:?}"
        );
        assert_eq!(quotes_only, quotes, "{text:?}");
        for cut in 0..=text.len() {
            assert_eq!(
                super::simd::next_quote(&quotes, cut),
                text.as_bytes()[cut..]
                    .iter()
                    .position(|&c| c == b'"')
                    .map(|p| p + cut),
                "{text:?} from {cut}"
            );
        }
    }
    for special in ["\\", "\t", "\n", "\r", "\u{0}", "\u{1f}"] {
        for at in [0, 5, 31, 32, 63, 64, 100] {
            let mut text = "a".repeat(130);
            text.insert_str(at, special);
            assert!(
                super::simd::classify(text.as_bytes(), &mut quotes).is_none(),
                "{at} {special:?}"
            );
            assert!(super::simd::quotes_of(text.as_bytes(), &mut quotes).is_none());
        }
    }
}

/// The SSE2 and AVX2 blocks against the scalar one, on random blocks rich in
/// the bytes that matter (quotes, backslashes, controls, 0x20, 0x7f-0xff).
#[cfg(target_arch = "x86_64")]
#[test]
fn the_vector_blocks_agree_with_the_scalar_block() {
    use super::simd::{scalar, x86};
    const BYTES: &[u8] = b"\"\\\x00\x1f\x20\x21\x7f\x80\x9f\xffa{}[]:,\t\n";
    let avx2 = std::is_x86_feature_detected!("avx2");
    let mut rng = StdRng::seed_from_u64(11);
    for n in 0..20_000 {
        let mut block = [0u8; 64];
        for b in block.iter_mut() {
            *b = if n % 2 == 0 {
                BYTES[rng.random_range(0..BYTES.len())]
            } else if rng.random_bool(0.97) {
                b'a'
            } else {
                rng.random()
            };
        }
        let want = scalar(&block);
        assert_eq!(x86::sse2(&block), want, "{block:?}");
        if avx2 {
            assert_eq!(x86::avx2(&block), want, "{block:?}");
        }
    }
}
