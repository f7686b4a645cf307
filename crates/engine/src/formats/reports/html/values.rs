//! Figures, evidence and provenance as nested tables, and the page's style.
use super::escape;
use super::labels::Lang;
use serde_json::Value;
use std::fmt::Write;

/// The renderings' one stylesheet, inline. The Exports page's CSP allows it
/// by its hash (kt-service `http/page.rs`): the page opens a report from a
/// blob URL, a document that keeps the page's policy.
pub const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;padding:0 1rem;max-width:60rem;color:#111;line-height:1.4;overflow-wrap:break-word}\
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #999;margin-top:2rem}h3{font-size:1.05rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top;font-size:.85rem}\
th{background:#eee}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem;word-break:break-all}\
th.mono{word-break:normal;overflow-wrap:normal}td{overflow-wrap:anywhere}\
.status{font-weight:600}.evidenced{color:#05620b}.partial{color:#8a5300}.not_evidenced{color:#9b1111}.out_of_scope_for_log{color:#444}\
section{page-break-inside:avoid;break-inside:avoid}\
@media screen and (max-width:40rem){.data table,.data tbody,.data tr,.data th,.data td{display:block;width:auto}.data th{border-bottom:0}.data td{margin-bottom:.25rem}}\
@media print{body{margin:0;padding:0;max-width:none}a{color:inherit;text-decoration:none}h2{page-break-after:avoid}}";

pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => escape(s),
        Value::Null => "—".to_string(),
        other => escape(&other.to_string()),
    }
}

/// Figures, evidence and provenance as the JSON states them: their keys and
/// rules are English, marked so in the Spanish rendering (a screen reader
/// reads them as English).
pub(super) fn data_html(v: &Value, lang: Lang, out: &mut String) {
    out.push_str(match lang {
        Lang::Es => "<div class=\"data\" lang=\"en\">",
        Lang::En => "<div class=\"data\">",
    });
    value_html(v, out);
    out.push_str("</div>");
}

/// A metrics value as nested tables (objects) and lists (arrays).
pub(super) fn value_html(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) if m.is_empty() => out.push('—'),
        Value::Object(m) => {
            out.push_str("<table>");
            for (k, x) in m {
                let _ = write!(out, "<tr><th class=\"mono\">{}</th><td>", key_html(k));
                value_html(x, out);
                out.push_str("</td></tr>");
            }
            out.push_str("</table>");
        }
        Value::Array(a) if a.is_empty() => out.push('—'),
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            let items: Vec<String> = a.iter().map(text).collect();
            out.push_str(&items.join(", "));
        }
        Value::Array(a) => {
            out.push_str("<ol>");
            for x in a {
                out.push_str("<li>");
                value_html(x, out);
                out.push_str("</li>");
            }
            out.push_str("</ol>");
        }
        other => out.push_str(&text(other)),
    }
}

/// A JSON key as a table header: escaped, with a break opportunity after
/// each `_` and `.`, so `pending_beyond_sla_at_window_end` wraps at its
/// words on a phone or on paper instead of widening the table past it.
fn key_html(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 16);
    for c in key.chars() {
        out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
        if c == '_' || c == '.' {
            out.push_str("<wbr>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_break_at_their_words_and_stay_escaped() {
        assert_eq!(key_html("a_b.c"), "a_<wbr>b.<wbr>c");
        assert_eq!(key_html("<x>"), "&lt;x&gt;");
    }
}
