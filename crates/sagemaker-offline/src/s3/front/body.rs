//! Bytes in and out: an upload's body streamed into a staged file while its MD5 and checksums are
//! computed, then verified; a download streamed from a store body; copy sources and ranges.

use std::io::{Read, Write};

use bytes::Bytes;
use futures::StreamExt as _;
use s3s::crypto::Checksum as _;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Result, s3_error};

use super::*;
use crate::s3::store::{BodyRead, Checksums, ObjectError, StagedBody};

/// The error a failed request body stream stands for. s3s reports a body that does not match its
/// signed `x-amz-content-sha256` as a stream error (`UploadStreamError: Sha256Mismatch`), and a
/// bad aws-chunked signature as `AwsChunkedStreamError: SignatureMismatch`; both types are private
/// to s3s, so they are recognised by their messages.
pub(super) fn body_error(e: &(dyn std::error::Error + 'static)) -> S3Error {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(x) = cur {
        let s = x.to_string();
        if s.contains("Sha256Mismatch") {
            let mut err = S3Error::with_message(
                S3ErrorCode::Custom("XAmzContentSHA256Mismatch".into()),
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            );
            err.set_status_code(http::StatusCode::BAD_REQUEST);
            return err;
        }
        if s.contains("SignatureMismatch") {
            return S3Error::with_message(
                S3ErrorCode::SignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided (aws-chunked chunk signature).",
            );
        }
        if s.contains("Incomplete") || s.contains("LengthMismatch") || s.contains("FormatError") {
            return S3Error::with_message(
                S3ErrorCode::IncompleteBody,
                format!("The request body is incomplete or malformed: {s}"),
            );
        }
        cur = x.source();
    }
    S3Error::with_message(
        S3ErrorCode::IncompleteBody,
        format!("The request body could not be read: {e}"),
    )
}

/// What was received into a staged body.
pub(super) struct Received {
    pub(super) md5_hex: String,
    pub(super) computed: Checksum,
}

/// Which checksums to compute for a write: those whose value the request carries, the one named
/// by `x-amz-sdk-checksum-algorithm`/`x-amz-checksum-algorithm`, and those announced as trailers.
pub(super) fn hasher_for(
    given: &Checksum,
    algorithm: Option<&str>,
    headers: &http::HeaderMap,
) -> s3s::checksum::ChecksumHasher {
    let mut h = s3s::checksum::ChecksumHasher::default();
    let trailer = headers
        .get("x-amz-trailer")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let wants = |name: &str, value: &Option<String>| {
        value.is_some()
            || algorithm.is_some_and(|a| a.eq_ignore_ascii_case(name))
            || trailer.contains(&format!("x-amz-checksum-{}", name.to_ascii_lowercase()))
    };
    if wants("CRC32", &given.checksum_crc32) {
        h.crc32 = Some(Default::default());
    }
    if wants("CRC32C", &given.checksum_crc32c) {
        h.crc32c = Some(Default::default());
    }
    if wants("SHA1", &given.checksum_sha1) {
        h.sha1 = Some(Default::default());
    }
    if wants("SHA256", &given.checksum_sha256) {
        h.sha256 = Some(Default::default());
    }
    if wants("CRC64NVME", &given.checksum_crc64nvme) {
        h.crc64nvme = Some(Default::default());
    }
    h
}

/// Streams `body` into `staged` on the blocking pool, hashing as it goes.
pub(super) async fn receive(
    mut staged: Box<dyn StagedBody>,
    body: Option<StreamingBlob>,
    mut hasher: s3s::checksum::ChecksumHasher,
) -> S3Result<(Box<dyn StagedBody>, Received)> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        let mut md5 = s3s::crypto::Md5::new();
        while let Some(b) = rx.blocking_recv() {
            md5.update(&b);
            hasher.update(&b);
            staged.write_all(&b)?;
        }
        staged.flush()?;
        Ok((staged, hex::encode(md5.finalize()), hasher.finalize()))
    });
    let mut failure = None;
    if let Some(mut body) = body {
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(b) => {
                    if tx.send(b).await.is_err() {
                        break; // the writer failed; its error is reported below
                    }
                }
                Err(e) => {
                    failure = Some(body_error(&*e));
                    break;
                }
            }
        }
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|e| s3_error!(InternalError, "storage task failed: {e}"))?;
    if let Some(f) = failure {
        return Err(f); // the staged body is dropped: nothing was stored
    }
    let (staged, md5_hex, computed) = written.map_err(|e| s3_error_of(ObjectError::Io(e)))?;
    Ok((staged, Received { md5_hex, computed }))
}

