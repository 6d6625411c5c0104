//! S3: s3s 0.14 (the protocol: routing, XML, SigV4 incl. aws-chunked uploads and trailers) over a
//! storage backend of our own, [`Front`] over an [`ObjectStore`].
//!
//! Why our own backend and not s3s-fs (which served S3 here before): s3s-fs 0.14 was written as a
//! test double. It renames a PUT's bytes into place before it checks Content-MD5 and checksums, so a
//! refused PUT has already replaced the object; it keeps the ETag and CRC32 in side files written
//! after the bytes, so readers see new bytes with an old checksum and a `kill -9` between the two
//! leaves an acknowledged object unreadable (a multipart overwrite even keeps the old CRC32 for
//! good); it drops a multipart upload before checking its part list; it names side files after the
//! base64 of the key, which passes the 255-byte file-name limit for keys far shorter than S3's
//! 1,024 bytes; it creates missing buckets on PUT, ignores `EncodingType=url` and slices multi-byte
//! delimiters by byte (a panic). Each of these is in how it lays out files and orders its steps, so
//! fixing them is rewriting it; a vendored copy would have been that rewrite plus 1,300 lines to
//! keep. s3s's `S3` trait is the seam instead: s3s keeps doing the protocol (which is the hard part
//! and well kept upstream), and the ~20 operations the kit and its clients use are implemented here
//! over a store that commits every version — bytes and metadata in one file — by one rename.
//!
//! - [`store`]: the [`ObjectStore`] trait, its contract and shared checks (keys, part lists);
//! - [`disk`]: [`DiskStore`], the store in the state directory (layout, durability, migration);
//! - [`mem`]: [`MemStore`], in memory, for unit tests;
//! - [`front`]: the S3 operations over a store;
//! - here: the access check ([`KeyGuard`]) and the one accepted key pair ([`SingleKeyAuth`]).
//!
//! [`KeyGuard`] refuses anonymous requests (AccessDenied, as s3s's default check does) and any key
//! the store refuses (`..` segments, absolute keys, NUL) — in the request path, in
//! `x-amz-copy-source` and in DeleteObjects bodies — with `InvalidArgument`. The disk store names
//! files by a hash of the key, so such keys could not escape its directory anyway; they are refused
//! because training copies objects to files named after their keys.

pub mod disk;
pub mod front;
pub mod mem;
pub mod store;

pub use disk::DiskStore;
pub use front::Front;
pub use mem::MemStore;
pub use store::{ObjectError, ObjectInfo, ObjectStore, check_key, valid_bucket_name};

use std::sync::Arc;

use s3s::access::{S3Access, S3AccessContext};
use s3s::dto::{CopyObjectInput, CopySource, DeleteObjectsInput, UploadPartCopyInput};
use s3s::{S3Request, S3Result, s3_error};

/// Access control for the S3 front end (see the module docs).
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyGuard;

fn check(key: &str) -> S3Result<()> {
    store::check_key_len(key).map_err(front::s3_error_of)?;
    check_key(key).map_err(|msg| {
        s3_error!(
            InvalidArgument,
            "{msg}; sagemaker-offline stores objects as files and refuses such keys"
        )
    })
}

fn check_copy_source(src: &CopySource) -> S3Result<()> {
    match src {
        CopySource::Bucket { key, .. } => check(key),
        _ => Err(s3_error!(
            NotImplemented,
            "only <bucket>/<key> copy sources are supported"
        )),
    }
}

#[async_trait::async_trait]
impl S3Access for KeyGuard {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        if cx.credentials().is_none() {
            return Err(s3_error!(
                AccessDenied,
                "Anonymous access is not allowed: sign requests with the sagemaker-offline key pair (see `sagemaker-offline env`)"
            ));
        }
        check_sigv2_date(cx.headers(), chrono::Utc::now())?;
        if let Some(key) = cx.s3_path().get_object_key() {
            check(key)?;
        }
        Ok(())
    }

    async fn copy_object(&self, req: &mut S3Request<CopyObjectInput>) -> S3Result<()> {
        check_copy_source(&req.input.copy_source)
    }

    async fn upload_part_copy(&self, req: &mut S3Request<UploadPartCopyInput>) -> S3Result<()> {
        check_copy_source(&req.input.copy_source)
    }

    async fn delete_objects(&self, req: &mut S3Request<DeleteObjectsInput>) -> S3Result<()> {
        for obj in &req.input.delete.objects {
            check(&obj.key)?;
        }
        Ok(())
    }
}

