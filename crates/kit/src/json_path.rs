//! One value out of a JSON document by a dotted path: object keys, list indexes (`0`, `-1` for the
//! last), as the scripts read AWS CLI answers (`kit json ProductionVariants.0.ModelName`).

use serde_json::Value;

/// The value at `path` (`""` is the whole document).
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = v;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        node = match node {
            Value::Array(a) => {
                let i: i64 = part.parse().ok()?;
                let i = if i < 0 { a.len() as i64 + i } else { i };
                a.get(usize::try_from(i).ok()?)?
            }
            Value::Object(m) => m.get(part)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The value as the scripts print it: strings bare, null as nothing, objects and lists as JSON.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => Some(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let v: Value = serde_json::from_str(
            r#"{"A":{"B":"x"},"L":[{"N":1},{"N":2,"M":"last"}],"F":1.5,"Z":null}"#,
        )
        .unwrap();
        assert_eq!(at(&v, "A.B").and_then(text).as_deref(), Some("x"));
        assert_eq!(at(&v, "L.0.N").and_then(text).as_deref(), Some("1"));
        assert_eq!(at(&v, "L.-1.M").and_then(text).as_deref(), Some("last"));
        assert_eq!(at(&v, "L.2"), None);
        assert_eq!(at(&v, "L.-3"), None);
        assert_eq!(at(&v, "F").and_then(text).as_deref(), Some("1.5"));
        assert_eq!(at(&v, "Z").and_then(text), None);
        assert_eq!(at(&v, "A").and_then(text).as_deref(), Some(r#"{"B":"x"}"#));
        assert_eq!(at(&v, "Q.R"), None);
    }
}
