//! The model's constraints, checked the way SageMaker reports them.
//!
//! The service validates a request against its model and answers with one `ValidationException`
//! whose message lists every violation in the Coral form
//! `N validation error(s) detected: Value '…' at 'memberPath' failed to satisfy constraint: …`.
//! botocore and the AWS CLI check only required members, types and `min` client-side, and the Rust
//! SDKs check nothing, so the stand-in has to. `Checker` collects violations in exactly that
//! format; the generated `Validate` impls walk a request and feed it the rules of the model
//! (`<service>::rules`). Member paths are camel-cased member names joined by `.`; list members
//! are `list.<1-based index>.member`, map entries `map.<key>.key` / `map.<key>.value`.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;

/// One shape's documented constraints (`min`/`max` are lengths for strings, lists and maps, and
/// value bounds for numbers), as the model states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The model's shape name.
    pub shape: &'static str,
    /// Minimum length or value.
    pub min: Option<i64>,
    /// Maximum length or value.
    pub max: Option<i64>,
    /// The model's regular expression (Java syntax; checked as a full-string match).
    pub pattern: Option<&'static str>,
    /// The pattern as the service quotes it in its messages, where that differs from `pattern`
    /// (SageMaker keeps `^`/`$` anchors that botocore's models dropped).
    pub message_pattern: Option<&'static str>,
    /// The allowed values of an enum shape (empty otherwise).
    pub values: &'static [&'static str],
}

impl Rule {
    /// Whether `v` matches the rule's pattern in full. `None` when the rule has no pattern or its
    /// pattern is not valid in the `regex` crate's syntax (then nothing is reported for it).
    pub fn pattern_matches(&self, v: &str) -> Option<bool> {
        self.pattern.and_then(full_regex).map(|re| re.is_match(v))
    }
}

/// A member of a request structure with its constraints: one row of a service's
/// `rules::MEMBERS` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberRule {
    /// The structure's shape name, e.g. `ResourceConfig`.
    pub structure: &'static str,
    /// The member's wire name, e.g. `InstanceCount`.
    pub member: &'static str,
    /// The member's segment in a message path, e.g. `instanceCount`.
    pub path: &'static str,
    /// Whether the model requires the member.
    pub required: bool,
    /// The constraints of the member's shape, if it has any.
    pub rule: Option<&'static Rule>,
}

/// The row of `table` for `structure.member`.
pub fn member_rule(
    table: &'static [MemberRule],
    structure: &str,
    member: &str,
) -> Option<&'static MemberRule> {
    table
        .iter()
        .find(|r| r.structure == structure && r.member == member)
}

/// A request member tree that can report its constraint violations.
pub trait Validate {
    /// Reports every violation below `path` ("" at the top) to `c`.
    fn validate(&self, path: &str, c: &mut Checker);
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, path: &str, c: &mut Checker) {
        (**self).validate(path, c);
    }
}

