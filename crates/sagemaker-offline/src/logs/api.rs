//! The CloudWatch Logs JSON 1.1 API (`X-Amz-Target: Logs_20140328.<Op>`): CreateLogGroup,
//! CreateLogStream, PutLogEvents, DescribeLogGroups, DescribeLogStreams, GetLogEvents and
//! FilterLogEvents over the [`LogStore`]. Each request body is read into the operation's
//! `sagemaker_api::logs` request type and each answer is serialized from its response type;
//! errors carry CloudWatch's codes.
//!
//! The paging tokens follow what the AWS CLI and boto3 paginators rely on: GetLogEvents answers
//! the same token again at either end of a stream, and the paginators stop on a repeated token
//! (see `docs/SEMANTICS.md`).

use sagemaker_api::ErrorCode;
use sagemaker_api::logs::{
    CreateLogGroupRequest, CreateLogStreamRequest, DescribeLogGroupsRequest,
    DescribeLogGroupsResponse, DescribeLogStreamsRequest, DescribeLogStreamsResponse,
    FilterLogEventsRequest, FilterLogEventsResponse, FilteredLogEvent, GetLogEventsRequest,
    GetLogEventsResponse, LogGroup, LogGroupClass, LogStream, OrderBy, OutputLogEvent,
    PutLogEventsRequest, PutLogEventsResponse, SearchedLogStream,
};
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use super::filter::pattern_matches;
use super::store::{LogError, LogEvent, LogStore, Stored, Stream, fs_name, now_ms};
use crate::api_error::JsonError;
use crate::ctx::Ctx;
use crate::wire::{BodyError, parse_body};

fn invalid_param(msg: impl Into<String>) -> JsonError {
    JsonError::of(&ErrorCode::InvalidParameterException, msg)
}

fn not_found(msg: impl Into<String>) -> JsonError {
    JsonError::of(&ErrorCode::ResourceNotFoundException, msg)
}

impl From<LogError> for JsonError {
    fn from(e: LogError) -> Self {
        match e {
            LogError::NoSuchGroup(_) | LogError::NoSuchStream(..) => not_found(e.to_string()),
            LogError::GroupExists(_) | LogError::StreamExists(..) => {
                JsonError::of(&ErrorCode::ResourceAlreadyExistsException, e.to_string())
            }
            LogError::Invalid(m) => invalid_param(m),
            LogError::Io(io) => JsonError::internal(format!("log store I/O error: {io}")),
        }
    }
}

/// The body as the operation's request type; what does not fit is a `SerializationException`.
fn request<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonError> {
    parse_body(body).map_err(|e| {
        let message = match e {
            BodyError::NotJson(e) => format!("request body is not valid JSON: {e}"),
            BodyError::NotObject => "request body must be a JSON object".to_string(),
            BodyError::Member(path, e) => format!("parameter {path}: {e}"),
        };
        JsonError::of(&ErrorCode::SerializationException, message)
    })
}

/// A response type as the JSON body.
fn response<T: Serialize>(r: &T) -> Result<Value, JsonError> {
    serde_json::to_value(r).map_err(|e| JsonError::internal(format!("response not encodable: {e}")))
}

/// `limit` between 1 and `max` (CloudWatch's message when it is not), `default` when absent.
fn limit(limit: Option<i32>, max: i64, default: i64) -> Result<usize, JsonError> {
    let v = limit.map_or(default, i64::from);
    if !(1..=max).contains(&v) {
        return Err(invalid_param(format!(
            "1 validation error detected: Value '{v}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {max}"
        )));
    }
    usize::try_from(v).map_err(|_| invalid_param(format!("limit {v} out of range")))
}

/// `logGroupName` or `logGroupIdentifier` (name or ARN).
fn group(name: Option<&str>, identifier: Option<&str>) -> Result<String, JsonError> {
    if let Some(n) = name {
        return Ok(n.to_string());
    }
    if let Some(id) = identifier {
        if let Some(rest) = id.strip_prefix("arn:")
            && let Some(pos) = rest.find(":log-group:")
        {
            let name = &rest[pos + ":log-group:".len()..];
            return Ok(name.strip_suffix(":*").unwrap_or(name).to_string());
        }
        return Ok(id.to_string());
    }
    Err(invalid_param(
        "Either logGroupName or logGroupIdentifier must be specified",
    ))
}

fn stream_name(name: Option<&str>) -> Result<&str, JsonError> {
    name.ok_or_else(|| invalid_param("logStreamName is required"))
}

