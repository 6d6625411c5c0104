//! Untyped access to the members of a JSON 1.1 request body: a member of the wrong JSON type is a
//! `SerializationException`, as AWS's JSON services answer it.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::api_error::JsonError;

/// A malformed body (wrong JSON type for a member): what AWS JSON services call a
/// `SerializationException`.
pub(crate) fn serialization(msg: impl Into<String>) -> JsonError {
    JsonError::client("SerializationException", msg)
}

/// Typed access to members of a JSON request object; wrong types are SerializationExceptions.
pub(crate) struct Obj<'a> {
    map: Option<&'a Map<String, Value>>,
}

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

impl<'a> Obj<'a> {
    pub(crate) fn new(v: &'a Value, what: &str) -> Result<Self, JsonError> {
        match v {
            Value::Object(m) => Ok(Self { map: Some(m) }),
            Value::Null => Ok(Self { map: None }),
            _ => Err(serialization(format!("{what} must be a JSON object"))),
        }
    }
    pub(crate) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }
    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a string, got {other}"
            ))),
        }
    }
    pub(crate) fn int(&self, key: &str) -> Result<Option<i64>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Ok(Some(i)),
                None => Err(serialization(format!(
                    "{key}: expected an integer, got {n}"
                ))),
            },
            Some(other) => Err(serialization(format!(
                "{key}: expected an integer, got {other}"
            ))),
        }
    }
    pub(crate) fn num(&self, key: &str) -> Result<Option<f64>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(serialization(format!(
                "{key}: expected a number, got {other}"
            ))),
        }
    }
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a boolean, got {other}"
            ))),
        }
    }
    pub(crate) fn obj(&self, key: &str) -> Result<Option<Obj<'a>>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(Obj::new(v, key)?)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a structure, got {other}"
            ))),
        }
    }
    pub(crate) fn list(&self, key: &str) -> Result<Option<&'a Vec<Value>>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(serialization(format!(
                "{key}: expected a list, got {other}"
            ))),
        }
    }
    /// A string→string map (HyperParameters, Environment).
    pub(crate) fn string_map(&self, key: &str) -> Result<Option<Vec<(String, String)>>, JsonError> {
        match self.raw(key) {
            None => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Err(serialization(format!(
                        "{key}.{k}: expected a string value, got {other}"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(serialization(format!("{key}: expected a map, got {other}"))),
        }
    }
    pub(crate) fn map(&self) -> &'a Map<String, Value> {
        self.map.unwrap_or(&EMPTY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_types_are_serialization_errors() {
        let v = serde_json::json!({"InstanceCount": "5", "Name": 3});
        let o = Obj::new(&v, "body").ok();
        let o = o.as_ref();
        assert_eq!(
            o.and_then(|o| o.int("InstanceCount").err()).map(|e| e.code),
            Some("SerializationException".into())
        );
        assert_eq!(
            o.and_then(|o| o.str("Name").err()).map(|e| e.code),
            Some("SerializationException".into())
        );
        assert_eq!(o.and_then(|o| o.str("Missing").ok()), Some(None));
    }
}
