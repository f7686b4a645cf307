use super::*;

fn seg(index: usize, range: Range<u64>) -> Piece {
    Piece::Segment { index, range }
}

fn len(part: &Part) -> u64 {
    match part {
        Part::Copy { range, .. } => range.end - range.start,
        Part::Upload(pieces) => pieces.iter().map(Piece::len).sum(),
    }
}

#[test]
fn every_part_but_the_last_is_at_least_the_minimum_and_bytes_stay_in_order() {
    let pieces = vec![
        seg(0, 0..3),
        seg(1, 1..25),
        seg(2, 0..4),
        seg(3, 0..10),
        Piece::Inline(b"tail".to_vec()),
    ];
    let parts = plan_parts(&pieces, 10);
    for part in &parts[..parts.len() - 1] {
        assert!(len(part) >= 10, "{part:?} in {parts:?}");
    }
    assert_eq!(
        parts,
        vec![
            Part::Upload(vec![seg(0, 0..3), seg(1, 1..8)]),
            Part::Copy {
                index: 1,
                range: 8..25
            },
            Part::Upload(vec![seg(2, 0..4), seg(3, 0..6)]),
            Part::Upload(vec![seg(3, 6..10), Piece::Inline(b"tail".to_vec())]),
        ]
    );
    let total: u64 = parts.iter().map(len).sum();
    assert_eq!(total, pieces.iter().map(Piece::len).sum::<u64>());
}

#[test]
fn large_segments_are_copied_whole() {
    let parts = plan_parts(&[seg(0, 0..50), seg(1, 0..40)], 10);
    assert_eq!(
        parts,
        vec![
            Part::Copy {
                index: 0,
                range: 0..50
            },
            Part::Copy {
                index: 1,
                range: 0..40
            }
        ]
    );
}

#[test]
fn copy_sources_are_url_encoded() {
    assert_eq!(
        copy_source_key("exports/7d/a b/x=1"),
        "exports/7d/a%20b/x%3D1"
    );
}
