//! CloudWatch Logs paging: every event of a log stream, read forwards from its head.
//!
//! GetLogEvents pages end where the token says so, not where a page is empty. The Logs API
//! reference (GetLogEvents): "A returned page might only be partially full, or even empty ...
//! Partially full or empty pages don't necessarily mean that pagination is finished. As long as
//! the nextBackwardToken or nextForwardToken returned is NOT equal to the nextToken that you
//! passed ..., there might be more log events available." So [`forward_pages`] keeps asking with
//! each page's `nextForwardToken` until the token it gets back is the one it sent.
//!
//! On top of that, a job's log events ([`job_log_events`]) and what the notebooks read from them:
//! the original notebook's log-based timing and the hosts' throughput lines (parsed by
//! `linear_learner::log_lines`, the one definition of each line's format).

use std::collections::BTreeMap;
use std::future::Future;

use sagemaker_api::logs::{DescribeLogStreamsRequest, GetLogEventsRequest, GetLogEventsResponse};

use crate::aws::{block_on, sdk_config};
use crate::error::{KitError, KitResult};
use crate::json11::{JsonClient, Service};

/// CloudWatch log group of training jobs.
pub const TRAINING_LOG_GROUP: &str = "/aws/sagemaker/TrainingJobs";

/// Most pages read from one stream before giving up (a stream of the kit's jobs has a few
/// hundred events, one page; this only stops a service that never repeats its token).
pub const MAX_PAGES: usize = 10_000;

/// The events of one GetLogEvents answer as (epoch ms, message), and its `nextForwardToken`.
pub fn page_of(page: GetLogEventsResponse) -> (Vec<(i64, String)>, Option<String>) {
    let events = page
        .events
        .into_iter()
        .flatten()
        .map(|e| (e.timestamp.unwrap_or(0), e.message.unwrap_or_default()))
        .collect();
    (events, page.next_forward_token)
}

/// Reads pages with `fetch(token)` (None = the first page) until the returned token equals the
/// one sent (or none is returned); returns every event, in order.
pub async fn forward_pages<F, Fut>(what: &str, mut fetch: F) -> KitResult<Vec<(i64, String)>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = KitResult<GetLogEventsResponse>>,
{
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let (page, next) = page_of(fetch(token.clone()).await?);
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
        let request = GetLogEventsRequest {
            log_group_name: Some(group.into()),
            log_stream_name: Some(stream.into()),
            start_from_head: Some(true),
            next_token: token,
            ..Default::default()
        };
        c.send(&request).await
    })
    .await
}

/// Every log event (epoch ms, message) of every stream of `job` in the training log group.
pub fn job_log_events(job: &str) -> KitResult<BTreeMap<String, Vec<(i64, String)>>> {
    block_on(async {
        let conf = sdk_config().await;
        let c = JsonClient::new(&conf, Service::Logs)?;
        let mut streams = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = DescribeLogStreamsRequest {
                log_group_name: Some(TRAINING_LOG_GROUP.into()),
                log_stream_name_prefix: Some(job.into()),
                next_token: token.take(),
                ..Default::default()
            };
            let page = c.send(&request).await?;
            streams.extend(
                page.log_streams
                    .into_iter()
                    .flatten()
                    .filter_map(|st| st.log_stream_name),
            );
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        let mut out = BTreeMap::new();
        for stream in streams {
            let events = stream_events(&c, TRAINING_LOG_GROUP, &stream).await?;
            out.insert(stream, events);
        }
        Ok(out)
    })?
}

/// The original notebook's `get_train_timing`: minutes between the first and the last log event
/// of all of a job's streams.
pub fn log_timing_minutes(job: &str) -> KitResult<f64> {
    let events = job_log_events(job)?;
    let times: Vec<i64> = events.values().flatten().map(|(t, _)| *t).collect();
    let (Some(min), Some(max)) = (times.iter().min(), times.iter().max()) else {
        return Err(KitError::msg(format!(
            "no log events for {job} in {TRAINING_LOG_GROUP}"
        )));
    };
    Ok((max - min) as f64 / 60000.0)
}

/// Parses `#throughput_metric: host=algo-N, train throughput=X records/second` lines, with the
/// parser that sits next to the line's format in `linear_learner::log_lines`.
pub fn parse_throughput(line: &str) -> Option<(String, f64)> {
    match linear_learner::log_lines::parse(line)? {
        linear_learner::log_lines::MetricLine::Throughput {
            host,
            records_per_second,
        } => Some((host, records_per_second)),
        _ => None,
    }
}

/// Mean train throughput (records/second) per host, from the job's logs.
pub fn host_throughput(job: &str) -> KitResult<Vec<(String, f64)>> {
    let events = job_log_events(job)?;
    let mut acc: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for (_, msg) in events.values().flatten() {
        if let Some((host, v)) = parse_throughput(msg) {
            let e = acc.entry(host).or_default();
            e.0 += v;
            e.1 += 1;
        }
    }
    Ok(acc
        .into_iter()
        .map(|(h, (sum, n))| (h, sum / n as f64))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(events: &[(i64, &str)], next: &str) -> GetLogEventsResponse {
        GetLogEventsResponse {
            events: Some(
                events
                    .iter()
                    .map(|(t, m)| sagemaker_api::logs::OutputLogEvent {
                        timestamp: Some(*t),
                        message: Some(m.to_string()),
                        ingestion_time: None,
                    })
                    .collect(),
            ),
            next_forward_token: Some(next.into()),
            next_backward_token: Some("b".into()),
        }
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
    fn throughput_lines() {
        let l = "[11/26/2026 02:17:21 INFO 140] #throughput_metric: host=algo-3, train throughput=2772.79070404 records/second";
        assert_eq!(parse_throughput(l), Some(("algo-3".into(), 2772.79070404)));
        assert_eq!(
            parse_throughput("#progress_metric: host=algo-1, completed 6 %"),
            None
        );
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
