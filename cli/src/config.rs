//! Where the API and the token come from: flags, `KT_API_URL`/`KT_TOKEN`, and
//! profiles in `~/.config/kt/config.toml` (written by `kt login`).
//!
//! Precedence: a flag wins; then a profile named with `--profile`/`KT_PROFILE`
//! (so naming `prod` never sends a token exported for local work); then the
//! environment; then the file's default profile; then the local dev server.
use crate::exit::Failure;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The local dev server (`scripts/stack-up`).
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:3000";
const DEFAULT_PROFILE: &str = "default";

#[derive(clap::Args, Clone, Debug)]
pub struct GlobalArgs {
    /// Base URL of the export-jobs API [env: KT_API_URL] [default: the profile's, else http://127.0.0.1:3000]
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help_heading = "Global options"
    )]
    pub api_url: Option<String>,
    /// Bearer token [env: KT_TOKEN] (locally: `kt dev token --tenant acme`)
    #[arg(
        long,
        global = true,
        value_name = "TOKEN",
        help_heading = "Global options"
    )]
    pub token: Option<String>,
    /// Profile of ~/.config/kt/config.toml to use [env: KT_PROFILE]; its values win over KT_API_URL/KT_TOKEN
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub profile: Option<String>,
    /// Seconds before an HTTP request (or a stalled download) gives up
    #[arg(
        long,
        global = true,
        env = "KT_HTTP_TIMEOUT",
        hide_env_values = true,
        default_value_t = 30,
        value_parser = parse_http_timeout,
        value_name = "SECS",
        help_heading = "Global options"
    )]
    pub http_timeout: u64,
}

/// `--http-timeout`: whole seconds from 1 (0 would give up at once, so
/// it is refused rather than quietly read as 1).
fn parse_http_timeout(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(secs) if secs >= 1 => Ok(secs),
        _ => Err("a whole number of seconds from 1".into()),
    }
}

/// One profile of the config file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `~/.config/kt/config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// What a command needs to reach the API.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub api_url: String,
    pub token: Option<String>,
    pub http_timeout: Duration,
}

/// `KT_CONFIG`, else `$XDG_CONFIG_HOME/kt/config.toml`, else `~/.config/kt/config.toml`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = env("KT_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("kt").join("config.toml"))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn load(path: &Path) -> Result<ConfigFile> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            Failure::Usage(format!(
                "{} is not a valid kt config file: {e}",
                path.display()
            ))
            .into()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes the file readable by its owner only (it holds tokens), atomically.
pub fn save(path: &Path, file: &ConfigFile) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = toml::to_string_pretty(file).context("serialising the config")?;
    let tmp = path.with_extension("toml.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

impl GlobalArgs {
    /// The profile named by `--profile` or `KT_PROFILE`, if any.
    pub fn named_profile(&self) -> Option<String> {
        self.profile.clone().or_else(|| env("KT_PROFILE"))
    }

    pub fn resolve(&self) -> Result<Resolved> {
        let path = config_path();
        let file = match &path {
            Some(p) => load(p)?,
            None => ConfigFile::default(),
        };
        let named = self.named_profile();
        let profile = match &named {
            Some(name) => Some(file.profiles.get(name).cloned().ok_or_else(|| {
                Failure::Usage(format!(
                    "no profile {name:?} in {}: create it with `kt login --profile {name} --token-stdin`",
                    path.as_deref().unwrap_or(Path::new("~/.config/kt/config.toml")).display()
                ))
            })?),
            None => file
                .profiles
                .get(file.default_profile.as_deref().unwrap_or(DEFAULT_PROFILE))
                .cloned(),
        };
        let profile = profile.unwrap_or_default();
        // A named profile beats the environment; the default profile does not.
        let pick = |flag: &Option<String>, var: &str, from_profile: &Option<String>| {
            if flag.is_some() {
                return flag.clone();
            }
            let (from_env, from_file) = (env(var), from_profile.clone());
            if named.is_some() {
                from_file.or(from_env)
            } else {
                from_env.or(from_file)
            }
        };
        let api_url = pick(&self.api_url, "KT_API_URL", &profile.api_url)
            .unwrap_or_else(|| DEFAULT_API_URL.into());
        check_api_url(&api_url)?;
        let token = pick(&self.token, "KT_TOKEN", &profile.token);
        Ok(Resolved {
            api_url: api_url.trim_end_matches('/').to_string(),
            token,
            http_timeout: Duration::from_secs(self.http_timeout),
        })
    }
}

/// A base URL the API can be at: `http(s)://host[:port][/prefix]`. Anything
/// else is a usage error (2) naming where it came from, not a "cannot reach"
/// network error (7) for something that was never an address.
fn check_api_url(url: &str) -> Result<(), Failure> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        _ => Err(Failure::Usage(format!(
            "the API URL {url:?} (--api-url, KT_API_URL or the profile) is not an http:// or https:// URL"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_url_that_is_not_one_is_a_usage_error() {
        for bad in ["notaurl", "127.0.0.1:3000", "ftp://example.com", "http://"] {
            let e = check_api_url(bad).unwrap_err();
            assert_eq!(e.kind(), crate::exit::ExitKind::Usage, "{bad}");
        }
        for good in ["http://127.0.0.1:3000", "https://exports.example.com/prod"] {
            assert!(check_api_url(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_file_round_trips_and_keeps_other_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kt/config.toml");
        let mut file = ConfigFile::default();
        file.profiles.insert(
            "prod".into(),
            Profile {
                api_url: Some("https://exports.example.com".into()),
                token: Some("t1".into()),
            },
        );
        save(&path, &file).unwrap();
        let mut again = load(&path).unwrap();
        assert_eq!(again, file);
        again.profiles.insert("local".into(), Profile::default());
        save(&path, &again).unwrap();
        assert_eq!(load(&path).unwrap().profiles.len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_broken_file_is_a_usage_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "profiles = 3").unwrap();
        let e = load(&path).unwrap_err();
        assert!(e.to_string().contains("config.toml"), "{e}");
        let failure = e.downcast_ref::<Failure>().expect("a Failure");
        assert_eq!(failure.kind(), crate::exit::ExitKind::Usage);
    }
}
