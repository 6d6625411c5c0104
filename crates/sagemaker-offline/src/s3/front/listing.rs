//! Listings (v1 and v2) by S3's rules: any UTF-8 delimiter (an empty one is no delimiter),
//! `EncodingType=url` and opaque continuation tokens.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::objects::etag;
use super::*;
use crate::s3::store::ObjectInfo;

pub(super) enum Entry {
    Object(Box<ObjectInfo>),
    Prefix(String),
}

impl Entry {
    fn name(&self) -> &str {
        match self {
            Entry::Object(o) => &o.key,
            Entry::Prefix(p) => p,
        }
    }
}

/// One page of a listing: objects after `after` (whose key starts with `prefix`, sorted), grouped by
/// `delimiter` into common prefixes, at most `max` entries. Returns the page and whether more follow.
pub(super) fn list_page(
    sorted: Vec<ObjectInfo>,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max: usize,
) -> (Vec<Entry>, bool) {
    let delimiter = delimiter.filter(|d| !d.is_empty());
    let mut out: Vec<Entry> = Vec::new();
    for o in sorted {
        if after.is_some_and(|a| o.key.as_str() <= a) {
            continue;
        }
        let rest = &o.key[prefix.len()..];
        let entry = match delimiter.and_then(|d| rest.find(d).map(|i| (i, d.len()))) {
            Some((i, dl)) => {
                let cp = &o.key[..prefix.len() + i + dl];
                if after.is_some_and(|a| cp <= a)
                    || matches!(out.last(), Some(Entry::Prefix(p)) if p == cp)
                {
                    continue; // this common prefix was returned already
                }
                Entry::Prefix(cp.to_string())
            }
            None => Entry::Object(Box::new(o)),
        };
        out.push(entry);
        if out.len() > max {
            break;
        }
    }
    let more = max > 0 && out.len() > max;
    out.truncate(max);
    (out, more)
}

/// `EncodingType=url`: percent-encodes everything but unreserved characters and `/`.
pub(super) fn url_encode(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

pub(super) struct Enc(bool);

impl Enc {
    pub(super) fn of(t: Option<&EncodingType>) -> Self {
        Enc(t.is_some_and(|t| t.as_str().eq_ignore_ascii_case("url")))
    }
    pub(super) fn s(&self, s: &str) -> String {
        if self.0 { url_encode(s) } else { s.to_string() }
    }
    pub(super) fn o(&self, s: Option<&str>) -> Option<String> {
        s.map(|s| self.s(s))
    }
}

pub(super) fn token_of(name: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name)
}

pub(super) fn name_of_token(t: &str) -> S3Result<String> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            S3Error::with_message(
                S3ErrorCode::InvalidArgument,
                "The continuation token provided is incorrect",
            )
        })
}

pub(super) fn max_keys(m: Option<i32>) -> usize {
    usize::try_from(m.unwrap_or(1000).clamp(0, 1000)).unwrap_or(1000)
}

pub(super) fn object_of(o: &ObjectInfo, enc: &Enc) -> Object {
    Object {
        key: Some(enc.s(&o.key)),
        size: Some(i64::try_from(o.size).unwrap_or(i64::MAX)),
        e_tag: Some(etag(&o.etag)),
        last_modified: Some(Timestamp::from(o.last_modified)),
        storage_class: Some(ObjectStorageClass::from_static(
            ObjectStorageClass::STANDARD,
        )),
        ..Default::default()
    }
}

pub(super) fn split(
    entries: Vec<Entry>,
    enc: &Enc,
) -> (Option<Vec<Object>>, Option<Vec<CommonPrefix>>) {
    let mut objs = Vec::new();
    let mut cps = Vec::new();
    for e in entries {
        match e {
            Entry::Object(o) => objs.push(object_of(&o, enc)),
            Entry::Prefix(p) => cps.push(CommonPrefix {
                prefix: Some(enc.s(&p)),
            }),
        }
    }
    (
        (!objs.is_empty()).then_some(objs),
        (!cps.is_empty()).then_some(cps),
    )
}

pub(super) async fn list_objects_v2(
    front: &Front,
    req: S3Request<ListObjectsV2Input>,
) -> S3Result<S3Response<ListObjectsV2Output>> {
    let input = req.input;
    let enc = Enc::of(input.encoding_type.as_ref());
    let prefix = input.prefix.clone().unwrap_or_default();
    let after = match (&input.continuation_token, &input.start_after) {
        (Some(t), _) => Some(name_of_token(t)?),
        (None, Some(sa)) => Some(sa.clone()),
        (None, None) => None,
    };
    let max = max_keys(input.max_keys);
    let s = front.store.clone();
    let (bucket, p) = (input.bucket.clone(), prefix.clone());
    let all = run(move || s.list(&bucket, &p)).await?;
    let (page, more) = list_page(
        all,
        &prefix,
        input.delimiter.as_deref(),
        after.as_deref(),
        max,
    );
    let next = if more {
        page.last().map(|e| token_of(e.name()))
    } else {
        None
    };
    let count = page.len();
    let (contents, common_prefixes) = split(page, &enc);
    Ok(S3Response::new(ListObjectsV2Output {
        name: Some(input.bucket),
        prefix: Some(enc.s(&prefix)),
        delimiter: enc.o(input.delimiter.as_deref()),
        start_after: enc.o(input.start_after.as_deref()),
        encoding_type: input.encoding_type,
        max_keys: Some(i32::try_from(max).unwrap_or(1000)),
        key_count: Some(i32::try_from(count).unwrap_or(i32::MAX)),
        is_truncated: Some(more),
        continuation_token: input.continuation_token,
        next_continuation_token: next,
        contents,
        common_prefixes,
        ..Default::default()
    }))
}

