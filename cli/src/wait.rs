//! `kt export-jobs wait` and `create --wait`: poll a job until it ends.
//!
//! Polling starts at 1 s and backs off to 10 s; a `Retry-After` from the API
//! is honoured; transient failures (network, 429, 5xx) are reported and
//! retried, for at most [`GIVE_UP_AFTER`] in a row. Progress goes to stderr:
//! a bar on a terminal, one plain line per change when piped (CI logs). A
//! wait cut short (`--timeout`, Ctrl-C, an error) still returns the job as
//! last seen, for the caller to print.
use crate::client::{ApiClient, transient};
use crate::exit::{ExitKind, Failure};
use crate::output::status_text;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use kt_domain::{JobId, JobStatus, JobView};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(10);
/// Transient failures in a row for this long end the wait with the last one.
const GIVE_UP_AFTER: Duration = Duration::from_secs(300);

/// The next polling delay: 1 s, 1.5 s, 2.25 s ... up to 10 s.
pub fn next_delay(current: Duration) -> Duration {
    current.mul_f64(1.5).min(MAX_DELAY)
}

/// How the wait shows itself on stderr.
enum Progress {
    Bar(ProgressBar),
    Lines { last: String },
}

impl Progress {
    fn new(id: &JobId) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self::Lines {
                last: String::new(),
            };
        }
        let bar = ProgressBar::new(1000);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix} [{bar:30}] {percent:>3}% {msg} ({elapsed})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(id.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Self::Bar(bar)
    }

    fn job(&mut self, job: &JobView, elapsed: Duration) {
        // `event_count` counts the events written to the artifact (so far),
        // not the lines read (those are `stats.lines_read`).
        let events = job
            .event_count
            .map(|n| format!("{n} events exported"))
            .unwrap_or_default();
        match self {
            Self::Bar(bar) => {
                bar.set_position((job.progress.clamp(0.0, 1.0) * 1000.0) as u64);
                bar.set_message(format!("{} {events}", job.status.as_str()));
            }
            Self::Lines { last } => {
                let line = format!("{} {} {events}", job.id, status_text(job));
                if line != *last {
                    eprintln_flush(&format!("[{}] {}", clock(elapsed), line.trim_end()));
                    *last = line;
                }
            }
        }
    }

    fn note(&mut self, text: &str, elapsed: Duration) {
        match self {
            Self::Bar(bar) => bar.println(format!("  {text}")),
            Self::Lines { .. } => eprintln_flush(&format!("[{}] {text}", clock(elapsed))),
        }
    }

    fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn eprintln_flush(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}

/// `mm:ss` (or `h:mm:ss`).
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// A wait that ended before the job did: why, and the job as last seen
/// (printed like a finished one, so stdout always holds the job).
#[derive(Debug)]
pub struct Unfinished {
    pub error: anyhow::Error,
    pub last_seen: Option<JobView>,
}

/// Polls until the job leaves queued/processing, `timeout` passes, or Ctrl-C.
pub async fn wait_for(
    client: &ApiClient,
    id: &JobId,
    timeout: Option<Duration>,
) -> Result<JobView, Unfinished> {
    let mut progress = Progress::new(id);
    let mut last_seen = None;
    let result = tokio::select! {
        result = poll(client, id, timeout, &mut progress, &mut last_seen) => result,
        // Without a handler, Ctrl-C would end the process before the job is printed.
        Ok(()) = tokio::signal::ctrl_c() => Err(Failure::Interrupted(format!(
            "stopped waiting for {id} (Ctrl-C); it keeps running: \
             `kt export-jobs wait --id {id}` to keep waiting, `kt export-jobs cancel --id {id}` to stop it"
        ))
        .into()),
    };
    progress.finish();
    result.map_err(|error| Unfinished { error, last_seen })
}

async fn poll(
    client: &ApiClient,
    id: &JobId,
    timeout: Option<Duration>,
    progress: &mut Progress,
    last_seen: &mut Option<JobView>,
) -> Result<JobView> {
    let started = Instant::now();
    let mut delay = FIRST_DELAY;
    let mut failing_since: Option<Instant> = None;
    let path = format!("/v1/export-jobs/{id}");
    loop {
        let mut sleep = delay;
        match client.get::<JobView>(&path, &[]).await {
            Ok(job) => {
                failing_since = None;
                progress.job(&job, started.elapsed());
                if !job.status.is_active() {
                    return Ok(job);
                }
                *last_seen = Some(job);
            }
            Err(e) => match transient(&e) {
                Some(retry_after) => {
                    let since = *failing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= GIVE_UP_AFTER {
                        return Err(e.context(format!(
                            "gave up waiting for {id} after {} s of errors",
                            GIVE_UP_AFTER.as_secs()
                        )));
                    }
                    if let Some(asked) = retry_after {
                        sleep = asked.max(FIRST_DELAY);
                    }
                    let first_line = e.to_string().lines().next().unwrap_or_default().to_string();
                    progress.note(
                        &format!("{first_line}; retrying in {} s", sleep.as_secs_f64().ceil()),
                        started.elapsed(),
                    );
                }
                None => return Err(e),
            },
        }
        if let Some(limit) = timeout {
            let elapsed = started.elapsed();
            if elapsed >= limit {
                return Err(Failure::Network(format!(
                    "{id} has not finished after {} s (--timeout); it keeps running: \
                     `kt export-jobs wait --id {id}` to keep waiting, `kt export-jobs cancel --id {id}` to stop it",
                    limit.as_secs()
                ))
                .into());
            }
            sleep = sleep.min(limit - elapsed);
        }
        tokio::time::sleep(sleep).await;
        delay = next_delay(delay);
    }
}

/// The exit code of a finished job, with a line on stderr when it did not complete.
pub fn outcome(job: &JobView) -> ExitKind {
    match job.status {
        JobStatus::Completed => ExitKind::Ok,
        JobStatus::Failed => {
            let why = job
                .error
                .as_ref()
                .map(|e| format!("{} ({})", e.message, e.code))
                .unwrap_or_else(|| "no reason recorded".into());
            eprintln_flush(&format!("error: job {} failed: {why}", job.id));
            ExitKind::JobUnsuccessful
        }
        JobStatus::Canceled => {
            eprintln_flush(&format!("error: job {} was canceled", job.id));
            ExitKind::JobUnsuccessful
        }
        JobStatus::Expired => {
            eprintln_flush(&format!(
                "error: job {} completed but its artifact has expired: create the export again",
                job.id
            ));
            ExitKind::JobUnsuccessful
        }
        JobStatus::Queued | JobStatus::Processing => ExitKind::Other,
    }
}

/// `--timeout` values: `90`, `90s`, `10m`, `2h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (examples: 90, 90s, 10m, 2h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{s:?}: the unit must be s, m or h")),
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_backs_off_from_one_to_ten_seconds() {
        let mut d = FIRST_DELAY;
        let mut seen = vec![d];
        for _ in 0..8 {
            d = next_delay(d);
            seen.push(d);
        }
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(seen[1], Duration::from_millis(1500));
        assert_eq!(*seen.last().unwrap(), MAX_DELAY);
    }

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn clocks_read_as_minutes_and_seconds() {
        assert_eq!(clock(Duration::from_secs(7)), "00:07");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
    }
}
