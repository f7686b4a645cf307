//! Request encoding and reply checks against openssl's own bytes (the
//! vectors of RustCrypto's `x509-tsp`: `openssl ts -query -data abc.txt`, and
//! `openssl ts -reply` by an ECDSA P-384 TSA; abc.txt holds `abc`).
use super::*;

/// `openssl ts -query -data abc.txt` (no `-cert`), nonce 314CFCE4E0651827.
const OPENSSL_QUERY: &str = "30400201013031300d060960864801650304020105000420ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0208314cfce4e0651827";
const NONCE: [u8; 8] = [0x31, 0x4c, 0xfc, 0xe4, 0xe0, 0x65, 0x18, 0x27];
/// `openssl ts -reply` to that query (granted, no certificate: none was asked).
const OPENSSL_REPLY: &str = "3082028430030201003082027b06092a864886f70d010702a082026c30820268020103310f300d060960864801650304020105003081c9060b2a864886f70d0109100104a081b90481b63081b302010106042a0304013031300d060960864801650304020105000420ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad020104180f32303233303630373131323632365a300a020101800201f48101640101ff0208314cfce4e0651827a048a4463044310b30090603550406130255533113301106035504080c0a536f6d652d5374617465310d300b060355040a0c04546573743111300f06035504030c0854657374205453413182018430820180020101305c3044310b30090603550406130255533113301106035504080c0a536f6d652d5374617465310d300b060355040a0c04546573743111300f06035504030c08546573742054534102146a0dcc59137c11d1c2b092042b4bc51c0d634d24300d06096086480165030402010500a08198301a06092a864886f70d010903310d060b2a864886f70d0109100104301c06092a864886f70d010905310f170d3233303630373131323632365a302b060b2a864886f70d010910020c311c301a3018301604142f36b1b52456f5ac3a1ca09794ae3d0d64ad38c2302f06092a864886f70d01090431220420baf4ccf82e9b5b3956eadcc87346b407684f26d82b68d0e7de0d31ea79af648c300a06082a8648ce3d0403020467306502305a6e1c175b20a93fab25d14cc5f5a2836d726d6d4a964b66ffbffce46276a96475f1408728b3385dca37c2ba46be17e1023100c46b7f08d03409a8eccfd7637765412c3c5ec050e0d39cf48f0f5015950342cb18d8434ff331ba4463c086297c37d07b";

fn reply() -> Vec<u8> {
    hex::decode(OPENSSL_REPLY).unwrap()
}

#[test]
fn the_request_is_openssls_query_plus_cert_req() {
    let req = TimestampRequest::with_nonce(b"abc", NONCE);
    // openssl's bytes with certReq TRUE (01 01 ff) appended and the
    // outer length grown by those three bytes (0x40 -> 0x43).
    let expected = format!("3043{}0101ff", &OPENSSL_QUERY[4..]);
    assert_eq!(hex::encode(&req.der), expected);
    assert_eq!(req.imprint[..], Sha256::digest(b"abc")[..]);
}

#[test]
fn fresh_nonces_are_positive_minimal_and_differ() {
    let a = TimestampRequest::new(b"sig");
    let b = TimestampRequest::new(b"sig");
    assert_ne!(a.nonce, b.nonce);
    for r in [a, b] {
        assert!(r.nonce[0] != 0 && r.nonce[0] & 0x80 == 0);
        let decoded = TimeStampReq::from_der(&r.der).unwrap();
        assert_eq!(decoded.nonce.unwrap().as_bytes(), r.nonce);
        assert!(decoded.cert_req);
    }
}

#[test]
fn a_reply_is_read_when_its_imprint_is_the_signatures() {
    let info = inspect(&reply(), b"abc").unwrap();
    assert_eq!(info.gen_time.timestamp(), 1_686_137_186);
    assert_eq!(info.serial, "04");
    assert_eq!(info.policy, "1.2.3.4.1");
    assert_eq!(info.nonce.as_deref(), Some(&NONCE[..]));
    assert_eq!(
        info.tsa_name.as_deref(),
        Some("CN=Test TSA,O=Test,ST=Some-State,C=US")
    );
    assert_eq!(info.certificates, 0);
}

