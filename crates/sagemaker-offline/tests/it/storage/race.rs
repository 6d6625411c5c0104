//! A refused PUT keeps the old version; concurrent overwrites and checksum-validating reads never
//! pair one version's bytes with another's checksum.

use std::time::{Duration, Instant};

use super::*;
use crate::common::*;

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
