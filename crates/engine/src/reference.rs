//! A straightforward reference export for checking the engine on small lakes:
//! load every line, validate, filter, de-duplicate (first in key, line order)
//! and sort in memory. Not for production: it holds the whole lake.
use super::validate::parse_utc_timestamp;
use kt_domain::Event;
use kt_domain::{TenantId, Window};
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// The lines a correct export of `tenant`/`window` from the lake directory
/// `root` contains, in export order.
pub fn expected_lines(
    root: &Path,
    tenant: &TenantId,
    window: &Window,
) -> std::io::Result<Vec<String>> {
    let base = root.join(format!("events/tenant={}", tenant.as_str()));
    let mut files = Vec::new();
    collect(&base, &mut files)?;
    files.sort();
    let (start, end) = (
        window.start.timestamp_nanos_opt().unwrap_or(i64::MIN),
        window.end.timestamp_nanos_opt().unwrap_or(i64::MAX),
    );
    let mut accepted: Vec<(i64, String, String)> = Vec::new();
    for path in files {
        let key = path.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        if key.ends_with(".ndjson.gz") {
            flate2::read::MultiGzDecoder::new(std::fs::File::open(&path)?)
                .read_to_end(&mut bytes)?;
        } else if key.ends_with(".ndjson") {
            bytes = std::fs::read(&path)?;
        } else {
            continue;
        }
        let Some(hour_start) = hour_of_path(&key) else {
            continue;
        };
        for line in bytes.split(|b| *b == b'\n') {
            let Ok(text) = std::str::from_utf8(line) else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<Event>(text) else {
                continue;
            };
            let Some(ts) = parse_utc_timestamp(&event.ts) else {
                continue;
            };
            let in_hour = (hour_start..hour_start + 3_600_000_000_000).contains(&ts);
            if event.tenant_id != tenant.as_str()
                || !in_hour
                || event.event_id.is_empty()
                || event.event_type.is_empty()
            {
                continue;
            }
            if (start..end).contains(&ts) {
                accepted.push((ts, event.event_id.to_string(), text.to_string()));
            }
        }
    }
    let mut seen = HashSet::new();
    accepted.retain(|(_, id, _)| seen.insert(id.clone()));
    accepted.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    Ok(accepted.into_iter().map(|(_, _, line)| line).collect())
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// The hour partition start (ns) named by `.../dt=YYYY-MM-DD/hour=HH/...`.
fn hour_of_path(path: &str) -> Option<i64> {
    let dt = &path[path.find("/dt=")? + 4..];
    let day = dt.get(..10)?;
    let hour = &dt[dt.find("/hour=")? + 6..].get(..2)?;
    parse_utc_timestamp(&format!("{day}T{hour}:00:00Z"))
}
