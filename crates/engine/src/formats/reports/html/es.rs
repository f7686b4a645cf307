//! Spanish for the text a report states in English: gaps, applicability
//! notes, the scope note, the sections' references and the method. `{}` stands for a value (a count, a date, a
//! list, a phrase); a value that is itself an English phrase of this table
//! is translated too. Section titles are in [`TITLES`].

mod references;
mod texts;
mod titles;
use references::REFERENCES;
pub use texts::TEXTS;
pub use titles::TITLES;

/// `text` in `lang`: Spanish from [`TEXTS`] or the references and method
/// (its `{}` values translated in turn), or `None` when no table has it.
pub fn spanish(text: &str) -> Option<String> {
    TEXTS.iter().chain(REFERENCES).find_map(|(en, es)| {
        let values = match_template(en, text)?;
        let mut out = String::with_capacity(es.len() + 32);
        let mut pieces = es.split("{}");
        out.push_str(pieces.next().unwrap_or(""));
        for (v, piece) in values.iter().zip(pieces) {
            out.push_str(&spanish(v).unwrap_or_else(|| v.to_string()));
            out.push_str(piece);
        }
        Some(out)
    })
}

/// The values standing for `{}` when `text` has the shape of `template`
/// (each value as short as the rest allows, the last one to the end).
fn match_template<'t>(template: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let mut pieces = template.split("{}");
    let first = pieces.next().unwrap_or("");
    let mut rest = text.strip_prefix(first)?;
    let pieces: Vec<&str> = pieces.collect();
    let mut values = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let at = if last {
            // The last literal must end the text.
            rest.len()
                .checked_sub(piece.len())
                .filter(|&at| rest[at..] == **piece)?
        } else if piece.is_empty() {
            return None;
        } else {
            rest.find(piece)?
        };
        let value = &rest[..at];
        if value.is_empty() {
            return None;
        }
        values.push(value);
        rest = &rest[at + piece.len()..];
    }
    (rest.is_empty()).then_some(values)
}

/// The section's title in `es` or `en` (the report states one language).
pub fn title(key: &str, spanish: bool) -> Option<&'static str> {
    TITLES
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, es, en)| if spanish { *es } else { *en })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_translate_their_values_and_phrases() {
        assert_eq!(
            spanish("3 of 11 request events carry no data_categories field").as_deref(),
            Some("3 de 11 eventos de solicitud no llevan el campo data_categories")
        );
        assert_eq!(
            spanish("a data processing agreement (Art. 28(3)) is not declared in the tenant's compliance profile for: openai, mistral").as_deref(),
            Some("un contrato de encargo del tratamiento (art. 28.3) no está declarado en el perfil de cumplimiento del tenant para: openai, mistral")
        );
        assert_eq!(spanish("no such sentence"), None);
        // A template's literal text must match as a whole.
        assert_eq!(spanish("no events in the window, really"), None);
    }

    #[test]
    fn every_entry_has_as_many_values_in_both_languages() {
        for (en, es) in TEXTS.iter().chain(REFERENCES) {
            assert_eq!(en.matches("{}").count(), es.matches("{}").count(), "{en}");
        }
    }
}
