//! Streams the artifact into the locked `.part` file, resuming with `Range`
//! from the bytes already there, and hashes what the file then holds.
use super::part::PartFile;
use crate::api::DownloadLink;
use crate::client::{ApiClient, api_error};
use crate::exit::Failure;
use anyhow::{Context, Result};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use std::io::{IsTerminal, SeekFrom};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// What the `.part` file holds after [`fetch`].
pub struct Fetched {
    pub size: u64,
    pub sha256: String,
    /// Bytes kept from an interrupted download (0: from scratch).
    pub resumed_from: u64,
}

/// Fills `part` with the artifact, resuming what is there.
pub async fn fetch(client: &ApiClient, link: &DownloadLink, part: &PartFile) -> Result<Fetched> {
    let mut have = part.len()?;
    if link.size_bytes.is_some_and(|s| have > s) {
        have = 0;
    }
    let complete = link.size_bytes == Some(have) && have > 0;
    let response = if complete {
        None
    } else {
        Some(request(client, link, &mut have).await?)
    };

    let mut file = part.async_handle()?;
    let mut hasher = Sha256::new();
    if have > 0 {
        hash_prefix(&mut file, have, &mut hasher)
            .await
            .with_context(|| format!("cannot read {}", part.path().display()))?;
    }
    file.set_len(have).await?;
    file.seek(SeekFrom::Start(have)).await?;
    let mut size = have;
    if let Some(response) = response {
        let bar = progress_bar(link.size_bytes, have);
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                Failure::Network(format!(
                    "the download was interrupted after {size} bytes ({e}): run the same command again to resume"
                ))
            })?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk)
                .await
                .with_context(|| format!("cannot write {}", part.path().display()))?;
            bar.set_position(size);
        }
        bar.finish_and_clear();
    }
    file.flush().await?;
    file.sync_all().await?;
    Ok(Fetched {
        size,
        sha256: hex::encode(hasher.finalize()),
        resumed_from: have,
    })
}

/// Asks the store for the bytes from `have` on; sets `have` to 0 when the
/// store sends the whole file instead, or the kept bytes are no longer valid.
async fn request(
    client: &ApiClient,
    link: &DownloadLink,
    have: &mut u64,
) -> Result<reqwest::Response> {
    loop {
        let mut request = client.http().get(&link.url);
        if *have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let r = request
            .send()
            .await
            .map_err(|e| crate::client::unreachable("the artifact store", client.timeout(), e))?;
        match r.status().as_u16() {
            206 if content_range_start(&r) == Some(*have) => return Ok(r),
            // The store ignored the range: the whole file, from scratch.
            200 => {
                *have = 0;
                return Ok(r);
            }
            // The kept bytes do not fit the file any more: start over.
            206 | 416 if *have > 0 => *have = 0,
            _ => {
                let status = r.status();
                let e = api_error(r).await;
                anyhow::bail!(
                    "the artifact link answered {status} ({}): links live 15 minutes; run the command again for a fresh one",
                    e.detail.lines().next().unwrap_or_default()
                );
            }
        }
    }
}

/// `bytes START-END/TOTAL` -> START.
fn content_range_start(response: &reqwest::Response) -> Option<u64> {
    let value = response
        .headers()
        .get(reqwest::header::CONTENT_RANGE)?
        .to_str()
        .ok()?;
    value
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// Hashes the first `len` bytes of `file`.
async fn hash_prefix(file: &mut tokio::fs::File, len: u64, hasher: &mut Sha256) -> Result<()> {
    file.seek(SeekFrom::Start(0)).await?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut left = len;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = file.read(&mut buf[..want]).await?;
        if n == 0 {
            anyhow::bail!("the file ended after {} of {len} bytes", len - left);
        }
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(())
}

fn progress_bar(total: Option<u64>, start: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total.unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("[{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_position(start);
    bar
}