/// Holds a SigV2 header-signed request (`Authorization: AWS <key>:<signature>`) to the same
/// 15-minute window as SigV4: s3s 0.14 verifies the signature but never looks at the date, so a
/// captured request could be replayed for ever. The date is `x-amz-date` if present, else `Date`
/// (both are in the string SigV2 signs). Presigned SigV2 URLs carry their own `Expires`, which s3s
/// checks. Real S3 refuses requests more than 15 minutes off with `RequestTimeTooSkewed`.
fn check_sigv2_date(headers: &http::HeaderMap, now: chrono::DateTime<chrono::Utc>) -> S3Result<()> {
    let is_v2 = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS "));
    if !is_v2 {
        return Ok(());
    }
    let date = headers
        .get("x-amz-date")
        .or_else(|| headers.get(http::header::DATE))
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            s3_error!(
                AccessDenied,
                "AWS authentication requires a valid Date or x-amz-date header"
            )
        })?;
    let when = chrono::DateTime::parse_from_rfc2822(date)
        .map(|d| d.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(date, "%a, %d %b %Y %H:%M:%S GMT")
                .map(|n| n.and_utc())
        })
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ").map(|n| n.and_utc())
        })
        .map_err(|_| {
            s3_error!(
                AccessDenied,
                "AWS authentication requires a valid Date or x-amz-date header"
            )
        })?;
    if (now - when).num_seconds().abs() > crate::sigv4::MAX_SKEW_SECS {
        return Err(s3_error!(
            RequestTimeTooSkewed,
            "The difference between the request time ({}) and the current time ({}) is too large.",
            when.to_rfc2822(),
            now.to_rfc2822()
        ));
    }
    Ok(())
}

/// The one key pair S3 accepts. (s3s's `SimpleAuth` answers an unknown key with `NotSignedUp`;
/// real S3 says `InvalidAccessKeyId`, which is what clients and scripts expect.)
#[derive(Debug, Clone)]
pub struct SingleKeyAuth {
    access_key: String,
    secret_key: String,
}

#[async_trait::async_trait]
impl s3s::auth::S3Auth for SingleKeyAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<s3s::auth::SecretKey> {
        if access_key == self.access_key {
            Ok(s3s::auth::SecretKey::from(self.secret_key.as_str()))
        } else {
            Err(s3_error!(
                InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records."
            ))
        }
    }
}

/// Builds the s3s service over `store` accepting exactly one key pair.
pub fn build_service(
    store: Arc<dyn ObjectStore>,
    access_key: &str,
    secret_key: &str,
) -> s3s::service::S3Service {
    let mut b = s3s::service::S3ServiceBuilder::new(Front::new(store));
    b.set_auth(SingleKeyAuth {
        access_key: access_key.to_string(),
        secret_key: secret_key.to_string(),
    });
    b.set_access(KeyGuard);
    b.build()
}