/// The model's patterns are Java regular expressions. The `regex` crate reads most of them as they
/// are; this rewrites the POSIX-class escapes it spells differently (`\p{Alnum}`, `\p{Print}`, …,
/// inside or outside a bracket class). Lookaround (`(?!`, `(?<!`) has no equivalent: such a
/// pattern does not compile and is not enforced (a handful of shapes the kit does not use; the
/// tests list them).
fn java_to_rust(pattern: &str) -> String {
    const CLASSES: &[(&str, &str)] = &[
        ("\\p{Alnum}", "alnum"),
        ("\\p{Alpha}", "alpha"),
        ("\\p{Print}", "print"),
        ("\\p{Graph}", "graph"),
        ("\\p{Punct}", "punct"),
        ("\\p{Digit}", "digit"),
        ("\\p{Upper}", "upper"),
        ("\\p{Lower}", "lower"),
        ("\\p{Space}", "space"),
    ];
    let mut out = String::new();
    let mut in_class = false;
    let mut rest = pattern;
    'scan: while let Some(c) = rest.chars().next() {
        for (java, posix) in CLASSES {
            if let Some(after) = rest.strip_prefix(java) {
                if in_class {
                    out.push_str(&format!("[:{posix}:]"));
                } else {
                    out.push_str(&format!("[[:{posix}:]]"));
                }
                rest = after;
                continue 'scan;
            }
        }
        if c == '\\' {
            let mut it = rest.chars();
            it.next();
            out.push('\\');
            if let Some(n) = it.next() {
                out.push(n);
            }
            rest = it.as_str();
            continue;
        }
        match c {
            '[' => in_class = true,
            ']' => in_class = false,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `pattern` compiled as a full-string match (a leading `^` / trailing `$` are dropped first), once.
/// `None` when the pattern uses Java syntax the `regex` crate lacks (lookaround).
pub fn full_regex(pattern: &'static str) -> Option<&'static Regex> {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, Option<&'static Regex>>>> =
        LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    *cache.entry(pattern).or_insert_with(|| {
        let body = java_to_rust(pattern.trim_start_matches('^').trim_end_matches('$'));
        Regex::new(&format!("^(?:{body})$"))
            .ok()
            .map(|re| &*Box::leak(Box::new(re)))
    })
}

/// Collects constraint violations, then reports them all in one Coral-style message.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Checker {
    errors: Vec<String>,
}

/// A value as Coral shows it: quoted, bounded for huge values.
fn shown(v: &str) -> String {
    if v.chars().count() > 256 {
        let cut: String = v.chars().take(256).collect();
        format!("{cut}…")
    } else {
        v.to_string()
    }
}

impl Checker {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `parent.member` (or `member` at the top).
    pub fn path(parent: &str, member: &str) -> String {
        if parent.is_empty() {
            member.to_string()
        } else {
            format!("{parent}.{member}")
        }
    }

    /// The path of a list's `index`th (0-based) element: `list.<index + 1>.member`.
    pub fn list_member(list: &str, index: usize) -> String {
        format!("{list}.{}.member", index + 1)
    }

    /// The path of a map entry's key: `map.<key>.key`.
    pub fn map_key(map: &str, key: &str) -> String {
        format!("{map}.{key}.key")
    }

    /// The path of a map entry's value: `map.<key>.value`.
    pub fn map_value(map: &str, key: &str) -> String {
        format!("{map}.{key}.value")
    }

    /// Records `Value <v> at '<path>' failed to satisfy constraint: <constraint>` (`null` for `None`).
    pub fn add(&mut self, value: Option<&str>, path: &str, constraint: &str) {
        let v = match value {
            Some(v) => format!("'{}'", shown(v)),
            None => "null".to_string(),
        };
        self.errors.push(format!(
            "Value {v} at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A required member is absent.
    pub fn missing(&mut self, path: &str) {
        self.add(None, path, "Member must not be null");
    }

    /// Length bounds, then the pattern, of a string member.
    pub fn string(&mut self, v: &str, path: &str, rule: &Rule) {
        self.string_bounds(v, path, rule.min, rule.max);
        if let (Some(false), Some(p)) = (
            rule.pattern_matches(v),
            rule.message_pattern.or(rule.pattern),
        ) {
            self.add(
                Some(v),
                path,
                &format!("Member must satisfy regular expression pattern: {p}"),
            );
        }
    }

    /// Length bounds of a string member (in characters).
    pub fn string_bounds(&mut self, v: &str, path: &str, min: Option<i64>, max: Option<i64>) {
        let n = i64::try_from(v.chars().count()).unwrap_or(i64::MAX);
        if let Some(min) = min
            && n < min
        {
            self.add(
                Some(v),
                path,
                &format!("Member must have length greater than or equal to {min}"),
            );
        }
        if let Some(max) = max
            && n > max
        {
            self.add(
                Some(v),
                path,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// An enum member: `known` is false for a value outside the model's set.
    pub fn enumeration(&mut self, v: &str, known: bool, path: &str, rule: &Rule) {
        if !known {
            self.one_of(v, path, rule.values);
        }
    }

    /// A string that must be one of `allowed`.
    pub fn one_of(&mut self, v: &str, path: &str, allowed: &[&str]) {
        if !allowed.contains(&v) {
            self.add(
                Some(v),
                path,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
    }

    /// Value bounds of an integer member.
    pub fn number(&mut self, v: i64, path: &str, rule: &Rule) {
        if let Some(min) = rule.min {
            self.at_least(v, path, min);
        }
        if let Some(max) = rule.max {
            self.at_most(v, path, max);
        }
    }

    /// Value bounds of a floating-point member.
    pub fn float(&mut self, v: f64, path: &str, rule: &Rule) {
        if let Some(min) = rule.min
            && v < min as f64
        {
            self.add(
                Some(&v.to_string()),
                path,
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
        if let Some(max) = rule.max
            && v > max as f64
        {
            self.add(
                Some(&v.to_string()),
                path,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    /// `v >= min`.
    pub fn at_least(&mut self, v: i64, path: &str, min: i64) {
        if v < min {
            self.add(
                Some(&v.to_string()),
                path,
                &format!("Member must have value greater than or equal to {min}"),
            );
        }
    }

    /// `v <= max`.
    pub fn at_most(&mut self, v: i64, path: &str, max: i64) {
        if v > max {
            self.add(
                Some(&v.to_string()),
                path,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }

    /// Length bounds of a list or map: one "between" violation when the rule has a positive
    /// minimum and a maximum, else a violation per bound. The value shown is the length.
    pub fn length(&mut self, len: usize, path: &str, rule: &Rule) {
        let n = i64::try_from(len).unwrap_or(i64::MAX);
        let shown = len.to_string();
        match (rule.min.filter(|m| *m > 0), rule.max) {
            (Some(min), Some(max)) => {
                if n < min || n > max {
                    self.add(
                        Some(&shown),
                        path,
                        &format!("Member must have length between {min} and {max}"),
                    );
                }
            }
            (min, max) => {
                if let Some(min) = min
                    && n < min
                {
                    self.add(
                        Some(&shown),
                        path,
                        &format!("Member must have length greater than or equal to {min}"),
                    );
                }
                if let Some(max) = max
                    && n > max
                {
                    self.add(
                        Some(&shown),
                        path,
                        &format!("Member must have length less than or equal to {max}"),
                    );
                }
            }
        }
    }

    /// The violations recorded so far, in order.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// `Ok` when nothing was found, else the `ValidationException` message.
    pub fn finish(self) -> Result<(), String> {
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(format!("1 validation error detected: {}", self.errors[0])),
            n => Err(format!(
                "{n} validation errors detected: {}",
                self.errors.join("; ")
            )),
        }
    }
}

/// Validates a whole request: `Ok`, or the `ValidationException` message.
pub fn validate<T: Validate>(request: &T) -> Result<(), String> {
    let mut c = Checker::new();
    request.validate("", &mut c);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_classes_are_rewritten() {
        assert_eq!(java_to_rust("[\\p{Alnum}\\-]+"), "[[:alnum:]\\-]+");
        assert_eq!(
            java_to_rust("\\A\\S[\\p{Print}]*\\z"),
            "\\A\\S[[:print:]]*\\z"
        );
        assert_eq!(java_to_rust("a\\p{Alnum}"), "a[[:alnum:]]");
        assert_eq!(java_to_rust("[\\]a]"), "[\\]a]");
    }
}
