//! CloudWatch Logs paging: every event of a log stream, read forwards from its head.
//!
//! GetLogEvents pages end where the token says so, not where a page is empty. The Logs API
//! reference (GetLogEvents): "A returned page might only be partially full, or even empty ...
//! Partially full or empty pages don't necessarily mean that pagination is finished. As long as
//! the nextBackwardToken or nextForwardToken returned is NOT equal to the nextToken that you
//! passed ..., there might be more log events available." So [`forward_pages`] keeps asking with
//! each page's `nextForwardToken` until the token it gets back is the one it sent.

use std::future::Future;

use serde_json::{Value, json};

use crate::error::{KitError, KitResult};
use crate::json11::JsonClient;

/// Most pages read from one stream before giving up (a stream of the kit's jobs has a few
/// hundred events, one page; this only stops a service that never repeats its token).
pub const MAX_PAGES: usize = 10_000;

/// The events of one GetLogEvents answer as (epoch ms, message), and its `nextForwardToken`.
pub fn page_of(v: &Value) -> (Vec<(i64, String)>, Option<String>) {
    let events = v
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e.get("timestamp").and_then(Value::as_i64).unwrap_or(0),
                e.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let next = v
        .get("nextForwardToken")
        .and_then(Value::as_str)
        .map(str::to_string);
    (events, next)
}

/// Reads pages with `fetch(token)` (None = the first page) until the returned token equals the
/// one sent (or none is returned); returns every event, in order.
pub async fn forward_pages<F, Fut>(what: &str, mut fetch: F) -> KitResult<Vec<(i64, String)>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = KitResult<Value>>,
{
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (page, next) = page_of(&fetch(token.clone()).await?);
        events.extend(page);
        if next.is_none() || next == token {
            return Ok(events);
        }
        token = next;
    }
    Err(KitError::msg(format!(
        "{what}: GetLogEvents still returned new tokens after {MAX_PAGES} pages"
    )))
}

/// Every event of `stream` in `group`, from its head.
pub async fn stream_events(
    c: &JsonClient,
    group: &str,
    stream: &str,
) -> KitResult<Vec<(i64, String)>> {
    forward_pages(&format!("{group} {stream}"), |token| async move {
        let mut input =
            json!({"logGroupName": group, "logStreamName": stream, "startFromHead": true});
        if let Some(t) = token {
            input["nextToken"] = json!(t);
        }
        c.call("GetLogEvents", &input).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(events: &[(i64, &str)], next: &str) -> Value {
        json!({
            "events": events.iter().map(|(t, m)| json!({"timestamp": t, "message": m})).collect::<Vec<_>>(),
            "nextForwardToken": next,
            "nextBackwardToken": "b",
        })
    }

    /// Pages as AWS may send them: an empty first page, events, an empty page in the middle, more
    /// events, then the token repeated at the end.
    #[test]
    fn empty_pages_do_not_end_the_stream() {
        let pages = [
            (None, page(&[], "f/1")),
            (Some("f/1"), page(&[(1, "a"), (2, "b")], "f/2")),
            (Some("f/2"), page(&[], "f/3")),
            (Some("f/3"), page(&[(3, "c")], "f/4")),
            (Some("f/4"), page(&[], "f/4")),
        ];
        let mut asked = Vec::new();
        let events = crate::aws::block_on(forward_pages("test", |token| {
            asked.push(token.clone());
            let answer = pages
                .iter()
                .find(|(t, _)| t.map(str::to_string) == token)
                .map(|(_, v)| v.clone())
                .expect("a token the test sent");
            async move { Ok::<_, KitError>(answer) }
        }))
        .unwrap()
        .unwrap();
        assert_eq!(
            events,
            vec![(1, "a".to_string()), (2, "b".into()), (3, "c".into())]
        );
        assert_eq!(asked.len(), 5, "asked until the token repeated: {asked:?}");
    }

    #[test]
    fn a_service_that_never_repeats_its_token_is_an_error() {
        let mut n = 0u64;
        let r = crate::aws::block_on(forward_pages("endless", |_| {
            n += 1;
            let v = page(&[], &format!("f/{n}"));
            async move { Ok::<_, KitError>(v) }
        }))
        .unwrap();
        assert!(r.unwrap_err().to_string().contains("10000 pages"));
    }
}
