//! `-o table|json`: tables for people, the API's own JSON for scripts.
//!
//! Without `-o`, a terminal gets a table and a pipe gets JSON, so
//! `kt export-jobs list | jq` works without a flag. The JSON is the API's
//! objects as `docs/openapi.yaml` describes them (README: "JSON output").
use chrono::{DateTime, Utc};
use kt_domain::{JobStatus, JobView};
use serde::Serialize;
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for people
    Table,
    /// Stable JSON for scripts (the API's objects)
    Json,
}

impl OutputFormat {
    /// The `-o` given, else a table on a terminal and JSON in a pipe.
    pub fn or_auto(chosen: Option<Self>) -> Self {
        chosen.unwrap_or(if std::io::stdout().is_terminal() {
            Self::Table
        } else {
            Self::Json
        })
    }
}

/// Prints to stdout; a closed pipe (`kt ... | head`) is not an error.
pub fn print_text(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

pub fn print_json<T: Serialize>(value: &T) {
    print_text(&serde_json::to_string_pretty(value).unwrap_or_default());
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "-".into())
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `processing 42%`, or just the status.
pub fn status_text(job: &JobView) -> String {
    match job.status {
        JobStatus::Processing => format!("processing {:.0}%", job.progress * 100.0),
        s => s.as_str().to_string(),
    }
}

/// One job as `key: value` lines.
pub fn job_details(job: &JobView) -> String {
    let mut rows: Vec<(&str, String)> = vec![
        ("id", job.id.to_string()),
        ("status", status_text(job)),
        ("format", job.format.to_string()),
        (
            "window",
            format!(
                "{} .. {} (half-open)",
                time(Some(job.window_start)),
                time(Some(job.window_end))
            ),
        ),
        ("timezone", job.timezone.clone()),
    ];
    if let Some(label) = &job.label {
        rows.push(("label", label.clone()));
    }
    rows.push((
        "created",
        format!("{} by {}", time(Some(job.created_at)), job.created_by),
    ));
    rows.push(("started", time(job.started_at)));
    rows.push(("completed", time(job.completed_at)));
    rows.push(("expires", time(job.expires_at)));
    rows.push(("file", job.file_name.clone()));
    rows.push((
        "events",
        job.event_count.map_or("-".into(), |n| n.to_string()),
    ));
    rows.push((
        "size",
        job.size_bytes
            .map_or("-".into(), |n| format!("{} ({n} bytes)", human_bytes(n))),
    ));
    rows.push(("sha256", job.sha256.clone().unwrap_or_else(|| "-".into())));
    if let Some(s) = &job.stats {
        rows.push((
            "read",
            format!(
                "{} lines from {} objects ({}), {} rejected, {} duplicates removed",
                s.lines_read,
                s.objects_read,
                human_bytes(s.bytes_read),
                s.rejected_lines,
                s.duplicates_removed
            ),
        ));
    }
    if let Some(e) = &job.error {
        rows.push(("error", format!("{}: {}", e.code, e.message)));
    }
    let actions: Vec<&str> = job
        .actions
        .iter()
        .map(|a| match a {
            kt_domain::Action::Download => "download",
            kt_domain::Action::Cancel => "cancel",
        })
        .collect();
    rows.push((
        "actions",
        if actions.is_empty() {
            "-".into()
        } else {
            actions.join(", ")
        },
    ));
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<width$}  {v}\n"))
        .collect()
}

/// Jobs as columns, one line each.
pub fn jobs_table(jobs: &[JobView]) -> String {
    let header = [
        "ID",
        "STATUS",
        "FORMAT",
        "WINDOW (UTC)",
        "EVENTS",
        "SIZE",
        "CREATED",
        "LABEL",
    ];
    let rows: Vec<[String; 8]> = jobs
        .iter()
        .map(|j| {
            [
                j.id.to_string(),
                status_text(j),
                j.format.to_string(),
                format!(
                    "{} .. {}",
                    j.window_start.format("%Y-%m-%d %H:%M"),
                    j.window_end.format("%Y-%m-%d %H:%M")
                ),
                j.event_count.map_or("-".into(), |n| n.to_string()),
                j.size_bytes.map_or("-".into(), human_bytes),
                j.created_at.format("%Y-%m-%d %H:%M").to_string(),
                j.label.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