/// The contract every [`ObjectStore`] keeps, run against each implementation by its tests.
#[cfg(test)]
pub(crate) fn store_contract(s: &dyn ObjectStore) {
    use store::{Attributes, NewObject, Precondition};
    // buckets
    assert!(s.bucket_exists("bkt"));
    assert!(matches!(
        s.create_bucket("bkt"),
        Err(ObjectError::BucketAlreadyOwnedByYou(_))
    ));
    assert!(matches!(
        s.create_bucket("Bad_Name"),
        Err(ObjectError::Invalid(_))
    ));
    assert!(matches!(
        s.put("nope", "k", b"x"),
        Err(ObjectError::NoSuchBucket(_))
    ));
    assert!(
        !s.bucket_exists("nope"),
        "a PUT into a missing bucket creates nothing"
    );
    assert!(matches!(
        s.get("nope", "k"),
        Err(ObjectError::NoSuchBucket(_))
    ));
    assert!(matches!(s.get("bkt", "k"), Err(ObjectError::NoSuchKey(..))));
    // put, get, overwrite, list, delete
    let i = s.put("bkt", "p/b", b"bb").unwrap();
    assert_eq!(i.etag, "21ad0bd836b90d08f4cf640b4c298e7c");
    s.put("bkt", "p/a", b"a").unwrap();
    s.put("bkt", "p", b"the prefix itself").unwrap();
    s.put("bkt", "q/", b"").unwrap();
    assert_eq!(s.get("bkt", "p/b").unwrap(), b"bb");
    s.put("bkt", "p/b", b"second").unwrap();
    assert_eq!(s.get("bkt", "p/b").unwrap(), b"second");
    assert_eq!(s.head("bkt", "p/b").unwrap().size, 6);
    let keys: Vec<_> = s
        .list("bkt", "p/")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(keys, ["p/a", "p/b"]);
    let keys: Vec<_> = s
        .list("bkt", "")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(keys, ["p", "p/a", "p/b", "q/"]);
    // a staged body dropped before its commit changes nothing
    let mut st = s.stage("bkt").unwrap();
    std::io::Write::write_all(&mut st, b"never committed").unwrap();
    drop(st);
    assert_eq!(s.get("bkt", "p/b").unwrap(), b"second");
    // metadata travels with its bytes; conditions are checked at the commit
    let mut st = s.stage("bkt").unwrap();
    std::io::Write::write_all(&mut st, b"with meta").unwrap();
    let meta = NewObject {
        etag: "e1".into(),
        checksums: store::Checksums {
            crc32: Some("c1".into()),
            ..Default::default()
        },
        attributes: Attributes {
            content_type: Some("text/csv".into()),
            ..Default::default()
        },
    };
    assert!(matches!(
        s.commit(
            "bkt",
            "p/a",
            st,
            meta.clone(),
            &Precondition::IfNoneMatchAny
        ),
        Err(ObjectError::PreconditionFailed(_))
    ));
    assert_eq!(s.get("bkt", "p/a").unwrap(), b"a");
    let mut st = s.stage("bkt").unwrap();
    std::io::Write::write_all(&mut st, b"with meta").unwrap();
    s.commit("bkt", "p/a", st, meta, &Precondition::None)
        .unwrap();
    let (info, mut r) = s.open("bkt", "p/a").unwrap();
    let mut b = Vec::new();
    std::io::Read::read_to_end(&mut r, &mut b).unwrap();
    assert_eq!(
        (
            b.as_slice(),
            info.etag.as_str(),
            info.checksums.crc32.as_deref()
        ),
        (&b"with meta"[..], "e1", Some("c1"))
    );
    assert_eq!(info.attributes.content_type.as_deref(), Some("text/csv"));
    r.seek_to(5).unwrap();
    let mut tail = String::new();
    std::io::Read::read_to_string(&mut r, &mut tail).unwrap();
    assert_eq!(tail, "meta");
    // a plain put after it drops the old checksum
    s.put("bkt", "p/a", b"plain").unwrap();
    assert_eq!(
        s.head("bkt", "p/a").unwrap().checksums,
        store::Checksums::default()
    );
    s.delete("bkt", "p/a").unwrap();
    s.delete("bkt", "p/a").unwrap();
    assert!(matches!(
        s.get("bkt", "p/a"),
        Err(ObjectError::NoSuchKey(..))
    ));
    assert!(matches!(
        s.delete_bucket("bkt"),
        Err(ObjectError::BucketNotEmpty(_))
    ));
    // keys up to 1,024 bytes
    let long = "k/".repeat(512);
    s.put("bkt", &long, b"long").unwrap();
    assert_eq!(s.get("bkt", &long).unwrap(), b"long");
    assert!(matches!(
        s.put("bkt", &format!("{long}x"), b"x"),
        Err(ObjectError::KeyTooLong(1025))
    ));
    // multipart: errors keep the upload; success replaces everything of the old version
    let mut st = s.stage("bkt").unwrap();
    std::io::Write::write_all(&mut st, b"old").unwrap();
    let old = NewObject {
        etag: "old".into(),
        checksums: store::Checksums {
            crc32: Some("OLD=".into()),
            ..Default::default()
        },
        attributes: Attributes::default(),
    };
    s.commit("bkt", "mp", st, old, &Precondition::None).unwrap();
    let id = s
        .create_upload(
            "bkt",
            "mp",
            Attributes {
                content_type: Some("x/y".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
    let big = vec![7u8; usize::try_from(store::MIN_PART_SIZE).unwrap()];
    let p1 = store_tests_put_part(s, &id, 1, &big);
    let p2 = store_tests_put_part(s, &id, 2, b"tail");
    let mut wrong = p2.clone();
    wrong.etag = Some("0".repeat(32));
    let mut missing = p2.clone();
    missing.part_number = 3;
    for (parts, want) in [
        (vec![p2.clone(), p1.clone()], "InvalidPartOrder"),
        (vec![p1.clone(), missing], "InvalidPart"),
        (vec![p1.clone(), wrong], "InvalidPart"),
        (vec![p2.clone(), p2.clone()], "InvalidPartOrder"),
    ] {
        let e = s
            .complete_upload(&id, &parts, &Precondition::None)
            .unwrap_err();
        assert_eq!(front::s3_error_of(e).code().as_str(), want);
        assert_eq!(
            s.list_parts(&id).unwrap().len(),
            2,
            "a failed complete keeps the upload"
        );
        assert_eq!(s.get("bkt", "mp").unwrap(), b"old");
    }
    let done = s
        .complete_upload(&id, &[p1, p2], &Precondition::None)
        .unwrap();
    assert!(done.etag.ends_with("-2"));
    let h = s.head("bkt", "mp").unwrap();
    assert_eq!(h.size, store::MIN_PART_SIZE + 4);
    assert_eq!(
        h.checksums,
        store::Checksums::default(),
        "no checksum of the old version survives"
    );
    assert_eq!(h.attributes.content_type.as_deref(), Some("x/y"));
    assert!(matches!(
        s.list_parts(&id),
        Err(ObjectError::NoSuchUpload(_))
    ));
    assert!(matches!(
        s.abort_upload(&id),
        Err(ObjectError::NoSuchUpload(_))
    ));
    assert!(matches!(
        s.upload("../../etc"),
        Err(ObjectError::NoSuchUpload(_))
    ));
    let id2 = s
        .create_upload("bkt", "mp2", Attributes::default(), None)
        .unwrap();
    assert_eq!(s.list_uploads("bkt").unwrap().len(), 1);
    s.abort_upload(&id2).unwrap();
    assert!(s.list_uploads("bkt").unwrap().is_empty());
    // the conveniences
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy");
    assert_eq!(
        s.copy_to_file("bkt", "mp", &dest).unwrap(),
        store::MIN_PART_SIZE + 4
    );
    assert_eq!(
        std::fs::read(&dest).unwrap().len() as u64,
        store::MIN_PART_SIZE + 4
    );
}

/// Stores one part and returns how CompleteMultipartUpload would name it.
#[cfg(test)]
pub(crate) fn store_tests_put_part(
    s: &dyn ObjectStore,
    id: &str,
    n: i32,
    bytes: &[u8],
) -> store::RequestedPart {
    use s3s::crypto::Checksum as _;
    let mut st = s.stage_part(id).unwrap();
    std::io::Write::write_all(&mut st, bytes).unwrap();
    let mut md5 = s3s::crypto::Md5::new();
    md5.update(bytes);
    let etag = hex::encode(md5.finalize());
    s.commit_part(
        id,
        st,
        store::PartInfo {
            part_number: n,
            size: bytes.len() as u64,
            etag: etag.clone(),
            last_modified: std::time::SystemTime::now(),
            checksums: store::Checksums::default(),
        },
    )
    .unwrap();
    store::RequestedPart {
        part_number: n,
        etag: Some(etag),
        checksums: store::Checksums::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigv2_requests_are_held_to_15_minutes() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let h = |date: &str| {
            let mut m = http::HeaderMap::new();
            m.insert("authorization", "AWS AKIA:sig".parse().unwrap());
            m.insert("date", date.parse().unwrap());
            m
        };
        assert!(check_sigv2_date(&h("Tue, 01 Dec 2026 10:14:00 GMT"), now).is_ok());
        assert!(check_sigv2_date(&h("Tue, 01 Dec 2026 09:46:00 GMT"), now).is_ok());
        let e = check_sigv2_date(&h("Tue, 24 Nov 2026 10:00:00 GMT"), now).unwrap_err();
        assert_eq!(e.code().as_str(), "RequestTimeTooSkewed");
        assert!(check_sigv2_date(&h("Tue, 01 Dec 2026 10:16:00 GMT"), now).is_err());
        assert!(check_sigv2_date(&h("not a date"), now).is_err());
        // SigV4 and anonymous requests are not SigV2's business
        let mut v4 = h("Tue, 24 Nov 2026 10:00:00 GMT");
        v4.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=x".parse().unwrap(),
        );
        assert!(check_sigv2_date(&v4, now).is_ok());
        assert!(check_sigv2_date(&http::HeaderMap::new(), now).is_ok());
    }
}
