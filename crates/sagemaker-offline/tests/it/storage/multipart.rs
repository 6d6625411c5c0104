//! Multipart overwrites keep nothing of the old version; CompleteMultipartUpload's errors are S3's
//! and keep the upload.

use super::*;
use crate::common::*;

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