/// Checks Content-MD5 and the given checksums (headers, then trailers) against what was received.
pub(super) fn verify(
    rec: &Received,
    content_md5: Option<&str>,
    given: &Checksum,
    trailers: Option<&http::HeaderMap>,
) -> S3Result<()> {
    if let Some(m) = content_md5 {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(m.trim())
            .ok()
            .filter(|r| r.len() == 16)
            .ok_or_else(|| {
                S3Error::with_message(
                    S3ErrorCode::InvalidDigest,
                    "The Content-MD5 you specified is not valid.",
                )
            })?;
        if hex::encode(raw) != rec.md5_hex {
            return Err(S3Error::with_message(
                S3ErrorCode::BadDigest,
                "The Content-MD5 you specified did not match what we received.",
            ));
        }
    }
    let from_trailer = |name: &str| {
        trailers
            .and_then(|t| t.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    for (name, header, trailer, computed) in [
        (
            "CRC32",
            &given.checksum_crc32,
            from_trailer("x-amz-checksum-crc32"),
            &rec.computed.checksum_crc32,
        ),
        (
            "CRC32C",
            &given.checksum_crc32c,
            from_trailer("x-amz-checksum-crc32c"),
            &rec.computed.checksum_crc32c,
        ),
        (
            "SHA1",
            &given.checksum_sha1,
            from_trailer("x-amz-checksum-sha1"),
            &rec.computed.checksum_sha1,
        ),
        (
            "SHA256",
            &given.checksum_sha256,
            from_trailer("x-amz-checksum-sha256"),
            &rec.computed.checksum_sha256,
        ),
        (
            "CRC64NVME",
            &given.checksum_crc64nvme,
            from_trailer("x-amz-checksum-crc64nvme"),
            &rec.computed.checksum_crc64nvme,
        ),
    ] {
        for want in [header.as_ref(), trailer.as_ref()].into_iter().flatten() {
            if Some(want) != computed.as_ref() {
                return Err(S3Error::with_message(
                    S3ErrorCode::BadDigest,
                    format!(
                        "The {name} you specified did not match the calculated checksum ({want} given, {} computed).",
                        computed.as_deref().unwrap_or("none")
                    ),
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn checksums_of(c: Checksum) -> Checksums {
    Checksums {
        crc32: c.checksum_crc32,
        crc32c: c.checksum_crc32c,
        sha1: c.checksum_sha1,
        sha256: c.checksum_sha256,
        crc64nvme: c.checksum_crc64nvme,
    }
}

/// A stream over a blocking reader: a blocking task reads `len` bytes from `start` and sends them.
pub(super) struct ChanStream(tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>);

impl futures::Stream for ChanStream {
    type Item = std::io::Result<Bytes>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

pub(super) fn stream_body(mut r: Box<dyn BodyRead>, start: u64, len: u64) -> StreamingBlob {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = r.seek_to(start) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut left = len;
        while left > 0 {
            let n = usize::try_from(left.min(256 * 1024)).unwrap_or(256 * 1024);
            let mut buf = vec![0u8; n];
            if let Err(e) = r.read_exact(&mut buf) {
                let _ = tx.blocking_send(Err(e));
                return;
            }
            left -= n as u64;
            if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                return; // the client went away
            }
        }
    });
    StreamingBlob::wrap(ChanStream(rx))
}

pub(super) fn source_of(src: &CopySource) -> S3Result<(String, String)> {
    match src {
        CopySource::Bucket { bucket, key, .. } => Ok((bucket.to_string(), key.to_string())),
        _ => Err(s3_error!(
            NotImplemented,
            "only <bucket>/<key> copy sources are supported"
        )),
    }
}

/// Copies `len` bytes from `start` of `r` into `w`.
pub(super) fn copy_range(
    r: &mut dyn BodyRead,
    start: u64,
    len: u64,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    r.seek_to(start)?;
    let n = std::io::copy(&mut r.take(len), w)?;
    if n != len {
        return Err(std::io::Error::other(
            "source object shorter than its metadata",
        ));
    }
    Ok(())
}

pub(super) fn md5_hex(data_md5: s3s::crypto::Md5) -> String {
    hex::encode(data_md5.finalize())
}

/// A writer that hashes with MD5 what it forwards.
pub(super) struct Md5Tee<'a> {
    pub(super) inner: &'a mut dyn Write,
    pub(super) md5: s3s::crypto::Md5,
}

impl Write for Md5Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.md5.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_are_s3_codes() {
        #[derive(Debug, thiserror::Error)]
        #[error("UploadStreamError: Sha256Mismatch")]
        struct Sha;
        let e = body_error(&Sha);
        assert_eq!(e.code().as_str(), "XAmzContentSHA256Mismatch");
        assert_eq!(e.status_code(), Some(http::StatusCode::BAD_REQUEST));
        #[derive(Debug, thiserror::Error)]
        #[error("AwsChunkedStreamError: SignatureMismatch")]
        struct Sig;
        assert_eq!(body_error(&Sig).code(), &S3ErrorCode::SignatureDoesNotMatch);
    }
}
