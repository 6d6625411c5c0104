//! The object store under the cases that lost data or answered 500 before it was rewritten, one
//! module per subject (every loop bounded in count and in time):
//! - `race`      — refused PUTs keep the old version; overwrite-and-read races with
//!   checksum-validating reads.
//! - `multipart` — multipart overwrites and the error paths of CompleteMultipartUpload.
//! - `listing`   — listings of keys with `+`, `%` and multi-byte characters, any delimiter, long
//!   keys, missing buckets, a body that does not match its signed hash.
//! - `kill9`     — `kill -9` of the real binary in the middle of overwrites and multipart completes.
//!
//! The helpers here are shared by them.

mod kill9;
mod listing;
mod multipart;
mod race;

use aws_sdk_s3::types::{ChecksumMode, CompletedMultipartUpload, CompletedPart};
use s3s::crypto::Checksum as _;

pub(super) fn md5_hex(b: &[u8]) -> String {
    let mut m = s3s::crypto::Md5::new();
    m.update(b);
    hex::encode(m.finalize())
}

pub(super) fn b64(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

pub(super) fn crc32_b64(b: &[u8]) -> String {
    let mut c = s3s::crypto::Crc32::new();
    c.update(b);
    b64(&c.finalize())
}

/// Deterministic bytes that differ per (seed, i).
pub(super) fn bytes(n: usize, seed: u64) -> Vec<u8> {
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

pub(super) fn code<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("").to_string()
}

pub(super) async fn get_checked(
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

pub(super) async fn multipart(
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

pub(super) async fn complete(
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
