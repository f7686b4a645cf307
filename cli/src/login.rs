//! `kt login --token-stdin`: check a token against the API and keep it in a
//! profile of the config file, so later commands need no KT_TOKEN.
use crate::client::{ApiClient, ApiError};
use crate::config::{self, GlobalArgs, Resolved};
use crate::exit::{ExitKind, Failure};
use crate::output::{OutputFormat, print_json, print_text};
use anyhow::{Context, Result};
use serde_json::json;
use std::io::Read;

#[derive(clap::Args, Debug)]
pub struct LoginArgs {
    /// Read the token from standard input (so it stays out of the shell history)
    #[arg(long, required = true)]
    pub token_stdin: bool,
    /// Save the token without asking the API whether it accepts it
    #[arg(long)]
    pub no_verify: bool,
}

pub async fn login(
    args: LoginArgs,
    global: &GlobalArgs,
    chosen: Option<OutputFormat>,
) -> Result<ExitKind> {
    let path = config::config_path()
        .context("cannot tell where the config file goes: set HOME or KT_CONFIG")?;
    let mut file = config::load(&path)?;
    let name = global.named_profile().unwrap_or_else(|| {
        file.default_profile
            .clone()
            .unwrap_or_else(|| "default".into())
    });
    let mut token = String::new();
    std::io::stdin()
        .read_to_string(&mut token)
        .context("reading the token from standard input")?;
    let token = token.trim().to_string();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(Failure::Usage(
            "standard input held no token: `kt dev token --tenant acme | kt login --token-stdin`"
                .into(),
        )
        .into());
    }
    let existing = file.profiles.get(&name).cloned().unwrap_or_default();
    let api_url = global
        .api_url
        .clone()
        .or(existing.api_url)
        .or_else(|| std::env::var("KT_API_URL").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| config::DEFAULT_API_URL.into())
        .trim_end_matches('/')
        .to_string();
    if !args.no_verify {
        check_token(global, &api_url, &token).await?;
    }
    let profile = file.profiles.entry(name.clone()).or_default();
    profile.api_url = Some(api_url.clone());
    profile.token = Some(token);
    file.default_profile.get_or_insert_with(|| name.clone());
    config::save(&path, &file)?;
    match OutputFormat::or_auto(chosen) {
        OutputFormat::Json => print_json(&json!({
            "profile": name, "api_url": api_url, "config_file": path,
        })),
        OutputFormat::Table => print_text(&format!(
            "saved the token of profile {name:?} ({api_url}) in {}",
            path.display()
        )),
    }
    Ok(ExitKind::Ok)
}

/// One cheap read with the token: a 401 is refused; a 403 (a token without
/// the read scope) is kept with a warning.
async fn check_token(global: &GlobalArgs, api_url: &str, token: &str) -> Result<()> {
    let client = ApiClient::new(&Resolved {
        api_url: api_url.to_string(),
        token: Some(token.to_string()),
        http_timeout: std::time::Duration::from_secs(global.http_timeout),
    })?;
    match client
        .get::<serde_json::Value>("/v1/export-jobs", &[("limit", "1".into())])
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => match e.downcast_ref::<ApiError>() {
            Some(api) if api.status.as_u16() == 403 => {
                eprintln!("warning: the token is valid but cannot list jobs: {api}");
                Ok(())
            }
            Some(api) if api.status.as_u16() == 401 => Err(Failure::Auth(format!(
                "{api_url} refused this token (401), so it was not saved: {}",
                api.detail
            ))
            .into()),
            _ => Err(e.context("could not check the token (pass --no-verify to save it anyway)")),
        },
    }
}