fn group_arn(ctx: &Ctx, group: &str) -> String {
    format!(
        "arn:aws:logs:{}:{}:log-group:{}",
        ctx.region, ctx.account_id, group
    )
}

fn parse_token(token: &str, kind: char) -> Option<usize> {
    let rest = token.strip_prefix(kind)?.strip_prefix('/')?;
    rest.parse().ok()
}

fn bad_token() -> JsonError {
    invalid_param("The specified nextToken is invalid.")
}

/// Approximate per-event size CloudWatch counts against the 1 MB response limit.
fn event_size(e: &Stored) -> usize {
    e.message.len() + 26
}
const MAX_RESPONSE_BYTES: usize = 1_048_576;

/// Handles one `Logs_20140328.<op>` request (after authentication). Ok = the JSON response body.
pub fn handle(ctx: &Ctx, op: &str, body: &[u8]) -> Result<Value, JsonError> {
    let store = &ctx.logs;
    match op {
        "CreateLogGroup" => {
            let req: CreateLogGroupRequest = request(body)?;
            store.create_group(&group(req.log_group_name.as_deref(), None)?)?;
            Ok(Value::Object(serde_json::Map::new()))
        }
        "CreateLogStream" => {
            let req: CreateLogStreamRequest = request(body)?;
            let stream = stream_name(req.log_stream_name.as_deref())?;
            store.create_stream(&group(req.log_group_name.as_deref(), None)?, stream)?;
            Ok(Value::Object(serde_json::Map::new()))
        }
        "PutLogEvents" => put_log_events(store, &request(body)?),
        "DescribeLogGroups" => describe_log_groups(ctx, &request(body)?),
        "DescribeLogStreams" => describe_log_streams(ctx, &request(body)?),
        "GetLogEvents" => get_log_events(store, &request(body)?),
        "FilterLogEvents" => filter_log_events(store, &request(body)?),
        _ => {
            // A malformed body is reported before the unknown operation, as for the known ones.
            request::<IgnoredAny>(body)?;
            Err(JsonError::of(
                &ErrorCode::UnknownOperationException,
                format!("Operation Logs_20140328.{op} is not supported by sagemaker-offline"),
            ))
        }
    }
}

