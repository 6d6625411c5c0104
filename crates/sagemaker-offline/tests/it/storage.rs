//! The object store under the cases that lost data or answered 500 before it was rewritten: refused
//! PUTs, overwrite-and-read races with checksum-validating reads, multipart overwrites and their
//! error paths, listings of keys with `+`, `%` and multi-byte characters, long keys, missing
//! buckets, a body that does not match its signed hash, and `kill -9` of the real binary in the
//! middle of overwrites and multipart completes. Every loop is bounded in count and in time.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::common::*;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumMode, CompletedMultipartUpload, CompletedPart, EncodingType};
use s3s::crypto::Checksum as _;

fn md5_hex(b: &[u8]) -> String {
    let mut m = s3s::crypto::Md5::new();
    m.update(b);
    hex::encode(m.finalize())
}

fn b64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn crc32_b64(b: &[u8]) -> String {
    let mut c = s3s::crypto::Crc32::new();
    c.update(b);
    b64(&c.finalize())
}

/// Deterministic bytes that differ per (seed, i).
fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn code<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("").to_string()
}

async fn get_checked(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<(Vec<u8>, String), String> {
    let g = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .map_err(|e| format!("{:?}", aws_sdk_s3::error::DisplayErrorContext(e)))?;
    let etag = g.e_tag().unwrap_or("").trim_matches('"').to_string();
    let body = g
        .body
        .collect()
        .await
        .map_err(|e| format!("body (checksum validation): {e}"))?
        .into_bytes()
        .to_vec();
    Ok((body, etag))
}

#[tokio::test]
async fn a_refused_put_keeps_the_old_version() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("repro").send().await.unwrap();
    let good = b"the good version\n".to_vec();
    s3.put_object()
        .bucket("repro")
        .key("k")
        .body(good.clone().into())
        .send()
        .await
        .unwrap();
    // wrong Content-MD5
    let e = s3
        .put_object()
        .bucket("repro")
        .key("k")
        .content_md5(b64(&hex::decode(md5_hex(&good)).unwrap()))
        .body(b"a corrupted upload\n".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e.into_service_error()), "BadDigest");
    // wrong x-amz-checksum-crc32
    let e = s3
        .put_object()
        .bucket("repro")
        .key("k")
        .checksum_crc32(crc32_b64(&good))
        .body(b"another corrupted upload\n".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e.into_service_error()), "BadDigest");
    let (body, etag) = get_checked(&s3, "repro", "k").await.unwrap();
    assert_eq!(body, good);
    assert_eq!(etag, md5_hex(&good));
    // and nothing of the refused bodies is left anywhere in the state dir
    let mut stack = vec![t.dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let b = std::fs::read(&p).unwrap();
                assert!(!b.windows(9).any(|w| w == b"corrupted"), "{}", p.display());
            }
        }
    }
    t.server.stop().await.unwrap();
}

/// Writers overwrite one key while readers GET it with checksum validation (the SDK checks the
/// CRC32 it is sent against the bytes) and compare each body's MD5 with the ETag of the same
/// response: bytes and metadata must always come from one version.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overwrite_and_read_race_never_pairs_bytes_with_another_versions_checksum() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("race").send().await.unwrap();
    s3.put_object()
        .bucket("race")
        .key("k")
        .body(bytes(200_000, 0).into())
        .send()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..3u64 {
        let s3 = s3.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..40u64 {
                if Instant::now() > deadline {
                    break;
                }
                let size = 100_000 + ((w * 7919 + i * 104_729) % 150_000) as usize;
                s3.put_object()
                    .bucket("race")
                    .key("k")
                    .body(bytes(size, 1 + w * 1000 + i).into())
                    .send()
                    .await
                    .unwrap();
            }
        }));
    }
    let mut readers = Vec::new();
    for _ in 0..3 {
        let s3 = s3.clone();
        let done = done.clone();
        readers.push(tokio::spawn(async move {
            let (mut checked, mut failures) = (0u32, Vec::new());
            while !done.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
                match get_checked(&s3, "race", "k").await {
                    Ok((body, etag)) if md5_hex(&body) == etag => checked += 1,
                    Ok((body, etag)) => {
                        failures.push(format!("{} bytes with ETag {etag}", body.len()))
                    }
                    Err(e) => failures.push(e),
                }
            }
            (checked, failures)
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut checked, mut failures) = (0, Vec::new());
    for r in readers {
        let (c, f) = r.await.unwrap();
        checked += c;
        failures.extend(f);
    }
    println!(
        "race: {checked} GETs checked (CRC32 + ETag), {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} GETs failed, e.g. {:?}",
        failures.len(),
        checked as usize + failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(checked >= 30, "only {checked} reads ran");
    t.server.stop().await.expect("multipart step");
}

async fn multipart(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    parts: &[Vec<u8>],
) -> (String, Vec<CompletedPart>) {
    let id = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("multipart step")
        .upload_id()
        .expect("multipart step")
        .to_string();
    let mut done = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let n = i as i32 + 1;
        let r = s3
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(&id)
            .part_number(n)
            .body(p.clone().into())
            .send()
            .await
            .expect("multipart step");
        done.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(r.e_tag().expect("multipart step"))
                .build(),
        );
    }
    (id, done)
}

