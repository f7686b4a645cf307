//! A throw-away RFC 3161 timestamp authority for tests, made with the
//! `openssl` command line: a CA (key + self-signed certificate), a TSA key
//! and certificate issued by it with the critical `timeStamping` extended key
//! usage, an `openssl ts` configuration, and a tiny HTTP server on a
//! loopback port that pipes each POSTed query through `openssl ts -reply`.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub struct ThrowawayTsa {
    /// Where `ca.pem`, `tsa.pem` and the rest live.
    pub dir: tempfile::TempDir,
    /// `http://127.0.0.1:<port>/tsa`
    pub url: String,
    /// Queries answered so far.
    pub answered: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
}

impl ThrowawayTsa {
    /// The CA certificate an auditor trusts (`-CAfile`).
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The TSA's certificate (`-untrusted`).
    pub fn tsa_pem(&self) -> PathBuf {
        self.dir.path().join("tsa.pem")
    }

    /// Makes the CA, the TSA's key and certificate, and starts serving.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let d = dir.path();
        std::fs::write(
            d.join("ext.cnf"),
            "[tsa_ext]\nbasicConstraints = critical, CA:FALSE\n\
             keyUsage = critical, digitalSignature\n\
             extendedKeyUsage = critical, timeStamping\n\
             subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=kt test TSA root",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "tsa.key",
                "-out",
                "tsa.csr",
                "-subj",
                "/CN=kt test TSA",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "tsa.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "tsa.pem",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
                "-extensions",
                "tsa_ext",
            ],
        );
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        std::fs::write(
            d.join("tsa.cnf"),
            format!(
                "[ tsa ]\ndefault_tsa = tsa_config1\n\n[ tsa_config1 ]\n\
                 dir = {dir}\nserial = $dir/tsaserial\n\
                 signer_cert = $dir/tsa.pem\ncerts = $dir/tsa.pem\nsigner_key = $dir/tsa.key\n\
                 signer_digest = sha256\ndefault_policy = 1.2.3.4.1\n\
                 digests = sha256, sha384, sha512\naccuracy = secs:1\n\
                 ordering = no\ntsa_name = yes\ness_cert_id_chain = no\n\
                 ess_cert_id_alg = sha256\n",
                dir = d.display()
            ),
        )
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let (root, halt, count) = (d.to_path_buf(), stop.clone(), answered.clone());
        // One query at a time: `openssl ts -reply` bumps the serial file.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream
                    && serve(&root, stream).is_ok()
                {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        Self {
            url: format!("http://{addr}/tsa"),
            dir,
            answered,
            stop,
            addr,
        }
    }

    /// A reply for `data` straight from `openssl ts -query` and `-reply`
    /// (what a TSA would return for a request with `-cert`).
    pub fn reply_for(&self, data: &[u8]) -> Vec<u8> {
        let d = self.dir.path();
        let name = format!("direct-{}", crate::unique_suffix());
        std::fs::write(d.join(format!("{name}.dat")), data).unwrap();
        openssl(
            d,
            &[
                "ts",
                "-query",
                "-data",
                &format!("{name}.dat"),
                "-sha256",
                "-cert",
                "-out",
                &format!("{name}.tsq"),
            ],
        );
        reply(d, &std::fs::read(d.join(format!("{name}.tsq"))).unwrap())
    }
}

impl Drop for ThrowawayTsa {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `openssl ts -reply` for one DER query.
fn reply(dir: &Path, query: &[u8]) -> Vec<u8> {
    let name = format!("q-{}", crate::unique_suffix());
    let (tsq, tsr) = (format!("{name}.tsq"), format!("{name}.tsr"));
    std::fs::write(dir.join(&tsq), query).unwrap();
    openssl(
        dir,
        &[
            "ts",
            "-reply",
            "-config",
            "tsa.cnf",
            "-queryfile",
            &tsq,
            "-out",
            &tsr,
        ],
    );
    std::fs::read(dir.join(tsr)).unwrap()
}

/// One HTTP/1.1 POST in, one `application/timestamp-reply` out.
fn serve(dir: &Path, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut stream = stream;
    if !request_line.starts_with("POST ") || body.is_empty() {
        stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Err(std::io::Error::other("not a query"));
    }
    let answer = reply(dir, &body);
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        answer.len()
    )?;
    stream.write_all(&answer)?;
    stream.flush()
}