#[test]
fn a_reply_over_another_signature_is_named() {
    let err = inspect(&reply(), b"abd").unwrap_err();
    assert!(
        matches!(&err, TimestampError::Invalid(m) if m.contains("is not SHA-256 of the signature")),
        "{err}"
    );
}

#[test]
fn a_reply_to_another_nonce_or_without_the_certificate_is_refused() {
    let other = TimestampRequest::with_nonce(b"abc", [1, 2, 3, 4, 5, 6, 7, 8]);
    let err = check_response(&other, &reply()).unwrap_err();
    assert!(
        err.to_string()
            .contains("nonce 314cfce4e0651827 instead of 0102030405060708"),
        "{err}"
    );
    let same = TimestampRequest::with_nonce(b"abc", NONCE);
    let err = check_response(&same, &reply()).unwrap_err();
    assert!(err.to_string().contains("no certificate"), "{err}");
}

#[test]
fn a_rejection_and_garbage_are_named() {
    // TimeStampResp { status { status rejection(2), statusString {"busy"} } }
    let rejected = hex::decode("300d300b02010230060c0462757379").unwrap();
    let err = inspect(&rejected, b"abc").unwrap_err();
    assert!(
        matches!(&err, TimestampError::Refused(m) if m.contains("Rejection") && m.contains("busy")),
        "{err}"
    );
    let granted_empty = hex::decode("30053003020100").unwrap();
    assert!(
        matches!(inspect(&granted_empty, b"abc"), Err(TimestampError::Invalid(m)) if m.contains("without a token"))
    );
    let mut flipped = reply();
    let last = flipped.len() - 40;
    flipped.truncate(last);
    assert!(matches!(
        inspect(&flipped, b"abc"),
        Err(TimestampError::Invalid(_))
    ));
}

#[test]
fn the_manifest_claim_states_what_was_asked() {
    assert_eq!(claim(None), json!({"status": "none"}));
    assert_eq!(
        claim(Some("http://tsa.example/")),
        json!({"status": "requested", "tsa": "http://tsa.example/", "imprint": "sha256(signature)"})
    );
}

/// Our request through a real `openssl ts -reply` (a throw-away TSA made
/// here), and the reply through [`check_response`].
#[test]
fn openssl_answers_our_request_and_the_reply_checks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.pem",
        "-days",
        "1",
        "-subj",
        "/CN=unit TSA",
        "-addext",
        "extendedKeyUsage=critical,timeStamping",
    ]);
    std::fs::write(d.join("serial"), "01\n").unwrap();
    std::fs::write(
        d.join("tsa.cnf"),
        "[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = ./serial\nsigner_cert = ./tsa.pem\n\
         certs = ./tsa.pem\nsigner_key = ./tsa.key\nsigner_digest = sha256\n\
         default_policy = 1.2.3.4.1\n\
         digests = sha256\ness_cert_id_alg = sha256\n",
    )
    .unwrap();
    let req = TimestampRequest::new(b"the signature");
    std::fs::write(d.join("q.tsq"), &req.der).unwrap();
    run(&[
        "ts",
        "-reply",
        "-config",
        "tsa.cnf",
        "-queryfile",
        "q.tsq",
        "-out",
        "r.tsr",
    ]);
    let reply = std::fs::read(d.join("r.tsr")).unwrap();
    let info = check_response(&req, &reply).unwrap();
    // The signer's certificate, and again from `certs` (a SET with a
    // duplicate, which strict DER would refuse and openssl accepts).
    assert_eq!(info.certificates, 2);
    assert_eq!(info.policy, "1.2.3.4.1");
    assert!((Utc::now() - info.gen_time).num_seconds().abs() < 300);
    assert_eq!(inspect(&reply, b"the signature").unwrap(), info);
    assert!(inspect(&reply, b"another signature").is_err());
}
