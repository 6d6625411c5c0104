//! The CloudWatch Logs JSON 1.1 API (`X-Amz-Target: Logs_20140328.<Op>`): CreateLogGroup,
//! CreateLogStream, PutLogEvents, DescribeLogGroups, DescribeLogStreams, GetLogEvents and
//! FilterLogEvents over the [`LogStore`], in CloudWatch's request and error shapes.
//!
//! The paging tokens follow what the AWS CLI and boto3 paginators rely on: GetLogEvents answers
//! the same token again at either end of a stream, and the paginators stop on a repeated token
//! (see `docs/SEMANTICS.md`).

use serde_json::{Value, json};

use super::filter::pattern_matches;
use super::store::{LogError, LogEvent, LogStore, Stored, Stream, fs_name, now_ms};
use crate::api_error::JsonError;
use crate::ctx::Ctx;

fn invalid_param(msg: impl Into<String>) -> JsonError {
    JsonError::client("InvalidParameterException", msg)
}

fn not_found(msg: impl Into<String>) -> JsonError {
    JsonError::client("ResourceNotFoundException", msg)
}

impl From<LogError> for JsonError {
    fn from(e: LogError) -> Self {
        match e {
            LogError::NoSuchGroup(_) | LogError::NoSuchStream(..) => not_found(e.to_string()),
            LogError::GroupExists(_) | LogError::StreamExists(..) => {
                JsonError::client("ResourceAlreadyExistsException", e.to_string())
            }
            LogError::Invalid(m) => invalid_param(m),
            LogError::Io(io) => JsonError::internal(format!("log store I/O error: {io}")),
        }
    }
}

struct Req<'a>(&'a serde_json::Map<String, Value>);

impl Req<'_> {
    fn str_opt(&self, k: &str) -> Result<Option<&str>, JsonError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(JsonError::client(
                "SerializationException",
                format!("parameter {k} must be a string, got {other}"),
            )),
        }
    }
    fn i64_opt(&self, k: &str) -> Result<Option<i64>, JsonError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                JsonError::client(
                    "SerializationException",
                    format!("parameter {k} must be an integer, got {n}"),
                )
            }),
            Some(other) => Err(JsonError::client(
                "SerializationException",
                format!("parameter {k} must be a number, got {other}"),
            )),
        }
    }
    fn bool_opt(&self, k: &str) -> Result<Option<bool>, JsonError> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(JsonError::client(
                "SerializationException",
                format!("parameter {k} must be a boolean, got {other}"),
            )),
        }
    }
    fn limit(&self, max: i64, default: i64) -> Result<usize, JsonError> {
        let v = self.i64_opt("limit")?.unwrap_or(default);
        if !(1..=max).contains(&v) {
            return Err(invalid_param(format!(
                "1 validation error detected: Value '{v}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {max}"
            )));
        }
        usize::try_from(v).map_err(|_| invalid_param(format!("limit {v} out of range")))
    }
    /// `logGroupName` or `logGroupIdentifier` (name or ARN).
    fn group(&self) -> Result<String, JsonError> {
        if let Some(n) = self.str_opt("logGroupName")? {
            return Ok(n.to_string());
        }
        if let Some(id) = self.str_opt("logGroupIdentifier")? {
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
    let parsed: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| {
            JsonError::client(
                "SerializationException",
                format!("request body is not valid JSON: {e}"),
            )
        })?
    };
    let Value::Object(map) = &parsed else {
        return Err(JsonError::client(
            "SerializationException",
            "request body must be a JSON object",
        ));
    };
    let req = Req(map);
    let store = &ctx.logs;
    match op {
        "CreateLogGroup" => {
            store.create_group(&req.group()?)?;
            Ok(json!({}))
        }
        "CreateLogStream" => {
            let stream = req
                .str_opt("logStreamName")?
                .ok_or_else(|| invalid_param("logStreamName is required"))?;
            store.create_stream(&req.group()?, stream)?;
            Ok(json!({}))
        }
        "PutLogEvents" => put_log_events(store, &req),
        "DescribeLogGroups" => describe_log_groups(ctx, &req),
        "DescribeLogStreams" => describe_log_streams(ctx, &req),
        "GetLogEvents" => get_log_events(store, &req),
        "FilterLogEvents" => filter_log_events(store, &req),
        _ => Err(JsonError::client(
            "UnknownOperationException",
            format!("Operation Logs_20140328.{op} is not supported by sagemaker-offline"),
        )),
    }
}

