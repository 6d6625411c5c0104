//! Regions, as AWS enforces them, on a stand-in that has one endpoint for everything.
//!
//! A real client talks to a regional endpoint (`s3.eu-west-1.amazonaws.com`,
//! `api.sagemaker.eu-west-1.amazonaws.com`) and signs for that endpoint's region. Here every
//! client talks to the same address, so the region a request was signed for (its SigV4 credential
//! scope) stands for the endpoint it would have reached. With that:
//!
//! - **S3 buckets have a region.** A bucket is created in the region its CreateBucket was signed
//!   for, which must agree with its `LocationConstraint` as S3 requires (see
//!   [`create_bucket_region`]); `gdelt-open-data` is seeded in us-east-1, where the real one lives.
//!   A request for a bucket of another region gets S3's `301 PermanentRedirect` with the
//!   `x-amz-bucket-region` header ([`s3_wrong_region`]), which is what breaks a client that does
//!   not follow it (aws-sdk-s3 for Rust does not) and what boto3 and the AWS CLI follow.
//! - **The JSON services and the runtime answer for one region**, the server's (`--region`). A
//!   request signed for another region is refused as AWS's regional endpoints refuse it: 403
//!   `InvalidSignatureException`, "Credential should be scoped to a valid region, not '…'. "
//!   ([`wrong_region_error`]).

use axum::body::Body;
use http::{HeaderMap, Method, Response, StatusCode, Uri};

use crate::api_error::{JsonError, header_value};
use crate::s3::ObjectStore;
use crate::s3::store::DEFAULT_BUCKET_REGION;

/// The region a request was signed for: the SigV4 credential scope of its `Authorization` header
/// or, for a presigned URL, of its `X-Amz-Credential` parameter. None for anonymous and SigV2
/// requests (which carry no region).
pub fn signed_region(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(v) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return crate::sigv4::parse_authorization(v).ok().map(|a| a.region);
    }
    let query = uri.query()?;
    let cred = query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == "X-Amz-Credential").then_some(v)
    })?;
    let cred = String::from_utf8_lossy(&crate::sigv4::percent_decode(cred)).into_owned();
    // <key>/<date>/<region>/<service>/aws4_request
    cred.split('/').nth(2).map(str::to_string)
}

/// The refusal of a JSON-service or runtime request signed for `signed` by a server of `served`.
pub fn wrong_region_error(signed: &str, served: &str) -> Option<JsonError> {
    (signed != served).then(|| {
        JsonError::with_status(
            403,
            "InvalidSignatureException",
            format!("Credential should be scoped to a valid region, not '{signed}'. "),
        )
    })
}

/// The bucket of a path-style S3 request (`/<bucket>[/<key>]`), if any.
fn path_bucket(uri: &Uri) -> Option<String> {
    let first = uri.path().trim_start_matches('/').split('/').next()?;
    (!first.is_empty())
        .then(|| String::from_utf8_lossy(&crate::sigv4::percent_decode(first)).into_owned())
}

/// Whether the request is one S3 answers whatever region it was signed for: GetBucketLocation
/// (the way to find a bucket's region) and CreateBucket (which [`create_bucket_region`] checks).
fn region_free(method: &Method, uri: &Uri) -> bool {
    let path = uri.path().trim_start_matches('/');
    let bucket_only = !path.trim_end_matches('/').contains('/');
    let query = uri.query().unwrap_or("");
    let has = |name: &str| {
        query
            .split('&')
            .any(|kv| kv.split_once('=').map_or(kv, |(k, _)| k) == name)
    };
    bucket_only
        && ((method == Method::GET && has("location"))
            || (method == Method::PUT && query.is_empty()))
}

/// The endpoint S3 names in a `PermanentRedirect`: `<bucket>.s3.amazonaws.com` for us-east-1,
/// `<bucket>.s3.<region>.amazonaws.com` elsewhere.
pub fn bucket_endpoint(bucket: &str, region: &str) -> String {
    if region == DEFAULT_BUCKET_REGION {
        format!("{bucket}.s3.amazonaws.com")
    } else {
        format!("{bucket}.s3.{region}.amazonaws.com")
    }
}

/// S3's answer to a request signed for another region than its bucket's, or None when the
/// request may go on (no bucket, no signed region, a missing bucket — s3s answers that — or the
/// right region).
///
/// The answer is what S3 sends: `301 Moved Permanently` with `x-amz-bucket-region`, and for any
/// method but HEAD the XML error `PermanentRedirect` with `Endpoint` and `Bucket`. A HEAD answer
/// (HeadBucket, HeadObject) has no body, so the header is all a client gets.
pub fn s3_wrong_region(
    store: &dyn ObjectStore,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Option<Response<Body>> {
    let signed = signed_region(headers, uri)?;
    let bucket = path_bucket(uri)?;
    if region_free(method, uri) {
        return None;
    }
    let region = store.bucket_region(&bucket).ok()?;
    if region == signed {
        return None;
    }
    Some(permanent_redirect(method, &bucket, &region))
}

fn permanent_redirect(method: &Method, bucket: &str, region: &str) -> Response<Body> {
    let rid = crate::server::s3_request_id();
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code>\
             <Message>The bucket you are attempting to access must be addressed using the specified \
             endpoint. Please send all future requests to this endpoint.</Message>\
             <Endpoint>{}</Endpoint><Bucket>{}</Bucket><RequestId>{rid}</RequestId>\
             <HostId>{rid}</HostId></Error>",
            xml_escape(&bucket_endpoint(bucket, region)),
            xml_escape(bucket)
        ))
    };
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
    let h = r.headers_mut();
    h.insert("x-amz-bucket-region", header_value(region));
    h.insert("x-amz-request-id", header_value(&rid));
    h.insert("x-amz-id-2", header_value(&rid));
    if method != Method::HEAD {
        h.insert(http::header::CONTENT_TYPE, header_value("application/xml"));
    }
    r
}

