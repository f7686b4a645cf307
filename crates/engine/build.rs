//! Records the commit the service is built from (`KT_BUILD_COMMIT`), which
//! every signed manifest names: `KT_BUILD_COMMIT` from the environment when
//! set (CI, `sam build` from a tarball), else `git rev-parse HEAD`, else "unknown".
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-env-changed=KT_BUILD_COMMIT");
    let from_env = std::env::var("KT_BUILD_COMMIT")
        .ok()
        .filter(|s| !s.is_empty());
    let commit = from_env.or_else(|| {
        // Rebuild when HEAD moves: HEAD itself, and the branch it points to.
        for path in ["HEAD", "packed-refs"] {
            if let Some(p) = git(&["rev-parse", "--git-path", path]) {
                println!("cargo:rerun-if-changed={p}");
            }
        }
        if let Some(p) = git(&["symbolic-ref", "-q", "HEAD"])
            .and_then(|branch| git(&["rev-parse", "--git-path", &branch]))
        {
            println!("cargo:rerun-if-changed={p}");
        }
        git(&["rev-parse", "HEAD"])
    });
    println!(
        "cargo:rustc-env=KT_BUILD_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}
