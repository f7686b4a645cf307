//! The `kt` binary against a real API and worker on the emulator: every
//! command, every exit code, resumed and refused downloads, piped progress.
mod commands;
mod download;
mod download_guard;
mod faults;
mod help;
mod offline;
mod share;
mod stack;
mod timestamp;

use serde_json::Value;

pub fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `cmd` with its stdout a pipe whose reading end is closed at once
/// (`kt ... | head` whose reader went away): every write to it fails.
pub fn with_stdout_closed(cmd: &mut std::process::Command) -> std::process::Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}
