//! A printable, self-contained HTML rendering of a report, in Spanish or English.
//!
//! It is rendered from the report's JSON, so it can state nothing the JSON
//! does not. No script, no external asset (styles inline, system fonts);
//! `@media print` keeps sections whole on paper. Every value from the report
//! (app and actor names included) is data: escaped, never markup.
use super::envelope::Status;
use serde_json::Value;
use std::fmt::Write;

mod es;
mod labels;
mod period;
mod values;
/// Each section's title in Spanish and English, `(key, es, en)`: what the
/// renderings say, and what the Exports page shows (`web/section-titles.js`).
pub use es::TITLES as SECTION_TITLES;
pub use labels::Lang;
use labels::{Label, label, status_label};
pub use values::STYLE;
use values::{data_html, text, value_html};

/// A sentence of the report in `lang`: the Spanish rendering translates the
/// JSON's English from [`es::TEXTS`]; a sentence the table lacks stays in
/// English, marked `lang="en"`. Escaped either way.
fn prose(v: &Value, lang: Lang) -> String {
    match (lang, v.as_str()) {
        (Lang::Es, Some(s)) => match es::spanish(s) {
            Some(t) => escape(&t),
            None => format!("<span lang=\"en\">{}</span>", escape(s)),
        },
        _ => text(v),
    }
}

/// The section's title in `lang` (the JSON states one language per framework).
fn title(key: &str, s: &Value, lang: Lang) -> String {
    es::title(key, lang == Lang::Es).map_or_else(|| text(&s["title"]), escape)
}

/// Holders and the period's applicability, in words.
fn applicability(a: &Value, lang: Lang) -> (String, String) {
    let holders = a["holders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|h| labels::holder(h, lang).map_or_else(|| escape(h), str::to_string))
        .collect::<Vec<_>>()
        .join(", ");
    let during = a["applies_during_period"].as_str().unwrap_or("");
    let during = labels::during(during, lang).map_or_else(|| escape(during), str::to_string);
    (holders, during)
}

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The period's rows: in the zone the dates were chosen in, the end
/// excluded, then (outside UTC) the UTC instants the JSON states.
fn period_rows(p: &Value, lang: Lang) -> String {
    let (start, end, zone) = (
        p["start"].as_str().unwrap_or(""),
        p["end"].as_str().unwrap_or(""),
        p["timezone"].as_str().unwrap_or("UTC"),
    );
    let utc = format!("{} → {}", escape(start), escape(end));
    let Some(local) = period::local_window(start, end, zone) else {
        return format!(
            "<tr><th>{}</th><td>{utc} ({})</td></tr>\n",
            label(Label::Period, lang),
            escape(zone)
        );
    };
    let mut rows = format!(
        "<tr><th>{}</th><td>{} ({}; {})</td></tr>\n",
        label(Label::Period, lang),
        escape(&local),
        escape(zone),
        label(Label::EndExcluded, lang)
    );
    if zone != "UTC" {
        let _ = writeln!(
            rows,
            "<tr><th>{}</th><td>{utc}</td></tr>",
            label(Label::PeriodUtc, lang)
        );
    }
    rows
}

/// Section keys in article order (`art4` before `art12`, `rgpd.9` before
/// `rgpd.22`): runs of digits compare as numbers, the rest as text, as the
/// Exports page orders them.
fn article_order(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ra, rb) = (runs(a), runs(b));
    for ((da, xa), (db, xb)) in ra.iter().zip(&rb) {
        let ord = match (da, db) {
            (true, true) => xa
                .parse::<u64>()
                .unwrap_or(u64::MAX)
                .cmp(&xb.parse::<u64>().unwrap_or(u64::MAX)),
            _ => xa.cmp(xb),
        };
        if ord.is_ne() {
            return ord;
        }
    }
    ra.len().cmp(&rb.len())
}