/// Escapes text for an XML element.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Why a CreateBucket cannot make a bucket where it asks (S3's code and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationError {
    /// `IllegalLocationConstraintException` or `InvalidLocationConstraint`.
    pub code: &'static str,
    /// S3's message.
    pub message: String,
}

/// The region a CreateBucket makes its bucket in, by S3's rules: the `LocationConstraint` (`EU`
/// is eu-west-1; absent or empty is us-east-1), which must be the region the request was signed
/// for (a request without a SigV4 region counts as us-east-1, S3's global endpoint);
/// `us-east-1` itself may not be named as a constraint.
pub fn create_bucket_region(
    constraint: Option<&str>,
    signed: Option<&str>,
) -> Result<String, LocationError> {
    let signed = signed.unwrap_or(DEFAULT_BUCKET_REGION);
    let wanted = match constraint.map(str::trim) {
        None | Some("") => None,
        Some("EU") => Some("eu-west-1"),
        Some(c) => Some(c),
    };
    match wanted {
        Some(DEFAULT_BUCKET_REGION) => Err(LocationError {
            code: "InvalidLocationConstraint",
            message: "The specified location-constraint is not valid".into(),
        }),
        None if signed == DEFAULT_BUCKET_REGION => Ok(DEFAULT_BUCKET_REGION.into()),
        None => Err(LocationError {
            code: "IllegalLocationConstraintException",
            message: "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.".into(),
        }),
        Some(c) if c == signed => Ok(c.to_string()),
        Some(c) => Err(LocationError {
            code: "IllegalLocationConstraintException",
            message: format!(
                "The {c} location constraint is incompatible for the region specific endpoint this request was sent to."
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn the_signed_region_comes_from_the_header_or_the_presigned_query() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::AUTHORIZATION,
            format!(
                "AWS4-HMAC-SHA256 Credential=AK/20250101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature={}",
                "ab".repeat(32)
            )
            .parse()
            .unwrap(),
        );
        assert_eq!(
            signed_region(&h, &uri("/b/k")).as_deref(),
            Some("eu-west-1")
        );
        let q = uri(
            "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%2F20250101%2Fap-south-1%2Fs3%2Faws4_request&X-Amz-Signature=ab",
        );
        assert_eq!(
            signed_region(&HeaderMap::new(), &q).as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(signed_region(&HeaderMap::new(), &uri("/b/k")), None);
    }

    #[test]
    fn location_and_create_are_answered_in_any_region() {
        assert!(region_free(&Method::GET, &uri("/b?location")));
        assert!(region_free(&Method::GET, &uri("/b/?location=")));
        assert!(region_free(&Method::PUT, &uri("/b")));
        assert!(!region_free(&Method::PUT, &uri("/b/k")));
        assert!(!region_free(&Method::GET, &uri("/b?list-type=2")));
        assert!(!region_free(&Method::HEAD, &uri("/b")));
        assert_eq!(path_bucket(&uri("/")), None);
        assert_eq!(path_bucket(&uri("/b/k/x")).as_deref(), Some("b"));
    }

    #[test]
    fn create_bucket_follows_s3_location_rules() {
        let ok = |c, s| create_bucket_region(c, s).map_err(|e| e.code);
        assert_eq!(ok(None, None), Ok("us-east-1".into()));
        assert_eq!(ok(None, Some("us-east-1")), Ok("us-east-1".into()));
        assert_eq!(ok(Some(""), Some("us-east-1")), Ok("us-east-1".into()));
        assert_eq!(
            ok(Some("eu-west-1"), Some("eu-west-1")),
            Ok("eu-west-1".into())
        );
        assert_eq!(ok(Some("EU"), Some("eu-west-1")), Ok("eu-west-1".into()));
        assert_eq!(
            ok(None, Some("eu-west-1")),
            Err("IllegalLocationConstraintException")
        );
        assert_eq!(
            ok(Some("eu-west-1"), Some("us-east-1")),
            Err("IllegalLocationConstraintException")
        );
        assert_eq!(
            ok(Some("us-east-1"), Some("us-east-1")),
            Err("InvalidLocationConstraint")
        );
    }

    #[test]
    fn redirect_endpoints_and_json_refusals() {
        assert_eq!(bucket_endpoint("g", "us-east-1"), "g.s3.amazonaws.com");
        assert_eq!(
            bucket_endpoint("g", "eu-west-1"),
            "g.s3.eu-west-1.amazonaws.com"
        );
        assert!(wrong_region_error("us-east-1", "us-east-1").is_none());
        let e = wrong_region_error("eu-west-1", "us-east-1").unwrap();
        assert_eq!(
            (e.status, e.code.as_str()),
            (403, "InvalidSignatureException")
        );
        assert!(e.message.contains("not 'eu-west-1'"), "{}", e.message);
    }
}
