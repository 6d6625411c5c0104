//! CloudWatch Logs filter patterns, the unstructured-text subset FilterLogEvents needs: the
//! syntax is described at
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>.
//! JSON and space-delimited (`[a, b]`) patterns are not supported.

/// Whether a message matches a CloudWatch filter pattern (the unstructured-text subset: empty
/// matches everything; `"a phrase"` matches the phrase; otherwise every space-separated term
/// must occur; all case-sensitive).
pub(crate) fn pattern_matches(pattern: &str, message: &str) -> bool {
    let p = pattern.trim();
    if p.is_empty() {
        return true;
    }
    if p.len() >= 2 && p.starts_with('"') && p.ends_with('"') {
        return message.contains(&p[1..p.len() - 1]);
    }
    let mut terms = Vec::new();
    let mut rest = p;
    while !rest.is_empty() {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix('"') {
            let (phrase, after) = r.split_once('"').unwrap_or((r, ""));
            terms.push(phrase);
            rest = after;
        } else {
            let (term, after) = rest.split_once(' ').unwrap_or((rest, ""));
            if !term.is_empty() {
                terms.push(term);
            }
            rest = after;
        }
    }
    terms.iter().all(|t| message.contains(t))
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    #[test]
    fn terms_phrases_and_empty() {
        assert!(pattern_matches("", "anything"));
        assert!(pattern_matches("a b", "b then a"));
        assert!(!pattern_matches("a c", "b then a"));
        assert!(pattern_matches("\"then a\"", "b then a"));
        assert!(!pattern_matches("\"a then\"", "b then a"));
        assert!(pattern_matches("b \"then a\"", "b then a"));
        assert!(!pattern_matches("A", "b then a"), "case-sensitive");
    }
}
