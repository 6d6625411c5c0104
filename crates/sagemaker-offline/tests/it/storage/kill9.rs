//! `kill -9` of the real binary during overwrites and multipart completes: every acknowledged
//! object reads back after each restart.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::*;
use aws_sdk_s3::primitives::ByteStream;

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
        .http_client(crate::common::http_client())
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
