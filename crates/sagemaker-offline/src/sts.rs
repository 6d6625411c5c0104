//! STS `GetCallerIdentity`, so that `aws sts get-caller-identity --endpoint-url …` and the SDKs'
//! STS clients learn the stand-in's account (123456789012) as they would a real one's.
//!
//! STS speaks AWS's Query protocol: `Action=GetCallerIdentity&Version=2011-06-15` form-encoded in
//! a POST body (or in the query string of a GET), signed for service `sts`; the answer is XML in
//! the `https://sts.amazonaws.com/doc/2011-06-15/` namespace, and errors are `<ErrorResponse>`
//! documents. STS is answered whatever region the request was signed for (AWS has a regional STS
//! endpoint in every region and a global one signed for us-east-1, all of which answer this).
//! The caller is the stand-in's one key pair, reported as the IAM user `sagemaker-offline`.

use axum::body::Body;
use http::{Response, StatusCode};

use crate::api_error::header_value;
use crate::regions::xml_escape;

/// The STS API version the answers are in.
pub const VERSION: &str = "2011-06-15";
/// The name of the IAM user the key pair is reported as.
pub const USER_NAME: &str = "sagemaker-offline";
/// The IAM user id reported as `UserId` (an IAM user id is `AIDA` + 17 characters).
pub const USER_ID: &str = "AIDAOFFLINESTANDIN000";

/// Parses `application/x-www-form-urlencoded` text (`+` is a space; `%XX` escapes).
pub fn form_params(text: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        String::from_utf8_lossy(&crate::sigv4::percent_decode(&s.replace('+', " "))).into_owned()
    };
    text.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn xml_response(status: StatusCode, body: String, rid: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(http::header::CONTENT_TYPE, header_value("text/xml"));
    h.insert("x-amzn-RequestId", header_value(rid));
    r
}

/// An STS error document (`Sender` faults for 4xx, `Receiver` for 5xx).
pub fn error_response(status: u16, code: &str, message: &str, rid: &str) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let fault = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/{VERSION}/\">\n  <Error>\n    \
         <Type>{fault}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
         <RequestId>{rid}</RequestId>\n</ErrorResponse>\n",
        xml_escape(code),
        xml_escape(message)
    );
    xml_response(status, body, rid)
}

/// Answers a (verified) STS request with its form parameters.
pub fn handle(account_id: &str, params: &[(String, String)], rid: &str) -> Response<Body> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match get("Action") {
        None => error_response(400, "MissingAction", "Missing Action", rid),
        Some("GetCallerIdentity") => {
            let arn = format!("arn:aws:iam::{account_id}:user/{USER_NAME}");
            let body = format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/{VERSION}/\">\n  \
                 <GetCallerIdentityResult>\n    <Arn>{arn}</Arn>\n    <UserId>{USER_ID}</UserId>\n    \
                 <Account>{account_id}</Account>\n  </GetCallerIdentityResult>\n  \
                 <ResponseMetadata>\n    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n\
                 </GetCallerIdentityResponse>\n"
            );
            xml_response(StatusCode::OK, body, rid)
        }
        Some(other) => error_response(
            400,
            "InvalidAction",
            &format!(
                "Could not find operation {other} for version {} (sagemaker-offline serves GetCallerIdentity only)",
                get("Version").unwrap_or(VERSION)
            ),
            rid,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn text(r: Response<Body>) -> (u16, String) {
        let status = r.status().as_u16();
        let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn forms_decode_like_botocore_encodes() {
        assert_eq!(
            form_params("Action=GetCallerIdentity&Version=2011-06-15&X=a+b%2Fc&flag"),
            vec![
                ("Action".into(), "GetCallerIdentity".into()),
                ("Version".into(), "2011-06-15".into()),
                ("X".into(), "a b/c".into()),
                ("flag".into(), String::new()),
            ]
        );
    }

    #[tokio::test]
    async fn caller_identity_and_errors() {
        let p = form_params("Action=GetCallerIdentity&Version=2011-06-15");
        let (status, body) = text(handle("123456789012", &p, "rid")).await;
        assert_eq!(status, 200);
        assert!(body.contains("<Account>123456789012</Account>"), "{body}");
        assert!(
            body.contains("<Arn>arn:aws:iam::123456789012:user/sagemaker-offline</Arn>"),
            "{body}"
        );
        let (status, body) = text(handle(
            "123456789012",
            &form_params("Action=AssumeRole"),
            "r",
        ))
        .await;
        assert_eq!(status, 400);
        assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
        let (status, body) = text(handle("123456789012", &[], "r")).await;
        assert_eq!(status, 400);
        assert!(body.contains("<Code>MissingAction</Code>"), "{body}");
    }
}