async fn complete(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    id: &str,
    parts: Vec<CompletedPart>,
) -> Result<String, String> {
    s3.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map(|o| o.e_tag().unwrap_or("").to_string())
        .map_err(|e| code(&e.into_service_error()))
}

#[tokio::test]
async fn a_multipart_overwrite_keeps_nothing_of_the_old_version() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("repro").send().await.unwrap();
    let small = b"the good version\n".to_vec();
    s3.put_object()
        .bucket("repro")
        .key("data.bin")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Crc32)
        .body(small.clone().into())
        .send()
        .await
        .unwrap();
    let h = s3
        .head_object()
        .bucket("repro")
        .key("data.bin")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(
        h.checksum_crc32(),
        Some(crc32_b64(&small).as_str()),
        "the PUT stored its CRC32"
    );
    let parts = vec![bytes(5 * 1024 * 1024, 1), bytes(1000, 2)];
    let (id, done) = multipart(&s3, "repro", "data.bin", &parts).await;
    let etag = complete(&s3, "repro", "data.bin", &id, done).await.unwrap();
    assert!(etag.trim_matches('"').ends_with("-2"), "{etag}");
    let (body, _) = get_checked(&s3, "repro", "data.bin").await.unwrap();
    assert_eq!(body, parts.concat());
    let h = s3
        .head_object()
        .bucket("repro")
        .key("data.bin")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_ne!(h.checksum_crc32(), Some(crc32_b64(&small).as_str()));
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn multipart_errors_are_s3s_and_keep_the_upload() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("repro").send().await.unwrap();
    let parts = vec![bytes(5 * 1024 * 1024, 3), b"tail\n".to_vec()];
    let (id, done) = multipart(&s3, "repro", "mp", &parts).await;
    let (p1, p2) = (done[0].clone(), done[1].clone());
    let unknown = CompletedPart::builder()
        .part_number(3)
        .e_tag(format!("\"{}\"", "0".repeat(32)))
        .build();
    let wrong_etag = CompletedPart::builder()
        .part_number(2)
        .e_tag(format!("\"{}\"", "1".repeat(32)))
        .build();
    for (list, want) in [
        (vec![p2.clone(), p1.clone()], "InvalidPartOrder"),
        (vec![p1.clone(), unknown], "InvalidPart"),
        (vec![p1.clone(), wrong_etag], "InvalidPart"),
    ] {
        assert_eq!(
            complete(&s3, "repro", "mp", &id, list).await.unwrap_err(),
            want
        );
        let listed = s3
            .list_parts()
            .bucket("repro")
            .key("mp")
            .upload_id(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.parts().len(), 2, "the upload is kept after {want}");
    }
    let e = s3
        .head_object()
        .bucket("repro")
        .key("mp")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_not_found(), "nothing was written");
    complete(&s3, "repro", "mp", &id, vec![p1, p2])
        .await
        .unwrap();
    assert_eq!(
        get_checked(&s3, "repro", "mp").await.unwrap().0,
        parts.concat()
    );
    // the completed upload is gone; a second one can be aborted even after a failed complete
    assert_eq!(
        complete(&s3, "repro", "mp", &id, vec![]).await.unwrap_err(),
        "NoSuchUpload"
    );
    let (id2, done2) = multipart(&s3, "repro", "mp2", &parts).await;
    let mut rev = done2.clone();
    rev.reverse();
    assert_eq!(
        complete(&s3, "repro", "mp2", &id2, rev).await.unwrap_err(),
        "InvalidPartOrder"
    );
    s3.abort_multipart_upload()
        .bucket("repro")
        .key("mp2")
        .upload_id(&id2)
        .send()
        .await
        .unwrap();
    let e = s3
        .list_parts()
        .bucket("repro")
        .key("mp2")
        .upload_id(&id2)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e.into_service_error()), "NoSuchUpload");
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn listings_encode_keys_and_split_on_any_delimiter() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("repro").send().await.unwrap();
    let keys = [
        "plus/a+b.txt",
        "pct/100%.txt",
        "%2e%2e%2fx",
        "été/x",
        "a b/c",
    ];
    for k in keys {
        s3.put_object()
            .bucket("repro")
            .key(k)
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let raw: Vec<String> = s3
        .list_objects_v2()
        .bucket("repro")
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .map(|o| o.key().unwrap().to_string())
        .collect();
    let mut want: Vec<&str> = keys.to_vec();
    want.sort();
    assert_eq!(raw, want);
    // EncodingType=url: aws-sdk-rust does not decode, so the encoded form is what arrives
    let enc = s3
        .list_objects_v2()
        .bucket("repro")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap();
    let got: HashSet<String> = enc
        .contents()
        .iter()
        .map(|o| o.key().unwrap().to_string())
        .collect();
    for (k, e) in [
        ("plus/a+b.txt", "plus/a%2Bb.txt"),
        ("pct/100%.txt", "pct/100%25.txt"),
        ("%2e%2e%2fx", "%252e%252e%252fx"),
        ("été/x", "%C3%A9t%C3%A9/x"),
        ("a b/c", "a%20b/c"),
    ] {
        assert!(got.contains(e), "{k} listed as {got:?}");
    }
    let v1 = s3
        .list_objects()
        .bucket("repro")
        .prefix("plus/")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap();
    assert_eq!(v1.contents()[0].key(), Some("plus/a%2Bb.txt"));
    // a multi-byte delimiter, and an empty one (no delimiter)
    let d = s3
        .list_objects_v2()
        .bucket("repro")
        .delimiter("é")
        .send()
        .await
        .unwrap();
    let cps: Vec<_> = d
        .common_prefixes()
        .iter()
        .map(|c| c.prefix().unwrap())
        .collect();
    assert_eq!(cps, ["é"]);
    let d = s3
        .list_objects_v2()
        .bucket("repro")
        .delimiter("")
        .send()
        .await
        .unwrap();
    assert_eq!(d.contents().len(), keys.len());
    let d = s3
        .list_objects_v2()
        .bucket("repro")
        .delimiter("/")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap();
    let cps: HashSet<_> = d
        .common_prefixes()
        .iter()
        .map(|c| c.prefix().unwrap().to_string())
        .collect();
    assert!(
        cps.contains("%C3%A9t%C3%A9/") && cps.contains("plus/") && cps.contains("a%20b/"),
        "{cps:?}"
    );
    // paging with a continuation token over keys that need encoding
    let mut seen = Vec::new();
    let mut token = None;
    for _ in 0..10 {
        let p = s3
            .list_objects_v2()
            .bucket("repro")
            .max_keys(2)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        seen.extend(p.contents().iter().map(|o| o.key().unwrap().to_string()));
        token = p.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, want);
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn keys_up_to_1024_bytes_and_missing_buckets() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("repro").send().await.unwrap();
    for k in [
        format!("p/{}", "x".repeat(170)),
        format!("{}/{}", "y".repeat(300), "z".repeat(723)),
    ] {
        assert!(k.len() <= 1024);
        s3.put_object()
            .bucket("repro")
            .key(&k)
            .body(b"long".to_vec().into())
            .send()
            .await
            .unwrap();
        assert_eq!(get_checked(&s3, "repro", &k).await.unwrap().0, b"long");
    }
    let listed = s3.list_objects_v2().bucket("repro").send().await.unwrap();
    assert_eq!(listed.contents().len(), 2);
    let e = s3
        .put_object()
        .bucket("repro")
        .key("k".repeat(1025))
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e.into_service_error()), "KeyTooLongError");
    // a PUT into a bucket that does not exist
    let e = s3
        .put_object()
        .bucket("no-such-bucket")
        .key("a")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e.into_service_error()), "NoSuchBucket");
    let b = s3.list_buckets().send().await.unwrap();
    assert_eq!(
        b.buckets()
            .iter()
            .map(|b| b.name().unwrap())
            .collect::<Vec<_>>(),
        ["repro"]
    );
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_body_not_matching_its_signed_hash_is_a_400() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("repro").send().await.unwrap();
    let signed = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(b"AAAA"))
    };
    let (ak, sk) = (
        t.server.credentials.access_key_id.clone(),
        t.server.credentials.secret_access_key.clone(),
    );
    let headers = sign_body(
        t.server.addr,
        "PUT",
        "/repro/h",
        &[("x-amz-content-sha256", signed.as_str())],
        aws_sigv4::http_request::SignableBody::Precomputed(signed.clone()),
        "s3",
        &ak,
        &sk,
        std::time::SystemTime::now(),
    );
    let r = raw(t.server.addr, "PUT", "/repro/h", &headers, b"BBBB").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("<Code>XAmzContentSHA256Mismatch</Code>"),
        "{}",
        r.text()
    );
    let e = s3
        .head_object()
        .bucket("repro")
        .key("h")
        .send()
        .await
        .unwrap_err();
    assert!(e.into_service_error().is_not_found());
    t.server.stop().await.unwrap();
}