fn status_html(status: &Value, lang: Lang) -> String {
    let s = status.as_str().unwrap_or("");
    let known = [
        Status::Evidenced,
        Status::Partial,
        Status::NotEvidenced,
        Status::OutOfScopeForLog,
    ]
    .into_iter()
    .find(|x| x.as_str() == s);
    match known {
        Some(st) => format!(
            "<span class=\"status {}\">{}</span>",
            st.as_str(),
            status_label(st, lang)
        ),
        None => escape(s),
    }
}

/// The whole document for `report` (a report's JSON). `hashes` are the
/// bundle manifest's (path, sha256) pairs, shown when the report is in a bundle.
pub fn render(report: &Value, lang: Lang, hashes: &[(String, String)]) -> String {
    let r = &report["report"];
    let l = |k: Label| label(k, lang);
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        lang.code(),
        text(&r["format"]),
        text(&r["tenant_id"]),
    );
    let _ = write!(
        o,
        "<h1>{}</h1>\n<p>{}</p>\n<table>\n<tr><th>{}</th><td>{}</td></tr>\n{}<tr><th>{}</th><td class=\"mono\">{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{}</td></tr>\n<tr><th>{}</th><td>{} {}</td></tr>\n</table>\n<p><em>{}</em></p>\n",
        prose(&r["framework"]["citation"], lang),
        l(Label::Intro),
        l(Label::Tenant),
        text(&r["tenant_id"]),
        period_rows(&r["period"], lang),
        l(Label::ReportId),
        text(&r["report_id"]),
        l(Label::GeneratedAt),
        escape(&period::to_the_second(
            r["generated_at"].as_str().unwrap_or("")
        )),
        l(Label::Profile),
        match r["profile"]["version"].as_u64() {
            Some(v) => format!("{} {v}", l(Label::Version)),
            None => l(Label::NotDeclared).to_string(),
        },
        l(Label::Mapping),
        text(&r["framework"]["mapping_version"]),
        text(&r["schema_version"]),
        prose(&r["scope_note"], lang),
    );
    if r.get("ens_category").is_some() {
        let _ = writeln!(
            o,
            "<p>{}: <strong>{}</strong></p>",
            l(Label::EnsCategory),
            match r["ens_category"].as_str() {
                Some("not_declared") => l(Label::NotDeclared).to_string(),
                _ => text(&r["ens_category"]),
            }
        );
    }

    // Summary.
    let _ = write!(
        o,
        "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        l(Label::Summary),
        l(Label::Section),
        l(Label::Title),
        l(Label::Status),
        l(Label::AppliesFrom),
    );
    let empty = serde_json::Map::new();
    let mut sections: Vec<(&String, &Value)> = report["sections"]
        .as_object()
        .unwrap_or(&empty)
        .iter()
        .collect();
    sections.sort_by(|(a, _), (b, _)| article_order(a, b));
    for &(key, s) in &sections {
        let _ = writeln!(
            o,
            "<tr><td class=\"mono\"><a href=\"#s-{}\">{}</a></td><td>{}</td><td>{}</td><td>{} ({})</td></tr>",
            escape(key),
            escape(key),
            title(key, s, lang),
            status_html(&s["status"], lang),
            text(&s["applicability"]["applies_from"]),
            applicability(&s["applicability"], lang).1,
        );
    }
    o.push_str("</table>\n");

    // Legend.
    let _ = writeln!(o, "<h2>{}</h2>\n<dl>", l(Label::Legend));
    for st in [
        Status::Evidenced,
        Status::Partial,
        Status::NotEvidenced,
        Status::OutOfScopeForLog,
    ] {
        let _ = writeln!(
            o,
            "<dt>{}</dt><dd>{}</dd>",
            status_html(&Value::String(st.as_str().into()), lang),
            labels::legend(st, lang)
        );
    }
    o.push_str("</dl>\n");

    // Method.
    let p = &r["provenance"];
    let _ = write!(
        o,
        "<h2>{}</h2>\n<ul>\n<li>{}: {}</li>\n<li>{}: {} (<code>{}</code>)</li>\n<li>{}: <code>{}</code>. {}</li>\n<li>{}: {}</li>\n</ul>\n",
        l(Label::Method),
        l(Label::Digest),
        prose(&r["source"]["events_digest_rule"], lang),
        l(Label::Pseudonymisation),
        prose(&p["pseudonymisation"]["method"], lang),
        text(&p["pseudonymisation"]["key_id"]),
        l(Label::Sampling),
        text(&p["sampling"]["seed"]),
        prose(&p["sampling"]["recompute"], lang),
        l(Label::ReportIdRule),
        prose(&p["versions"]["report_id_rule"], lang),
    );

    // Sections.
    for &(key, s) in &sections {
        let (holders, during) = applicability(&s["applicability"], lang);
        let _ = write!(
            o,
            "<section id=\"s-{}\">\n<h2>{} — {}</h2>\n<p>{} · {} · {}: {}</p>\n<p>{}: {} ({}) — {}</p>\n",
            escape(key),
            escape(key),
            title(key, s, lang),
            prose(&s["reference"], lang),
            status_html(&s["status"], lang),
            l(Label::Holders),
            holders,
            l(Label::AppliesFrom),
            text(&s["applicability"]["applies_from"]),
            during,
            prose(&s["applicability"]["note"], lang),
        );
        let _ = writeln!(o, "<h3>{}</h3>\n<ul>", l(Label::Gaps));
        for g in s["gaps"].as_array().into_iter().flatten() {
            let _ = writeln!(o, "<li>{}</li>", prose(g, lang));
        }
        o.push_str("</ul>\n");
        if let Some(d) = s["declarations"].as_array().filter(|d| !d.is_empty()) {
            let _ = writeln!(o, "<h3>{}</h3>", l(Label::Declarations));
            value_html(&Value::Array(d.clone()), &mut o);
        }
        let _ = writeln!(o, "<h3>{}</h3>", l(Label::Figures));
        data_html(&s["metrics"], lang, &mut o);
        let _ = writeln!(o, "\n<h3>{}</h3>", l(Label::Evidence));
        data_html(&s["evidence"], lang, &mut o);
        o.push_str("\n</section>\n");
    }

    // Provenance.
    let _ = writeln!(o, "<h2>{}</h2>", l(Label::Provenance));
    data_html(p, lang, &mut o);
    let _ = writeln!(o, "\n<h3>{}</h3>", l(Label::Source));
    data_html(&r["source"], lang, &mut o);
    if !hashes.is_empty() {
        let _ = write!(
            o,
            "\n<h2>{}</h2>\n<table>\n<tr><th>{}</th><th>SHA-256</th></tr>\n",
            l(Label::Manifest),
            l(Label::File)
        );
        for (path, sha) in hashes {
            let _ = writeln!(
                o,
                "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                escape(path),
                escape(sha)
            );
        }
        o.push_str("</table>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_markup_text() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn sections_are_in_article_order() {
        let mut keys = vec![
            "art50",
            "art4",
            "art26.11",
            "art12",
            "art26.1_26.5",
            "art5",
            "art26.6",
            "art27",
        ];
        keys.sort_by(|a, b| article_order(a, b));
        assert_eq!(
            keys,
            [
                "art4",
                "art5",
                "art12",
                "art26.1_26.5",
                "art26.6",
                "art26.11",
                "art27",
                "art50"
            ]
        );
        let mut rgpd = vec!["rgpd.22", "rgpd.5.2", "rgpd.9", "rgpd.5.1.c", "rgpd.44_49"];
        rgpd.sort_by(|a, b| article_order(a, b));
        assert_eq!(
            rgpd,
            ["rgpd.5.1.c", "rgpd.5.2", "rgpd.9", "rgpd.22", "rgpd.44_49"]
        );
    }
}
