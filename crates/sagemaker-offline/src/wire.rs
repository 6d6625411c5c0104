//! Reading a JSON 1.1 request body into the operation's typed request (`sagemaker-api`).
//!
//! AWS's JSON services answer a body that is not JSON, not an object, or has a member of the wrong
//! JSON type with `SerializationException`; the services here do the same, naming the member
//! (`serde_path_to_error` gives its path). An empty (or all-whitespace) body is an empty object,
//! as the AWS CLI sends for operations without required members. Each service words the message.

use serde::de::DeserializeOwned;

/// Why a body does not fit the operation's request type.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Not JSON at all.
    NotJson(serde_json::Error),
    /// JSON, but not an object.
    NotObject,
    /// A member of the wrong JSON type (or out of its type's range): its path and serde's error.
    Member(String, serde_json::Error),
}

/// Parses `body` as the request type `T`.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    let text = body.trim_ascii();
    let text: &[u8] = if text.is_empty() { b"{}" } else { text };
    // serde's derived structs also accept JSON arrays (members by position): refuse them here.
    if text.first() != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(text) {
            Ok(_) => Err(BodyError::NotObject),
            Err(e) => Err(BodyError::NotJson(e)),
        };
    }
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            BodyError::NotJson(inner)
        } else {
            BodyError::Member(path, inner)
        }
    })?;
    de.end().map_err(BodyError::NotJson)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Req {
        name: Option<String>,
        items: Option<Vec<Item>>,
    }
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        n: Option<i32>,
    }

    #[test]
    fn kinds_of_bad_bodies() {
        assert_eq!(
            parse_body::<Req>(b"  ").ok(),
            Some(Req {
                name: None,
                items: None
            })
        );
        assert!(matches!(
            parse_body::<Req>(b"{nope"),
            Err(BodyError::NotJson(_))
        ));
        assert!(matches!(
            parse_body::<Req>(b"[\"a\"]"),
            Err(BodyError::NotObject)
        ));
        assert!(matches!(
            parse_body::<Req>(b"null"),
            Err(BodyError::NotObject)
        ));
        assert!(matches!(
            parse_body::<Req>(b"[1"),
            Err(BodyError::NotJson(_))
        ));
        assert!(matches!(
            parse_body::<Req>(b"{} x"),
            Err(BodyError::NotJson(_))
        ));
        match parse_body::<Req>(br#"{"items": [{"n": 1}, {"n": "2"}]}"#) {
            Err(BodyError::Member(path, _)) => assert_eq!(path, "items[1].n"),
            other => panic!("{other:?}"),
        }
        match parse_body::<Req>(br#"{"name": 5}"#) {
            Err(BodyError::Member(path, e)) => {
                assert_eq!(path, "name");
                assert!(
                    e.to_string()
                        .starts_with("invalid type: integer `5`, expected a string")
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
