//! `--tsa-ca`: a trusted timestamp's TSA signature and certificate chain,
//! checked by `openssl ts -verify` (the token and signature go to it as files).
use kt_engine::formats::reports::verify::timestamp::TokenAnchor;
use std::path::PathBuf;

/// `openssl ts -verify -data SIG -in TSR -CAfile CA`: the TSA's signature and
/// its certificate's chain to the auditor's CA (the token carries the TSA's
/// certificate: the service asks for it).
pub struct OpensslAnchor {
    pub ca: PathBuf,
}

impl TokenAnchor for OpensslAnchor {
    fn verify(&self, data: &[u8], reply: &[u8]) -> Result<String, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("a temporary folder: {e}"))?;
        let (sig, tsr) = (
            dir.path().join("manifest.sig"),
            dir.path().join("manifest.tsr"),
        );
        std::fs::write(&sig, data)
            .and_then(|()| std::fs::write(&tsr, reply))
            .map_err(|e| format!("writing the token: {e}"))?;
        let out = std::process::Command::new("openssl")
            .args(["ts", "-verify", "-data"])
            .arg(&sig)
            .arg("-in")
            .arg(&tsr)
            .arg("-CAfile")
            .arg(&self.ca)
            .output()
            .map_err(|e| format!("running openssl (needed for --tsa-ca): {e}"))?;
        let said = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
        if out.status.success() {
            return Ok(format!(
                "openssl ts -verify with {}: {}",
                self.ca.display(),
                said(&out.stdout)
            ));
        }
        let mut why = said(&out.stdout);
        // openssl's error lines name the reason (`signature failure`, `certificate verify error`).
        if let Some(reason) = String::from_utf8_lossy(&out.stderr)
            .lines()
            .find(|l| l.contains("error"))
            // `<thread>:error:<code>:<library>:<function>:<reason>:<file>:<line>:`
            .and_then(|l| l.split(':').nth(5))
        {
            why = format!("{why} ({})", reason.trim());
        }
        Err(why)
    }
}