fn put_log_events(store: &LogStore, req: &PutLogEventsRequest) -> Result<Value, JsonError> {
    let group = group(req.log_group_name.as_deref(), None)?;
    let stream = stream_name(req.log_stream_name.as_deref())?;
    let Some(items) = &req.log_events else {
        return Err(invalid_param("logEvents is required and must be a list"));
    };
    if items.is_empty() || items.len() > 10_000 {
        return Err(invalid_param(format!(
            "logEvents must contain 1 to 10000 events, got {}",
            items.len()
        )));
    }
    let mut events = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        match (it.timestamp, &it.message) {
            (Some(timestamp), Some(message)) => events.push(LogEvent {
                timestamp,
                message: message.clone(),
            }),
            _ => {
                return Err(invalid_param(format!(
                    "logEvents[{i}] must have an integer timestamp and a string message"
                )));
            }
        }
    }
    if events.windows(2).any(|w| w[1].timestamp < w[0].timestamp) {
        return Err(invalid_param(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    store.put_events(&group, stream, &events)?;
    response(&PutLogEventsResponse {
        next_sequence_token: Some(format!("{:056}", now_ms())),
        ..Default::default()
    })
}

fn page_offset(token: Option<&str>) -> Result<usize, JsonError> {
    match token {
        None => Ok(0),
        Some(t) => parse_token(t, 'o').ok_or_else(bad_token),
    }
}

/// One page of `all` from `offset`, and the token of the next page if there is one.
fn page<T>(all: Vec<T>, offset: usize, limit: usize) -> (Vec<T>, Option<String>) {
    let total = all.len();
    let items: Vec<T> = all.into_iter().skip(offset).take(limit).collect();
    let end = offset.saturating_add(items.len());
    let next = (end < total).then(|| format!("o/{end}"));
    (items, next)
}

fn describe_log_groups(ctx: &Ctx, req: &DescribeLogGroupsRequest) -> Result<Value, JsonError> {
    let prefix = req.log_group_name_prefix.as_deref().unwrap_or("");
    let pattern = req.log_group_name_pattern.as_deref();
    let limit = limit(req.limit, 50, 50)?;
    let offset = page_offset(req.next_token.as_deref())?;
    let groups = ctx.logs.lock();
    let all: Vec<LogGroup> = groups
        .iter()
        .filter(|(name, _)| name.starts_with(prefix) && pattern.is_none_or(|p| name.contains(p)))
        .map(|(name, g)| LogGroup {
            log_group_name: Some(name.clone()),
            creation_time: Some(g.creation_time),
            metric_filter_count: Some(0),
            arn: Some(format!("{}:*", group_arn(ctx, name))),
            log_group_arn: Some(group_arn(ctx, name)),
            stored_bytes: Some(0),
            log_group_class: Some(LogGroupClass::Standard),
            ..Default::default()
        })
        .collect();
    let (log_groups, next_token) = page(all, offset, limit);
    response(&DescribeLogGroupsResponse {
        log_groups: Some(log_groups),
        next_token,
    })
}

fn describe_log_streams(ctx: &Ctx, req: &DescribeLogStreamsRequest) -> Result<Value, JsonError> {
    let group = group(
        req.log_group_name.as_deref(),
        req.log_group_identifier.as_deref(),
    )?;
    let prefix = req.log_stream_name_prefix.as_deref();
    let descending = req.descending.unwrap_or(false);
    let limit = limit(req.limit, 50, 50)?;
    let offset = page_offset(req.next_token.as_deref())?;
    let by_time = match &req.order_by {
        None | Some(OrderBy::LogStreamName) => false,
        Some(OrderBy::LastEventTime) => true,
        Some(other) => {
            return Err(invalid_param(format!(
                "1 validation error detected: Value '{other}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]"
            )));
        }
    };
    if by_time && prefix.is_some() {
        return Err(invalid_param(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let groups = ctx.logs.lock();
    let g = groups
        .get(&group)
        .ok_or_else(|| not_found("The specified log group does not exist."))?;
    let mut rows: Vec<(&String, &Stream)> = g
        .streams
        .iter()
        .filter(|(n, _)| prefix.is_none_or(|p| n.starts_with(p)))
        .collect();
    if by_time {
        rows.sort_by_key(|(n, s)| {
            (
                s.events.last().map_or(s.creation_time, |e| e.timestamp),
                (*n).clone(),
            )
        });
    }
    if descending {
        rows.reverse();
    }
    let arn = group_arn(ctx, &group);
    let all: Vec<LogStream> = rows
        .into_iter()
        .map(|(name, s)| LogStream {
            log_stream_name: Some(name.clone()),
            creation_time: Some(s.creation_time),
            first_event_timestamp: s.events.first().map(|e| e.timestamp),
            last_event_timestamp: s.events.last().map(|e| e.timestamp),
            last_ingestion_time: s.last_ingestion,
            upload_sequence_token: Some(format!("{:056}", s.events.len())),
            arn: Some(format!("{arn}:log-stream:{name}")),
            stored_bytes: Some(0),
        })
        .collect();
    let (log_streams, next_token) = page(all, offset, limit);
    response(&DescribeLogStreamsResponse {
        log_streams: Some(log_streams),
        next_token,
    })
}

fn time_window(start: Option<i64>, end: Option<i64>) -> (i64, i64) {
    (start.unwrap_or(i64::MIN), end.unwrap_or(i64::MAX))
}

fn output_event(e: &Stored) -> OutputLogEvent {
    OutputLogEvent {
        timestamp: Some(e.timestamp),
        message: Some(e.message.clone()),
        ingestion_time: Some(e.ingestion),
    }
}

/// GetLogEvents. Tokens are `f/<index>` (forward: events from stream index `index` on) and
/// `b/<index>` (backward: events before `index`); at either end the same token comes back, which
/// is how the CLI and boto3 paginators know to stop.
fn get_log_events(store: &LogStore, req: &GetLogEventsRequest) -> Result<Value, JsonError> {
    let group = group(
        req.log_group_name.as_deref(),
        req.log_group_identifier.as_deref(),
    )?;
    let stream = stream_name(req.log_stream_name.as_deref())?;
    let limit = limit(req.limit, 10_000, 10_000)?;
    let from_head = req.start_from_head.unwrap_or(false);
    let (start, end) = time_window(req.start_time, req.end_time);
    let token = req.next_token.as_deref();
    let groups = store.lock();
    let g = groups
        .get(&group)
        .ok_or_else(|| not_found("The specified log group does not exist."))?;
    let s = g
        .streams
        .get(stream)
        .ok_or_else(|| not_found("The specified log stream does not exist."))?;
    let ev = &s.events;
    let matches = |e: &Stored| e.timestamp >= start && e.timestamp < end;

    // Decide direction and starting position.
    let (forward, pos) = match token {
        Some(t) if t.starts_with('f') => (true, parse_token(t, 'f').ok_or_else(bad_token)?),
        Some(t) if t.starts_with('b') => (false, parse_token(t, 'b').ok_or_else(bad_token)?),
        Some(_) => return Err(bad_token()),
        None if from_head => (true, 0),
        None => (false, ev.len()),
    };
    if pos > ev.len() {
        return Err(bad_token());
    }
    let mut picked: Vec<usize> = Vec::new();
    let mut bytes = 0usize;
    if forward {
        for (i, e) in ev.iter().enumerate().skip(pos) {
            if picked.len() >= limit {
                break;
            }
            if matches(e) {
                bytes += event_size(e);
                if bytes > MAX_RESPONSE_BYTES && !picked.is_empty() {
                    break;
                }
                picked.push(i);
            }
        }
    } else {
        for i in (0..pos).rev() {
            if picked.len() >= limit {
                break;
            }
            let e = &ev[i];
            if matches(e) {
                bytes += event_size(e);
                if bytes > MAX_RESPONSE_BYTES && !picked.is_empty() {
                    break;
                }
                picked.push(i);
            }
        }
        picked.reverse();
    }
    let (fwd, back) = match (picked.first(), picked.last()) {
        (Some(&first), Some(&last)) => (last + 1, first),
        // Nothing returned: both tokens stay where we are, so a paginator sees a repeat and stops.
        _ => (pos, pos),
    };
    response(&GetLogEventsResponse {
        events: Some(picked.iter().map(|&i| output_event(&ev[i])).collect()),
        next_forward_token: Some(format!("f/{fwd:056}")),
        next_backward_token: Some(format!("b/{back:056}")),
    })
}

fn filter_log_events(store: &LogStore, req: &FilterLogEventsRequest) -> Result<Value, JsonError> {
    let group = group(
        req.log_group_name.as_deref(),
        req.log_group_identifier.as_deref(),
    )?;
    let names = req.log_stream_names.as_deref();
    let prefix = req.log_stream_name_prefix.as_deref();
    if names.is_some() && prefix.is_some() {
        return Err(invalid_param(
            "logStreamNames and logStreamNamePrefix are mutually exclusive",
        ));
    }
    let pattern = req.filter_pattern.as_deref().unwrap_or("");
    let (start, end) = time_window(req.start_time, req.end_time);
    let limit = limit(req.limit, 10_000, 10_000)?;
    let offset = page_offset(req.next_token.as_deref())?;
    let groups = store.lock();
    let g = groups
        .get(&group)
        .ok_or_else(|| not_found("The specified log group does not exist."))?;
    if let Some(names) = names
        && let Some(missing) = names.iter().find(|n| !g.streams.contains_key(n.as_str()))
    {
        return Err(not_found(format!(
            "The specified log stream does not exist: {missing}"
        )));
    }
    let mut hits: Vec<(i64, &str, usize, &Stored)> = Vec::new();
    let mut searched = Vec::new();
    for (name, s) in &g.streams {
        let wanted = match (names, prefix) {
            (Some(ns), _) => ns.iter().any(|n| n == name),
            (None, Some(p)) => name.starts_with(p),
            (None, None) => true,
        };
        if !wanted {
            continue;
        }
        searched.push(SearchedLogStream {
            log_stream_name: Some(name.clone()),
            searched_completely: Some(true),
        });
        for (i, e) in s.events.iter().enumerate() {
            if e.timestamp >= start && e.timestamp < end && pattern_matches(pattern, &e.message) {
                hits.push((e.timestamp, name.as_str(), i, e));
            }
        }
    }
    hits.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let total = hits.len();
    let mut bytes = 0usize;
    let mut events = Vec::new();
    for (_, name, i, e) in hits.iter().skip(offset) {
        if events.len() >= limit {
            break;
        }
        bytes += event_size(e);
        if bytes > MAX_RESPONSE_BYTES && !events.is_empty() {
            break;
        }
        events.push(FilteredLogEvent {
            log_stream_name: Some((*name).to_string()),
            timestamp: Some(e.timestamp),
            message: Some(e.message.clone()),
            ingestion_time: Some(e.ingestion),
            event_id: Some(format!("{}-{i}", fs_name(name))),
        });
    }
    let end_pos = offset.saturating_add(events.len());
    response(&FilterLogEventsResponse {
        events: Some(events),
        searched_log_streams: Some(searched),
        next_token: (end_pos < total).then(|| format!("o/{end_pos}")),
    })
}

#[cfg(test)]
mod tests;