pub(super) async fn list_objects(
    front: &Front,
    req: S3Request<ListObjectsInput>,
) -> S3Result<S3Response<ListObjectsOutput>> {
    let input = req.input;
    let enc = Enc::of(input.encoding_type.as_ref());
    let prefix = input.prefix.clone().unwrap_or_default();
    let max = max_keys(input.max_keys);
    let s = front.store.clone();
    let (bucket, p) = (input.bucket.clone(), prefix.clone());
    let all = run(move || s.list(&bucket, &p)).await?;
    let (page, more) = list_page(
        all,
        &prefix,
        input.delimiter.as_deref(),
        input.marker.as_deref(),
        max,
    );
    let next = if more {
        page.last().map(|e| enc.s(e.name()))
    } else {
        None
    };
    let (contents, common_prefixes) = split(page, &enc);
    Ok(S3Response::new(ListObjectsOutput {
        name: Some(input.bucket),
        prefix: Some(enc.s(&prefix)),
        delimiter: enc.o(input.delimiter.as_deref()),
        marker: Some(enc.s(input.marker.as_deref().unwrap_or(""))),
        encoding_type: input.encoding_type,
        max_keys: Some(i32::try_from(max).unwrap_or(1000)),
        is_truncated: Some(more),
        next_marker: next,
        contents,
        common_prefixes,
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::store::{Attributes, Checksums};

    fn obj(k: &str) -> ObjectInfo {
        ObjectInfo {
            key: k.into(),
            size: 1,
            etag: "e".into(),
            last_modified: std::time::SystemTime::UNIX_EPOCH,
            checksums: Checksums::default(),
            attributes: Attributes::default(),
        }
    }

    fn names(v: &[Entry]) -> Vec<&str> {
        v.iter().map(Entry::name).collect()
    }

    #[test]
    fn delimiters_of_any_utf8_and_the_empty_one() {
        let all: Vec<_> = ["été/x", "ét", "a/b", "a/c", "b"]
            .iter()
            .map(|k| obj(k))
            .collect();
        let mut all = all;
        all.sort_by(|a, b| a.key.cmp(&b.key));
        let (p, more) = list_page(all.clone(), "", Some("é"), None, 1000);
        assert_eq!(names(&p), ["a/b", "a/c", "b", "é"]);
        assert!(!more);
        let (p, _) = list_page(all.clone(), "", Some(""), None, 1000);
        assert_eq!(p.len(), 5, "an empty delimiter is no delimiter");
        let (p, _) = list_page(all.clone(), "", Some("/"), None, 1000);
        assert_eq!(names(&p), ["a/", "b", "ét", "été/"]);
        let (p, _) = list_page(all.clone(), "", Some("té/"), None, 1000);
        assert_eq!(names(&p), ["a/b", "a/c", "b", "ét", "été/"]);
    }

    #[test]
    fn pages_resume_after_a_common_prefix() {
        let mut all: Vec<_> = ["a/1", "a/2", "b/1", "c", "d/1"]
            .iter()
            .map(|k| obj(k))
            .collect();
        all.sort_by(|a, b| a.key.cmp(&b.key));
        let mut after: Option<String> = None;
        let mut seen = Vec::new();
        for _ in 0..10 {
            let (p, more) = list_page(all.clone(), "", Some("/"), after.as_deref(), 2);
            seen.extend(names(&p).iter().map(|s| s.to_string()));
            after = p.last().map(|e| e.name().to_string());
            if !more {
                break;
            }
        }
        assert_eq!(seen, ["a/", "b/", "c", "d/"]);
    }

    #[test]
    fn url_encoding_matches_what_botocore_decodes() {
        assert_eq!(url_encode("plus/a+b.txt"), "plus/a%2Bb.txt");
        assert_eq!(url_encode("pct/100%.txt"), "pct/100%25.txt");
        assert_eq!(url_encode("%2e%2e%2fx"), "%252e%252e%252fx");
        assert_eq!(url_encode("été x"), "%C3%A9t%C3%A9%20x");
        assert_eq!(token_of("a"), "YQ");
        assert_eq!(name_of_token("YQ").unwrap(), "a");
        assert!(name_of_token("%%").is_err());
    }
}