// ---- kill -9 of the real binary during overwrites and multipart completes ----

const BIN: &str = env!("CARGO_BIN_EXE_sagemaker-offline");
const AK: &str = "AKIAKILLNINESTORAGE0";
const SK: &str = "kill/nine/storage/secret/key/0000000000000";

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(state: &std::path::Path) -> (Child, String) {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(BIN)
        .args([
            "serve",
            "--port",
            "0",
            "--no-seed",
            "--access-key",
            AK,
            "--secret-key",
            SK,
        ])
        .arg("--state-dir")
        .arg(state)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn sagemaker-offline");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("readiness line");
    let url = line
        .trim()
        .strip_prefix("sagemaker-offline listening on ")
        .unwrap_or_else(|| panic!("readiness line: {line:?}"))
        .to_string();
    (Child(child), url)
}

/// An aws-sdk-s3 client that does not retry (a killed server must fail the request at once).
fn client_no_retry(url: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            AK, SK, None, None, "test",
        ))
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// What a key may hold after a kill: the last acknowledged version, or an attempt made after it.
#[derive(Default, Clone)]
struct Allowed {
    acked: Option<String>,
    attempts: Vec<String>,
}

/// 8 writers overwrite 16 keys (single PUTs of 1 KB–300 KB and, every sixth write, a 2-part
/// multipart upload of 5 MiB + a tail) while the server is killed with SIGKILL at a random moment
/// once the round has acknowledged writes; after each restart
/// every key must read back (CRC32 validated by the SDK when the version has one, MD5 = ETag) as its
/// last acknowledged version or one attempted after it. 22 kills, at most 5 minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_overwrites_and_completes_loses_no_acknowledged_object() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let state: HashMap<String, Allowed> = HashMap::new();
    let state = Arc::new(Mutex::new(state));
    let started = Instant::now();
    let (mut kills, mut verified, mut seq) = (0u32, 0u64, 0u64);
    let acked_total = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let first_errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..22u32 {
        if started.elapsed() > Duration::from_secs(300) {
            break;
        }
        let (mut child, url) = serve(dir.path());
        let s3 = client_no_retry(&url);
        if round == 0 {
            s3.create_bucket().bucket("kill").send().await.unwrap();
        }
        // verify everything acknowledged so far
        let snapshot = state.lock().unwrap().clone();
        for (k, allowed) in &snapshot {
            match get_checked(&s3, "kill", k).await {
                Ok((body, etag)) => {
                    let got = md5_hex(&body);
                    let ok =
                        allowed.acked.as_ref() == Some(&got) || allowed.attempts.contains(&got);
                    assert!(
                        ok,
                        "round {round}: {k} holds a version never written or older than the acknowledged one"
                    );
                    if !etag.contains('-') {
                        assert_eq!(etag, got, "round {round}: {k}: ETag of another version");
                    }
                    // what is there now is the version to compare against from here on
                    let mut st = state.lock().unwrap();
                    let a = st.get_mut(k).unwrap();
                    a.acked = Some(got);
                    a.attempts.clear();
                    verified += 1;
                }
                Err(e) if allowed.acked.is_none() && e.contains("NoSuchKey") => {}
                Err(e) => panic!("round {round}: {k} unreadable after restart: {e}"),
            }
        }
        // uploads cut off by the previous kill: listed, and aborted (their parts are 5 MiB each)
        let ups = s3
            .list_multipart_uploads()
            .bucket("kill")
            .send()
            .await
            .unwrap();
        for u in ups.uploads() {
            s3.abort_multipart_upload()
                .bucket("kill")
                .key(u.key().unwrap())
                .upload_id(u.upload_id().unwrap())
                .send()
                .await
                .unwrap();
        }
        // load, then kill -9 at a random moment
        let mut tasks = Vec::new();
        for w in 0..8u64 {
            let s3 = s3.clone();
            let state = state.clone();
            let acked_total = acked_total.clone();
            let first_errors = first_errors.clone();
            seq += 1000;
            let base = seq + w * 100;
            tasks.push(tokio::spawn(async move {
                for i in 0..100u64 {
                    // each writer has its own two keys: per key, writes are sequential, so "the
                    // last acknowledged version or the one attempt after it" is exact
                    let key = format!("w{w}k{}", i % 2);
                    let multipart = i % 6 == 3;
                    let body = if multipart {
                        [bytes(5 * 1024 * 1024, base + i), bytes(777, base + i + 1)].concat()
                    } else {
                        bytes(1000 + ((base * 31 + i * 7919) % 300_000) as usize, base + i)
                    };
                    let md5 = md5_hex(&body);
                    state
                        .lock()
                        .unwrap()
                        .entry(key.clone())
                        .or_default()
                        .attempts
                        .push(md5.clone());
                    let note = |e: String| {
                        let mut f = first_errors.lock().unwrap();
                        if f.len() < 3 {
                            f.push(e);
                        }
                    };
                    let acked: Result<(), String> = async {
                        if multipart {
                            let c = s3
                                .create_multipart_upload()
                                .bucket("kill")
                                .key(&key)
                                .send()
                                .await
                                .map_err(|e| {
                                    format!("{:?}", aws_sdk_s3::error::DisplayErrorContext(e))
                                })?;
                            let id = c.upload_id().unwrap().to_string();
                            let mut parts = Vec::new();
                            for (n, chunk) in [&body[..5 * 1024 * 1024], &body[5 * 1024 * 1024..]]
                                .iter()
                                .enumerate()
                            {
                                let n = n as i32 + 1;
                                let r = s3
                                    .upload_part()
                                    .bucket("kill")
                                    .key(&key)
                                    .upload_id(&id)
                                    .part_number(n)
                                    .body(chunk.to_vec().into())
                                    .send()
                                    .await
                                    .map_err(|e| {
                                        format!("{:?}", aws_sdk_s3::error::DisplayErrorContext(e))
                                    })?;
                                parts.push(
                                    CompletedPart::builder()
                                        .part_number(n)
                                        .e_tag(r.e_tag().unwrap())
                                        .build(),
                                );
                            }
                            complete(&s3, "kill", &key, &id, parts).await.map(|_| ())
                        } else {
                            s3.put_object()
                                .bucket("kill")
                                .key(&key)
                                .body(ByteStream::from(body))
                                .send()
                                .await
                                .map(|_| ())
                                .map_err(|e| {
                                    format!("{:?}", aws_sdk_s3::error::DisplayErrorContext(e))
                                })
                        }
                    }
                    .await;
                    if let Err(e) = acked {
                        note(e);
                        return; // the server is gone
                    }
                    let mut st = state.lock().unwrap();
                    let a = st.get_mut(&key).unwrap();
                    a.acked = Some(md5);
                    a.attempts.clear();
                    acked_total.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }));
        }
        // kill once this round has acknowledged some writes (so the kill hits a running load),
        // at a random moment after that
        let before = acked_total.load(std::sync::atomic::Ordering::SeqCst);
        let wait_from = Instant::now();
        while acked_total.load(std::sync::atomic::Ordering::SeqCst) < before + 8
            && wait_from.elapsed() < Duration::from_secs(20)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(next() % 700)).await;
        child.0.kill().unwrap(); // SIGKILL
        child.0.wait().unwrap();
        kills += 1;
        for t in tasks {
            let _ = t.await;
        }
    }
    // a last restart and check
    let (_child, url) = serve(dir.path());
    let s3 = client_no_retry(&url);
    let snapshot = state.lock().unwrap().clone();
    for (k, allowed) in &snapshot {
        if let Ok((body, _)) = get_checked(&s3, "kill", k).await {
            let got = md5_hex(&body);
            assert!(
                allowed.acked.as_ref() == Some(&got) || allowed.attempts.contains(&got),
                "{k}"
            );
            verified += 1;
        } else {
            assert!(
                allowed.acked.is_none(),
                "{k} unreadable after the last restart"
            );
        }
    }
    println!(
        "kill -9: {kills} kills survived, {} writes acknowledged, {verified} object reads verified after restarts, {} keys",
        acked_total.load(std::sync::atomic::Ordering::SeqCst),
        snapshot.len()
    );
    assert!(kills >= 20, "only {kills} kills in the time bound");
    let acked = acked_total.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        acked >= 100,
        "only {acked} writes were acknowledged; first errors: {:?}",
        first_errors.lock().unwrap()
    );
}
