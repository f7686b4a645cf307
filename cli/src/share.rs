//! `kt export-jobs share|links|revoke-link|audit`: share links for auditors
//! and the job's audit trail (docs/custody.md).
use crate::args::JobRef;
use crate::client::ApiClient;
use crate::exit::ExitKind;
use crate::output::{OutputFormat, print_json, print_text};
use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::Args;
use kt_domain::JobId;
use kt_domain::share::{AuditActor, AuditEntry, LinkId, ShareLinkView};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Args)]
pub struct ShareArgs {
    #[command(flatten)]
    job: JobRef,
    /// Who the link is for (shown in the list and the audit trail)
    #[arg(long)]
    note: String,
    /// Days the link works, at most until the file is deleted [API default: 7]
    #[arg(long, value_parser = parse_days, value_name = "DAYS")]
    days: Option<u32>,
}

#[derive(Args)]
pub struct RevokeArgs {
    #[command(flatten)]
    job: JobRef,
    /// The link's id (lnk_..., from `kt export-jobs links`)
    #[arg(long, value_parser = parse_link_id)]
    link: LinkId,
}

/// `--days`: a whole number from 1 (the API says how many the file allows).
fn parse_days(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(days) if days >= 1 => Ok(days),
        _ => Err("a whole number of days from 1 (at most until the file is deleted)".into()),
    }
}

fn parse_link_id(s: &str) -> Result<LinkId, String> {
    LinkId::parse(s).ok_or_else(|| "a link id is \"lnk_\" followed by a 26-character ULID".into())
}

/// `POST .../links`: the link and its URL (shown once).
#[derive(Debug, Serialize, Deserialize)]
struct CreatedLink {
    #[serde(flatten)]
    link: ShareLinkView,
    url: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct LinkList {
    links: Vec<ShareLinkView>,
}

#[derive(Debug, Serialize, Deserialize)]
struct AuditTrail {
    job_id: JobId,
    entries: Vec<AuditEntry>,
}

fn links_path(id: &JobId) -> String {
    format!("/v1/export-jobs/{id}/links")
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn status(link: &ShareLinkView) -> String {
    serde_json::to_value(link.status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

pub async fn share(client: &ApiClient, args: ShareArgs, output: OutputFormat) -> Result<ExitKind> {
    let mut body = json!({ "note": args.note });
    if let Some(days) = args.days {
        body["expires_in_days"] = json!(days);
    }
    let (_, created): (_, CreatedLink) =
        client.post(&links_path(args.job.id()), &body, &[]).await?;
    match output {
        OutputFormat::Json => print_json(&created),
        OutputFormat::Table => {
            print_text(&created.url);
            eprintln!(
                "{} for {:?}, until {}; the URL is shown only now",
                created.link.id,
                created.link.note,
                time(created.link.expires_at)
            );
        }
    }
    Ok(ExitKind::Ok)
}

pub async fn links(client: &ApiClient, id: &JobId, output: OutputFormat) -> Result<ExitKind> {
    let list: LinkList = client.get(&links_path(id), &[]).await?;
    match output {
        OutputFormat::Json => print_json(&list),
        OutputFormat::Table => {
            let mut text = format!("{:<30}  {:<8}  {:<23}  NOTE\n", "LINK", "STATUS", "EXPIRES");
            for l in &list.links {
                text.push_str(&format!(
                    "{:<30}  {:<8}  {:<23}  {}\n",
                    l.id,
                    status(l),
                    time(l.expires_at),
                    l.note
                ));
            }
            print_text(&text);
        }
    }
    Ok(ExitKind::Ok)
}

pub async fn revoke(
    client: &ApiClient,
    args: RevokeArgs,
    output: OutputFormat,
) -> Result<ExitKind> {
    let path = format!("{}/{}", links_path(args.job.id()), args.link);
    let link: ShareLinkView = client.delete(&path).await?;
    match output {
        OutputFormat::Json => print_json(&link),
        OutputFormat::Table => print_text(&format!("{} {}", link.id, status(&link))),
    }
    Ok(ExitKind::Ok)
}

fn actor(by: &AuditActor) -> String {
    match by {
        AuditActor::User(sub) => format!("user:{sub}"),
        AuditActor::Link(id) => format!("link:{id}"),
        AuditActor::Service(part) => format!("service:{part}"),
    }
}

pub async fn audit(client: &ApiClient, id: &JobId, output: OutputFormat) -> Result<ExitKind> {
    let trail: AuditTrail = client
        .get(&format!("/v1/export-jobs/{id}/audit"), &[])
        .await?;
    match output {
        OutputFormat::Json => print_json(&trail),
        OutputFormat::Table => {
            let mut text = String::new();
            for e in &trail.entries {
                let event: &'static str = e.event.into();
                let mut line = format!("{}  {:<12}  {}", time(e.at), event, actor(&e.by));
                for extra in [&e.source_ip, &e.user_agent, &e.note].into_iter().flatten() {
                    line.push_str(&format!("  {extra}"));
                }
                if let Some(error) = &e.error {
                    line.push_str(&format!("  {}: {}", error.code, error.message));
                }
                text.push_str(&line);
                text.push('\n');
            }
            print_text(&text);
        }
    }
    Ok(ExitKind::Ok)
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_are_whole_numbers_from_one_said_in_words() {
        assert_eq!(super::parse_days("5"), Ok(5));
        for bad in ["0", "-1", "1.5", "a week"] {
            let said = super::parse_days(bad).unwrap_err();
            assert!(said.contains("from 1"), "{bad}: {said}");
        }
    }
}