fn put_log_events(store: &LogStore, req: &Req<'_>) -> Result<Value, JsonError> {
    let group = req.group()?;
    let stream = req
        .str_opt("logStreamName")?
        .ok_or_else(|| invalid_param("logStreamName is required"))?;
    let Some(Value::Array(items)) = req.0.get("logEvents") else {
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
        let ts = it.get("timestamp").and_then(Value::as_i64);
        let msg = it.get("message").and_then(Value::as_str);
        match (ts, msg) {
            (Some(timestamp), Some(message)) => events.push(LogEvent {
                timestamp,
                message: message.to_string(),
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
    Ok(json!({ "nextSequenceToken": format!("{:056}", now_ms()) }))
}

fn page_offset(req: &Req<'_>) -> Result<usize, JsonError> {
    match req.str_opt("nextToken")? {
        None => Ok(0),
        Some(t) => parse_token(t, 'o').ok_or_else(bad_token),
    }
}

fn describe_log_groups(ctx: &Ctx, req: &Req<'_>) -> Result<Value, JsonError> {
    let prefix = req.str_opt("logGroupNamePrefix")?.unwrap_or("");
    let pattern = req.str_opt("logGroupNamePattern")?;
    let limit = req.limit(50, 50)?;
    let offset = page_offset(req)?;
    let groups = ctx.logs.lock();
    let all: Vec<Value> = groups
        .iter()
        .filter(|(name, _)| name.starts_with(prefix) && pattern.is_none_or(|p| name.contains(p)))
        .map(|(name, g)| {
            json!({
                "logGroupName": name,
                "creationTime": g.creation_time,
                "metricFilterCount": 0,
                "arn": format!("{}:*", group_arn(ctx, name)),
                "logGroupArn": group_arn(ctx, name),
                "storedBytes": 0,
                "logGroupClass": "STANDARD",
            })
        })
        .collect();
    Ok(page(all, "logGroups", offset, limit))
}

fn page(all: Vec<Value>, field: &str, offset: usize, limit: usize) -> Value {
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
    let mut out = serde_json::Map::new();
    let end = offset.saturating_add(items.len());
    out.insert(field.to_string(), Value::Array(items));
    if end < total {
        out.insert("nextToken".into(), Value::String(format!("o/{end}")));
    }
    Value::Object(out)
}

fn describe_log_streams(ctx: &Ctx, req: &Req<'_>) -> Result<Value, JsonError> {
    let group = req.group()?;
    let prefix = req.str_opt("logStreamNamePrefix")?;
    let order = req.str_opt("orderBy")?.unwrap_or("LogStreamName");
    let descending = req.bool_opt("descending")?.unwrap_or(false);
    let limit = req.limit(50, 50)?;
    let offset = page_offset(req)?;
    let by_time = match order {
        "LogStreamName" => false,
        "LastEventTime" => true,
        other => {
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
    let all: Vec<Value> = rows
        .into_iter()
        .map(|(name, s)| {
            let mut o = serde_json::Map::new();
            o.insert("logStreamName".into(), json!(name));
            o.insert("creationTime".into(), json!(s.creation_time));
            if let (Some(first), Some(last)) = (s.events.first(), s.events.last()) {
                o.insert("firstEventTimestamp".into(), json!(first.timestamp));
                o.insert("lastEventTimestamp".into(), json!(last.timestamp));
            }
            if let Some(li) = s.last_ingestion {
                o.insert("lastIngestionTime".into(), json!(li));
            }
            o.insert(
                "uploadSequenceToken".into(),
                json!(format!("{:056}", s.events.len())),
            );
            o.insert("arn".into(), json!(format!("{arn}:log-stream:{name}")));
            o.insert("storedBytes".into(), json!(0));
            Value::Object(o)
        })
        .collect();
    Ok(page(all, "logStreams", offset, limit))
}

fn time_window(req: &Req<'_>) -> Result<(i64, i64), JsonError> {
    let start = req.i64_opt("startTime")?.unwrap_or(i64::MIN);
    let end = req.i64_opt("endTime")?.unwrap_or(i64::MAX);
    Ok((start, end))
}

fn event_json(e: &Stored) -> Value {
    json!({ "timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion })
}

/// GetLogEvents. Tokens are `f/<index>` (forward: events from stream index `index` on) and
/// `b/<index>` (backward: events before `index`); at either end the same token comes back, which
/// is how the CLI and boto3 paginators know to stop.
fn get_log_events(store: &LogStore, req: &Req<'_>) -> Result<Value, JsonError> {
    let group = req.group()?;
    let stream = req
        .str_opt("logStreamName")?
        .ok_or_else(|| invalid_param("logStreamName is required"))?;
    let limit = req.limit(10_000, 10_000)?;
    let from_head = req.bool_opt("startFromHead")?.unwrap_or(false);
    let (start, end) = time_window(req)?;
    let token = req.str_opt("nextToken")?;
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
    let events: Vec<Value> = picked.iter().map(|&i| event_json(&ev[i])).collect();
    Ok(json!({
        "events": events,
        "nextForwardToken": format!("f/{fwd:056}"),
        "nextBackwardToken": format!("b/{back:056}"),
    }))
}

fn filter_log_events(store: &LogStore, req: &Req<'_>) -> Result<Value, JsonError> {
    let group = req.group()?;
    let names: Option<Vec<String>> = match req.0.get("logStreamNames") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| invalid_param("logStreamNames must be strings"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => {
            return Err(JsonError::client(
                "SerializationException",
                "logStreamNames must be a list",
            ));
        }
    };
    let prefix = req.str_opt("logStreamNamePrefix")?;
    if names.is_some() && prefix.is_some() {
        return Err(invalid_param(
            "logStreamNames and logStreamNamePrefix are mutually exclusive",
        ));
    }
    let pattern = req.str_opt("filterPattern")?.unwrap_or("");
    let (start, end) = time_window(req)?;
    let limit = req.limit(10_000, 10_000)?;
    let offset = page_offset(req)?;
    let groups = store.lock();
    let g = groups
        .get(&group)
        .ok_or_else(|| not_found("The specified log group does not exist."))?;
    if let Some(names) = &names
        && let Some(missing) = names.iter().find(|n| !g.streams.contains_key(n.as_str()))
    {
        return Err(not_found(format!(
            "The specified log stream does not exist: {missing}"
        )));
    }
    let mut hits: Vec<(i64, &str, usize, &Stored)> = Vec::new();
    let mut searched = Vec::new();
    for (name, s) in &g.streams {
        let wanted = match (&names, prefix) {
            (Some(ns), _) => ns.iter().any(|n| n == name),
            (None, Some(p)) => name.starts_with(p),
            (None, None) => true,
        };
        if !wanted {
            continue;
        }
        searched.push(json!({ "logStreamName": name, "searchedCompletely": true }));
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
        events.push(json!({
            "logStreamName": name,
            "timestamp": e.timestamp,
            "message": e.message,
            "ingestionTime": e.ingestion,
            "eventId": format!("{}-{i}", fs_name(name)),
        }));
    }
    let end_pos = offset.saturating_add(events.len());
    let mut out = json!({ "events": events, "searchedLogStreams": searched });
    if end_pos < total {
        out["nextToken"] = json!(format!("o/{end_pos}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
