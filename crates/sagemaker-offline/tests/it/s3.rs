//! S3 through the real aws-sdk-s3 client against the in-process server: in-memory and streaming
//! (aws-chunked) uploads, multipart, ListObjectsV2, Get/Head/Delete, refused keys and signatures,
//! and that the object store and the S3 API see the same objects.

use crate::common::*;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumMode, CompletedMultipartUpload, CompletedPart};

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u32).wrapping_mul(2654435761).rotate_left(seed as u32) as u8)
        .collect()
}

#[tokio::test]
async fn s3_round_trips_with_aws_sdk() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket()
        .bucket("demo-bucket")
        .send()
        .await
        .expect("create bucket");

    // In-memory body: the SDK sends an x-amz-checksum-crc32 header.
    let small = pattern(100_000, 1);
    let put = s3
        .put_object()
        .bucket("demo-bucket")
        .key("prefix/train/1979.data")
        .body(ByteStream::from(small.clone()))
        .send()
        .await
        .expect("put in-memory");
    assert!(put.checksum_crc32().is_some(), "server echoes the CRC32");

    // Streaming body from a file: aws-chunked with a trailing checksum.
    let file = t.dir.path().join("upload.bin");
    let streamed = pattern(3 * 1024 * 1024 + 17, 2);
    std::fs::write(&file, &streamed).unwrap();
    s3.put_object()
        .bucket("demo-bucket")
        .key("prefix/train/1980.data")
        .body(ByteStream::from_path(&file).await.unwrap())
        .send()
        .await
        .expect("put streaming (aws-chunked)");

    // Multipart: 5 MiB + 5 MiB + 1 byte.
    let big = pattern(10 * 1024 * 1024 + 1, 3);
    let up = s3
        .create_multipart_upload()
        .bucket("demo-bucket")
        .key("prefix/validation/1981.data")
        .send()
        .await
        .unwrap();
    let upload_id = up.upload_id().unwrap().to_string();
    let mut parts = Vec::new();
    for (i, chunk) in big.chunks(5 * 1024 * 1024).enumerate() {
        let n = i as i32 + 1;
        let r = s3
            .upload_part()
            .bucket("demo-bucket")
            .key("prefix/validation/1981.data")
            .upload_id(&upload_id)
            .part_number(n)
            .body(ByteStream::from(chunk.to_vec()))
            .send()
            .await
            .expect("upload part");
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(r.e_tag().unwrap())
                .build(),
        );
    }
    let done = s3
        .complete_multipart_upload()
        .bucket("demo-bucket")
        .key("prefix/validation/1981.data")
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .expect("complete multipart");
    assert!(
        done.e_tag().unwrap().ends_with("-3\""),
        "multipart ETag {:?}",
        done.e_tag()
    );

    // List V2, sorted, with sizes.
    let l = s3
        .list_objects_v2()
        .bucket("demo-bucket")
        .prefix("prefix/")
        .send()
        .await
        .unwrap();
    let got: Vec<(String, i64)> = l
        .contents()
        .iter()
        .map(|o| (o.key().unwrap().to_string(), o.size().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("prefix/train/1979.data".to_string(), 100_000),
            ("prefix/train/1980.data".to_string(), streamed.len() as i64),
            ("prefix/validation/1981.data".to_string(), big.len() as i64),
        ]
    );
    let l = s3
        .list_objects_v2()
        .bucket("demo-bucket")
        .prefix("prefix/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let cps: Vec<_> = l
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap().to_string())
        .collect();
    assert_eq!(cps, vec!["prefix/train/", "prefix/validation/"]);

    // Get (with response checksum validation) and Head.
    for (key, want) in [
        ("prefix/train/1979.data", &small),
        ("prefix/train/1980.data", &streamed),
        ("prefix/validation/1981.data", &big),
    ] {
        let g = s3
            .get_object()
            .bucket("demo-bucket")
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let bytes = g.body.collect().await.unwrap().into_bytes();
        assert_eq!(&bytes[..], &want[..], "bytes of {key}");
        let h = s3
            .head_object()
            .bucket("demo-bucket")
            .key(key)
            .send()
            .await
            .unwrap();
        assert_eq!(h.content_length(), Some(want.len() as i64));
    }

    // The object store sees what the client uploaded …
    let objs = t
        .server
        .ctx
        .objects
        .list("demo-bucket", "prefix/train/")
        .unwrap();
    assert_eq!(
        objs.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        vec!["prefix/train/1979.data", "prefix/train/1980.data"]
    );
    assert_eq!(
        t.server
            .ctx
            .objects
            .get("demo-bucket", "prefix/train/1980.data")
            .unwrap(),
        streamed
    );

    // … and the client sees what the store wrote, including an overwrite of a client object
    // (fresh ETag, no stale CRC32 that would fail the SDK's response validation).
    t.server
        .ctx
        .objects
        .put("demo-bucket", "out/job/output/model.tar.gz", b"model bytes")
        .unwrap();
    t.server
        .ctx
        .objects
        .put("demo-bucket", "prefix/train/1979.data", b"replaced")
        .unwrap();
    for (key, want) in [
        ("out/job/output/model.tar.gz", &b"model bytes"[..]),
        ("prefix/train/1979.data", &b"replaced"[..]),
    ] {
        let g = s3
            .get_object()
            .bucket("demo-bucket")
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .expect(key);
        let etag = g.e_tag().unwrap().to_string();
        let bytes = g.body.collect().await.unwrap().into_bytes();
        assert_eq!(&bytes[..], want);
        let md5 = {
            use s3s::crypto::Checksum as _;
            let mut m = s3s::crypto::Md5::new();
            m.update(want);
            hex::encode(m.finalize())
        };
        assert_eq!(etag, format!("\"{md5}\""));
    }

    // Delete.
    s3.delete_object()
        .bucket("demo-bucket")
        .key("prefix/train/1980.data")
        .send()
        .await
        .unwrap();
    let e = s3
        .get_object()
        .bucket("demo-bucket")
        .key("prefix/train/1980.data")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.into_service_error().meta().code(), Some("NoSuchKey"));
    let e = s3
        .get_object()
        .bucket("no-such-bucket")
        .key("k")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        e.into_service_error().meta().code(),
        Some("NoSuchKey") | Some("NoSuchBucket")
    ));

    // List buckets.
    let b = s3.list_buckets().send().await.unwrap();
    assert_eq!(
        b.buckets()
            .iter()
            .map(|b| b.name().unwrap())
            .collect::<Vec<_>>(),
        vec!["demo-bucket"]
    );
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn keys_cannot_escape_the_state_dir() {
    let t = start_server().await;
    let s3 = s3_client(&t.server, None);
    s3.create_bucket().bucket("bkt-a").send().await.unwrap();
    s3.create_bucket().bucket("bkt-b").send().await.unwrap();
    s3.put_object()
        .bucket("bkt-b")
        .key("secret")
        .body(ByteStream::from_static(b"b's"))
        .send()
        .await
        .unwrap();
    for key in [
        "../bkt-b/secret",
        "../../outside",
        "x/../../bkt-b/secret",
        "..",
    ] {
        let e = s3
            .put_object()
            .bucket("bkt-a")
            .key(key)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await
            .unwrap_err();
        let code = e.into_service_error().meta().code().map(str::to_string);
        assert_eq!(code.as_deref(), Some("InvalidArgument"), "put {key}");
        let e = s3
            .get_object()
            .bucket("bkt-a")
            .key(key)
            .send()
            .await
            .unwrap_err();
        let code = e.into_service_error().meta().code().map(str::to_string);
        assert_eq!(code.as_deref(), Some("InvalidArgument"), "get {key}");
    }
    // raw request with an absolute-looking key (double slash) and an encoded ../
    let headers = sign(
        t.server.addr,
        "GET",
        "/bkt-a/..%2Fbkt-b%2Fsecret",
        &[(
            "x-amz-content-sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        )],
        b"",
        "s3",
        &t.server.credentials.access_key_id,
        &t.server.credentials.secret_access_key,
        std::time::SystemTime::now(),
    );
    let r = raw(
        t.server.addr,
        "GET",
        "/bkt-a/..%2Fbkt-b%2Fsecret",
        &headers,
        b"",
    )
    .await;
    assert_ne!(r.status, 200, "escaped to another bucket: {}", r.text());
    // copy source escaping
    let e = s3
        .copy_object()
        .bucket("bkt-a")
        .key("copy")
        .copy_source("bkt-a/../bkt-b/secret")
        .send()
        .await
        .unwrap_err();
    let code = e.into_service_error().meta().code().map(str::to_string);
    assert_ne!(code, None);
    // nothing appeared outside the buckets
    let root = t.dir.path().join("s3");
    assert!(!root.join("outside").exists() && !root.parent().unwrap().join("outside").exists());
    assert_eq!(t.server.ctx.objects.list("bkt-a", "").unwrap().len(), 0);
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn s3_refuses_bad_and_missing_signatures() {
    let t = start_server().await;
    let good = s3_client(&t.server, None);
    good.create_bucket().bucket("bkt").send().await.unwrap();

    let wrong_secret = s3_client(
        &t.server,
        Some((&t.server.credentials.access_key_id, "not-the-secret")),
    );
    let e = wrong_secret
        .list_objects_v2()
        .bucket("bkt")
        .send()
        .await
        .unwrap_err();
    let se = e.into_service_error();
    assert_eq!(se.meta().code(), Some("SignatureDoesNotMatch"));

    let unknown = s3_client(&t.server, Some(("AKIAUNKNOWN000000000", "whatever")));
    let e = unknown
        .put_object()
        .bucket("bkt")
        .key("k")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.into_service_error().meta().code(),
        Some("InvalidAccessKeyId")
    );

    // anonymous
    let r = raw(t.server.addr, "GET", "/bkt?list-type=2", &[], b"").await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(
        r.text().contains("<Code>AccessDenied</Code>"),
        "{}",
        r.text()
    );
    let r = raw(t.server.addr, "PUT", "/bkt/anon", &[], b"data").await;
    assert_eq!(r.status, 403);
    assert!(t.server.ctx.objects.list("bkt", "").unwrap().is_empty());
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn objects_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = sagemaker_offline::ServerConfig::for_tests(dir.path());
    let server = sagemaker_offline::start(cfg.clone()).await.unwrap();
    let s3 = s3_client(&server, None);
    s3.create_bucket().bucket("keep").send().await.unwrap();
    s3.put_object()
        .bucket("keep")
        .key("a/b.txt")
        .body(ByteStream::from_static(b"kept"))
        .send()
        .await
        .unwrap();
    server.stop().await.unwrap();

    let server = sagemaker_offline::start(cfg).await.unwrap();
    let s3 = s3_client(&server, None);
    let g = s3
        .get_object()
        .bucket("keep")
        .key("a/b.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(&g.body.collect().await.unwrap().into_bytes()[..], b"kept");
    server.stop().await.unwrap();
}
