//! Free text a person reads later, on the page, in a report or beside a
//! share link (a job's `label`, a link's `note`): no control characters (a
//! NUL, a line break in a one-line field, Unicode's line and paragraph
//! separators `U+2028`/`U+2029`, which break the line as `\n` does but are not
//! control characters) and no bidirectional embedding,
//! override or isolate characters, which make a viewer show the text in
//! another order than it was stored (`U+202E` turns "fdp.exe" around).
//! Marks that only set direction (`U+200E`, `U+200F`) stay allowed: Arabic
//! and Hebrew labels need them.

/// Why `text` is not readable as stored, if it is not.
pub(crate) fn unreadable(text: &str) -> Option<&'static str> {
    if text.chars().any(char::is_control) {
        return Some("must not contain control characters");
    }
    if text.chars().any(breaks_the_line) {
        return Some("must not contain line or paragraph separators (U+2028, U+2029)");
    }
    if text.chars().any(reorders) {
        return Some(
            "must not contain bidirectional embedding, override or isolate characters \
             (U+202A-U+202E, U+2066-U+2069)",
        );
    }
    None
}

/// Line breaks that are not control characters (categories Zl and Zp).
fn breaks_the_line(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

fn reorders(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_refused_direction_marks_are_not() {
        for bad in ["a\0b", "line\nbreak", "tab\there", "del\u{7f}", "c1\u{85}"] {
            assert_eq!(
                unreadable(bad),
                Some("must not contain control characters"),
                "{bad:?}"
            );
        }
        for bad in ["line\u{2028}separator", "para\u{2029}graph"] {
            assert!(
                unreadable(bad).unwrap().contains("U+2028, U+2029"),
                "{bad:?}"
            );
        }
        for bad in [
            "invoice\u{202E}fdp.exe",
            "\u{2066}isolated\u{2069}",
            "\u{202A}x",
        ] {
            assert!(
                unreadable(bad).unwrap().contains("bidirectional"),
                "{bad:?}"
            );
        }
        for good in [
            "May control check",
            "Revisión mayo",
            "\u{200F}تقرير",
            "Q2 — ENS",
        ] {
            assert_eq!(unreadable(good), None, "{good:?}");
        }
    }
}
