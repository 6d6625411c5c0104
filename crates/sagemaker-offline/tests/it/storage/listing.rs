//! Listings of odd keys (`EncodingType=url`, any UTF-8 delimiter), keys up to 1,024 bytes, missing
//! buckets, and a body that does not match its signed hash.

use std::collections::HashSet;

use super::*;
use crate::common::*;
use aws_sdk_s3::types::EncodingType;

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
