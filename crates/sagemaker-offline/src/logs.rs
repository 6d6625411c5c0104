//! CloudWatch Logs: the store the SageMaker part writes training and endpoint logs into, and the
//! JSON 1.1 API (`X-Amz-Target: Logs_20140328.<Op>`) that the CLI, boto3 and the sagemaker SDK read
//! them through (DescribeLogStreams, GetLogEvents, FilterLogEvents, …).
//!
//! Persistence: `<root>/<group-dir>/group.json` holds the group's name and creation time; each
//! stream has `<stream-file>.meta.json` (name, creation time) and `<stream-file>.events.jsonl`, an
//! append-only file with one JSON event per line (`{"t":timestamp,"i":ingestionTime,"m":message}`).
//! Directory and file names are URL-safe base64 of the name (SHA-256 hex for very long names), so
//! `/aws/sagemaker/TrainingJobs` and `JOB/algo-1-1700000000` stay single path components. The
//! whole store is also held in memory (training logs are small); every append writes the file
//! first, under one mutex, so concurrent appends from several training hosts never interleave
//! inside a line, and a restart reloads exactly what was acknowledged. A torn last line after a
//! crash is skipped on load (with a warning) instead of failing start-up.
//!
//! Hand-written because no crate offers a CloudWatch Logs server; the paging-token rules follow
//! what the CLI/boto3 paginators rely on (see `docs/SEMANTICS.md`).

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::api_error::JsonError;
use crate::ctx::Ctx;

/// One log event.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The line.
    pub message: String,
}

/// Error of the store's strict operations (the API maps these onto CloudWatch's error codes).
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Unknown group.
    #[error("The specified log group does not exist.")]
    NoSuchGroup(String),
    /// Unknown stream.
    #[error("The specified log stream does not exist.")]
    NoSuchStream(String, String),
    /// Group exists already.
    #[error("The specified log group already exists")]
    GroupExists(String),
    /// Stream exists already.
    #[error("The specified log stream already exists")]
    StreamExists(String, String),
    /// Invalid name.
    #[error("{0}")]
    Invalid(String),
    /// I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Stored {
    #[serde(rename = "t")]
    timestamp: i64,
    #[serde(rename = "i")]
    ingestion: i64,
    #[serde(rename = "m")]
    message: String,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Meta {
    name: String,
    #[serde(rename = "creationTime")]
    creation_time: i64,
}

#[derive(Debug)]
struct Stream {
    creation_time: i64,
    file: PathBuf,
    /// Sorted by timestamp (stable: equal timestamps keep arrival order).
    events: Vec<Stored>,
    last_ingestion: Option<i64>,
}

#[derive(Debug)]
struct Group {
    creation_time: i64,
    dir: PathBuf,
    streams: BTreeMap<String, Stream>,
}

/// Log groups → streams → events, persisted in the state dir.
#[derive(Debug)]
pub struct LogStore {
    root: std::path::PathBuf,
    inner: Mutex<BTreeMap<String, Group>>,
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn fs_name(name: &str) -> String {
    if name.len() <= 150 {
        format!(
            "b{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name)
        )
    } else {
        format!("h{}", hex::encode(sha2::Sha256::digest(name.as_bytes())))
    }
}

fn check_name(kind: &str, name: &str, max: usize) -> Result<(), LogError> {
    if name.is_empty() || name.len() > max {
        return Err(LogError::Invalid(format!(
            "{kind} name must be 1 to {max} characters long, got {} characters",
            name.len()
        )));
    }
    if kind == "log stream" && (name.contains(':') || name.contains('*')) {
        return Err(LogError::Invalid(format!(
            "{kind} name {name:?} must not contain ':' or '*'"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(LogError::Invalid(format!(
            "{kind} name {name:?} contains control characters"
        )));
    }
    Ok(())
}

fn write_meta(path: &Path, meta: &Meta) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec(meta).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(tmp, path)
}

fn read_meta(path: &Path) -> Option<Meta> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl LogStore {
    /// Opens the store under `root`, loading every group and stream persisted there.
    pub fn open(root: std::path::PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&root)?;
        let mut groups = BTreeMap::new();
        for entry in std::fs::read_dir(&root)? {
            let entry = entry?;
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let dir = entry.path();
            let Some(gmeta) = read_meta(&dir.join("group.json")) else {
                tracing::warn!(dir = %dir.display(), "log group directory without a readable group.json; ignored");
                continue;
            };
            let mut streams = BTreeMap::new();
            for sentry in std::fs::read_dir(&dir)? {
                let sentry = sentry?;
                let fname = sentry.file_name().to_string_lossy().into_owned();
                let Some(base) = fname.strip_suffix(".meta.json") else {
                    continue;
                };
                let Some(smeta) = read_meta(&sentry.path()) else {
                    tracing::warn!(file = %sentry.path().display(), "unreadable log stream metadata; stream ignored");
                    continue;
                };
                let file = dir.join(format!("{base}.events.jsonl"));
                let mut events = load_events(&file)?;
                events.sort_by_key(|e| e.timestamp);
                let last_ingestion = events.iter().map(|e| e.ingestion).max();
                streams.insert(
                    smeta.name,
                    Stream {
                        creation_time: smeta.creation_time,
                        file,
                        events,
                        last_ingestion,
                    },
                );
            }
            groups.insert(
                gmeta.name,
                Group {
                    creation_time: gmeta.creation_time,
                    dir,
                    streams,
                },
            );
        }
        Ok(Self {
            root,
            inner: Mutex::new(groups),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Group>> {
        // A panic while holding the lock cannot leave half an event in memory (pushes are the last
        // step), so the data behind a poisoned lock is still consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn create_group_locked(
        &self,
        groups: &mut BTreeMap<String, Group>,
        group: &str,
        now: i64,
    ) -> Result<(), LogError> {
        check_name("log group", group, 512)?;
        let dir = self.root.join(fs_name(group));
        std::fs::create_dir_all(&dir)?;
        write_meta(
            &dir.join("group.json"),
            &Meta {
                name: group.to_string(),
                creation_time: now,
            },
        )?;
        groups.insert(
            group.to_string(),
            Group {
                creation_time: now,
                dir,
                streams: BTreeMap::new(),
            },
        );
        Ok(())
    }

    fn create_stream_locked(g: &mut Group, stream: &str, now: i64) -> Result<(), LogError> {
        check_name("log stream", stream, 512)?;
        let base = fs_name(stream);
        let file = g.dir.join(format!("{base}.events.jsonl"));
        write_meta(
            &g.dir.join(format!("{base}.meta.json")),
            &Meta {
                name: stream.to_string(),
                creation_time: now,
            },
        )?;
        g.streams.insert(
            stream.to_string(),
            Stream {
                creation_time: now,
                file,
                events: Vec::new(),
                last_ingestion: None,
            },
        );
        Ok(())
    }

    /// Creates a log group; `GroupExists` if it exists.
    pub fn create_group(&self, group: &str) -> Result<(), LogError> {
        let mut groups = self.lock();
        if groups.contains_key(group) {
            return Err(LogError::GroupExists(group.to_string()));
        }
        self.create_group_locked(&mut groups, group, now_ms())
    }

    /// Creates a log stream in an existing group.
    pub fn create_stream(&self, group: &str, stream: &str) -> Result<(), LogError> {
        let mut groups = self.lock();
        let g = groups
            .get_mut(group)
            .ok_or_else(|| LogError::NoSuchGroup(group.to_string()))?;
        if g.streams.contains_key(stream) {
            return Err(LogError::StreamExists(
                group.to_string(),
                stream.to_string(),
            ));
        }
        Self::create_stream_locked(g, stream, now_ms())
    }

    fn append_locked(s: &mut Stream, events: &[LogEvent], now: i64) -> Result<(), LogError> {
        if events.is_empty() {
            return Ok(());
        }
        let stored: Vec<Stored> = events
            .iter()
            .map(|e| Stored {
                timestamp: e.timestamp,
                ingestion: now,
                message: e.message.clone(),
            })
            .collect();
        let mut buf = Vec::new();
        for e in &stored {
            serde_json::to_writer(&mut buf, e).map_err(std::io::Error::other)?;
            buf.push(b'\n');
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&s.file)?;
        f.write_all(&buf)?;
        f.flush()?;
        for e in stored {
            let pos = s.events.partition_point(|x| x.timestamp <= e.timestamp);
            if pos == s.events.len() {
                s.events.push(e);
            } else {
                s.events.insert(pos, e);
            }
        }
        s.last_ingestion = Some(now);
        Ok(())
    }

    /// Appends events to `group`/`stream`, creating both if needed.
    pub fn append(&self, group: &str, stream: &str, events: &[LogEvent]) -> std::io::Result<()> {
        let now = now_ms();
        let mut groups = self.lock();
        let to_io = |e: LogError| match e {
            LogError::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidInput, other.to_string()),
        };
        if !groups.contains_key(group) {
            self.create_group_locked(&mut groups, group, now)
                .map_err(to_io)?;
        }
        let g = groups.get_mut(group).ok_or_else(|| {
            std::io::Error::other(format!("log group {group} vanished while appending"))
        })?;
        if !g.streams.contains_key(stream) {
            Self::create_stream_locked(g, stream, now).map_err(to_io)?;
        }
        let s = g.streams.get_mut(stream).ok_or_else(|| {
            std::io::Error::other(format!("log stream {stream} vanished while appending"))
        })?;
        Self::append_locked(s, events, now).map_err(to_io)
    }

    /// Appends to an existing stream (PutLogEvents semantics).
    pub fn put_events(
        &self,
        group: &str,
        stream: &str,
        events: &[LogEvent],
    ) -> Result<(), LogError> {
        let mut groups = self.lock();
        let g = groups
            .get_mut(group)
            .ok_or_else(|| LogError::NoSuchGroup(group.to_string()))?;
        let s = g
            .streams
            .get_mut(stream)
            .ok_or_else(|| LogError::NoSuchStream(group.to_string(), stream.to_string()))?;
        Self::append_locked(s, events, now_ms())
    }

    /// All events of a stream (empty if none).
    pub fn events(&self, group: &str, stream: &str) -> std::io::Result<Vec<LogEvent>> {
        let groups = self.lock();
        Ok(groups
            .get(group)
            .and_then(|g| g.streams.get(stream))
            .map(|s| {
                s.events
                    .iter()
                    .map(|e| LogEvent {
                        timestamp: e.timestamp,
                        message: e.message.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Names of the streams of a group, sorted (empty if the group does not exist).
    pub fn stream_names(&self, group: &str) -> Vec<String> {
        let groups = self.lock();
        groups
            .get(group)
            .map(|g| g.streams.keys().cloned().collect())
            .unwrap_or_default()
    }
}

fn load_events(file: &Path) -> std::io::Result<Vec<Stored>> {
    let f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(f).split(b'\n').enumerate() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Stored>(&line) {
            Ok(e) => out.push(e),
            Err(err) => {
                tracing::warn!(file = %file.display(), line = n + 1, %err, "skipping unreadable log event line")
            }
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------------
// JSON 1.1 API
// ------------------------------------------------------------------------------------------------

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

/// Whether a message matches a CloudWatch filter pattern (the unstructured-text subset: empty
/// matches everything; `"a phrase"` matches the phrase; otherwise every space-separated term
/// must occur; all case-sensitive).
pub fn pattern_matches(pattern: &str, message: &str) -> bool {
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
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ctx(dir: &Path) -> Ctx {
        Ctx {
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            state_dir: dir.to_path_buf(),
            objects: Arc::new(crate::objects::ObjectStore::open(dir.join("s3")).unwrap()),
            logs: Arc::new(LogStore::open(dir.join("logs")).unwrap()),
        }
    }

    fn ev(t: i64, m: &str) -> LogEvent {
        LogEvent {
            timestamp: t,
            message: m.into(),
        }
    }

    fn call(c: &Ctx, op: &str, body: Value) -> Result<Value, JsonError> {
        handle(c, op, body.to_string().as_bytes())
    }

    #[test]
    fn append_persists_and_reloads() {
        let d = tempfile::tempdir().unwrap();
        {
            let s = LogStore::open(d.path().join("logs")).unwrap();
            s.append(
                "/aws/sagemaker/TrainingJobs",
                "job/algo-1-1700000000",
                &[ev(1, "a"), ev(3, "c")],
            )
            .unwrap();
            s.append(
                "/aws/sagemaker/TrainingJobs",
                "job/algo-1-1700000000",
                &[ev(2, "b")],
            )
            .unwrap();
        }
        let s = LogStore::open(d.path().join("logs")).unwrap();
        let e = s
            .events("/aws/sagemaker/TrainingJobs", "job/algo-1-1700000000")
            .unwrap();
        let msgs: Vec<_> = e
            .iter()
            .map(|e| (e.timestamp, e.message.as_str()))
            .collect();
        assert_eq!(msgs, vec![(1, "a"), (2, "b"), (3, "c")]);
        assert!(s.events("/nope", "x").unwrap().is_empty());
        assert_eq!(
            s.stream_names("/aws/sagemaker/TrainingJobs"),
            vec!["job/algo-1-1700000000"]
        );
    }

    #[test]
    fn torn_last_line_is_skipped() {
        let d = tempfile::tempdir().unwrap();
        {
            let s = LogStore::open(d.path().join("logs")).unwrap();
            s.append("g", "s", &[ev(1, "ok")]).unwrap();
        }
        let gdir = d.path().join("logs").join(fs_name("g"));
        let f = gdir.join(format!("{}.events.jsonl", fs_name("s")));
        let mut fh = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
        fh.write_all(b"{\"t\":2,\"i\":2,\"m\":\"hal").unwrap();
        let s = LogStore::open(d.path().join("logs")).unwrap();
        assert_eq!(s.events("g", "s").unwrap().len(), 1);
    }

    #[test]
    fn concurrent_appends_all_land() {
        let d = tempfile::tempdir().unwrap();
        let s = Arc::new(LogStore::open(d.path().join("logs")).unwrap());
        let mut hs = Vec::new();
        for t in 0..4 {
            let s = s.clone();
            hs.push(std::thread::spawn(move || {
                for i in 0..200 {
                    s.append("g", "s", &[ev(i, &format!("t{t} i{i}"))]).unwrap();
                }
            }));
        }
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(s.events("g", "s").unwrap().len(), 800);
        drop(s);
        let s = LogStore::open(d.path().join("logs")).unwrap();
        let e = s.events("g", "s").unwrap();
        assert_eq!(e.len(), 800);
        assert!(e.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    }

    #[test]
    fn get_log_events_paging_terminates() {
        let d = tempfile::tempdir().unwrap();
        let c = ctx(d.path());
        let events: Vec<_> = (0..25)
            .map(|i| ev(1000 + i, &format!("line {i}")))
            .collect();
        c.logs
            .append("/aws/sagemaker/TrainingJobs", "j/algo-1-1", &events)
            .unwrap();
        // startFromHead, pages of 10, loop until the forward token repeats (what the CLI does)
        let mut token: Option<String> = None;
        let mut seen = Vec::new();
        for _ in 0..10 {
            let mut body = json!({"logGroupName": "/aws/sagemaker/TrainingJobs", "logStreamName": "j/algo-1-1",
                                  "startFromHead": true, "limit": 10});
            if let Some(t) = &token {
                body["nextToken"] = json!(t);
            }
            let r = call(&c, "GetLogEvents", body).unwrap();
            for e in r["events"].as_array().unwrap() {
                seen.push(e["message"].as_str().unwrap().to_string());
            }
            let next = r["nextForwardToken"].as_str().unwrap().to_string();
            if token.as_deref() == Some(next.as_str()) {
                break;
            }
            token = Some(next);
        }
        let want: Vec<_> = (0..25).map(|i| format!("line {i}")).collect();
        assert_eq!(seen, want);

        // default (tail): the last `limit` events; then backward paging
        let r = call(
            &c,
            "GetLogEvents",
            json!({"logGroupName": "/aws/sagemaker/TrainingJobs",
                                                "logStreamName": "j/algo-1-1", "limit": 5}),
        )
        .unwrap();
        let msgs: Vec<_> = r["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["timestamp"].as_i64().unwrap())
            .collect();
        assert_eq!(msgs, vec![1020, 1021, 1022, 1023, 1024]);
        let back = r["nextBackwardToken"].as_str().unwrap();
        let r2 = call(&c, "GetLogEvents", json!({"logGroupName": "/aws/sagemaker/TrainingJobs",
                                                 "logStreamName": "j/algo-1-1", "limit": 5, "nextToken": back}))
        .unwrap();
        let msgs: Vec<_> = r2["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["timestamp"].as_i64().unwrap())
            .collect();
        assert_eq!(msgs, vec![1015, 1016, 1017, 1018, 1019]);

        // time window: [1003, 1006)
        let r = call(&c, "GetLogEvents", json!({"logGroupName": "/aws/sagemaker/TrainingJobs",
            "logStreamName": "j/algo-1-1", "startFromHead": true, "startTime": 1003, "endTime": 1006}))
        .unwrap();
        let ts: Vec<_> = r["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["timestamp"].as_i64().unwrap())
            .collect();
        assert_eq!(ts, vec![1003, 1004, 1005]);
        assert!(r["events"][0]["ingestionTime"].as_i64().unwrap() > 0);
    }

    #[test]
    fn errors_have_cloudwatch_codes() {
        let d = tempfile::tempdir().unwrap();
        let c = ctx(d.path());
        let e = call(
            &c,
            "GetLogEvents",
            json!({"logGroupName": "/nope", "logStreamName": "x"}),
        )
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "ResourceNotFoundException",
                "The specified log group does not exist."
            )
        );
        c.logs.append("g", "s", &[ev(1, "x")]).unwrap();
        let e = call(
            &c,
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "x"}),
        )
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "ResourceNotFoundException",
                "The specified log stream does not exist."
            )
        );
        let e = call(&c, "DescribeLogStreams", json!({"logGroupName": "/nope"})).unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        let e = call(&c, "CreateLogGroup", json!({"logGroupName": "g"})).unwrap_err();
        assert_eq!(e.code, "ResourceAlreadyExistsException");
        let e = call(
            &c,
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "nextToken": "zzz"}),
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
        let e = call(
            &c,
            "GetLogEvents",
            json!({"logGroupName": "g", "logStreamName": "s", "limit": 0}),
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
        let e = handle(&c, "GetLogEvents", b"{not json").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        let e = call(&c, "DeleteLogGroup", json!({})).unwrap_err();
        assert_eq!(e.code, "UnknownOperationException");
        let e = call(
            &c,
            "DescribeLogStreams",
            json!({"logGroupName": "g", "orderBy": "LastEventTime",
                                                     "logStreamNamePrefix": "s"}),
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
    }

    #[test]
    fn describe_log_streams_order_prefix_paging() {
        let d = tempfile::tempdir().unwrap();
        let c = ctx(d.path());
        let g = "/aws/sagemaker/TrainingJobs";
        c.logs
            .append(g, "job-b/algo-1-100", &[ev(50, "x")])
            .unwrap();
        c.logs
            .append(g, "job-a/algo-2-100", &[ev(10, "x"), ev(30, "y")])
            .unwrap();
        c.logs
            .append(g, "job-a/algo-1-100", &[ev(20, "x")])
            .unwrap();
        let r = call(
            &c,
            "DescribeLogStreams",
            json!({"logGroupName": g, "logStreamNamePrefix": "job-a/"}),
        )
        .unwrap();
        let names: Vec<_> = r["logStreams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["logStreamName"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["job-a/algo-1-100", "job-a/algo-2-100"]);
        let s0 = &r["logStreams"][1];
        assert_eq!(s0["firstEventTimestamp"], 10);
        assert_eq!(s0["lastEventTimestamp"], 30);
        assert_eq!(s0["storedBytes"], 0);
        assert_eq!(
            s0["arn"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:log-stream:job-a/algo-2-100"
        );
        assert!(
            s0["creationTime"].as_i64().unwrap() > 0
                && s0["lastIngestionTime"].as_i64().unwrap() > 0
        );
        let r = call(
            &c,
            "DescribeLogStreams",
            json!({"logGroupName": g, "orderBy": "LastEventTime", "descending": true}),
        )
        .unwrap();
        let names: Vec<_> = r["logStreams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["logStreamName"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            vec!["job-b/algo-1-100", "job-a/algo-2-100", "job-a/algo-1-100"]
        );
        // paging with limit 2
        let r = call(
            &c,
            "DescribeLogStreams",
            json!({"logGroupName": g, "limit": 2}),
        )
        .unwrap();
        assert_eq!(r["logStreams"].as_array().unwrap().len(), 2);
        let t = r["nextToken"].as_str().unwrap();
        let r = call(
            &c,
            "DescribeLogStreams",
            json!({"logGroupName": g, "limit": 2, "nextToken": t}),
        )
        .unwrap();
        assert_eq!(r["logStreams"][0]["logStreamName"], "job-b/algo-1-100");
        assert!(r.get("nextToken").is_none());
        // groups
        let r = call(
            &c,
            "DescribeLogGroups",
            json!({"logGroupNamePrefix": "/aws/"}),
        )
        .unwrap();
        assert_eq!(r["logGroups"][0]["logGroupName"], g);
        assert_eq!(
            r["logGroups"][0]["arn"],
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs:*"
        );
    }

    #[test]
    fn filter_log_events_across_streams() {
        let d = tempfile::tempdir().unwrap();
        let c = ctx(d.path());
        let g = "/aws/sagemaker/TrainingJobs";
        c.logs
            .append(
                g,
                "j/algo-1-1",
                &[
                    ev(1, "#quality_metric: host=algo-1, epoch=0"),
                    ev(4, "other"),
                ],
            )
            .unwrap();
        c.logs
            .append(
                g,
                "j/algo-2-1",
                &[
                    ev(2, "#quality_metric: host=algo-2, epoch=0"),
                    ev(3, "noise"),
                ],
            )
            .unwrap();
        c.logs
            .append(
                g,
                "k/algo-1-1",
                &[ev(0, "#quality_metric: host=algo-1, epoch=0")],
            )
            .unwrap();
        let r = call(
            &c,
            "FilterLogEvents",
            json!({"logGroupName": g, "logStreamNamePrefix": "j/",
                                                   "filterPattern": "quality_metric"}),
        )
        .unwrap();
        let got: Vec<_> = r["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["logStreamName"].as_str().unwrap(),
                    e["timestamp"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, vec![("j/algo-1-1", 1), ("j/algo-2-1", 2)]);
        let r = call(
            &c,
            "FilterLogEvents",
            json!({"logGroupName": g, "logStreamNames": ["j/algo-2-1"]}),
        )
        .unwrap();
        assert_eq!(r["events"].as_array().unwrap().len(), 2);
        let r = call(
            &c,
            "FilterLogEvents",
            json!({"logGroupName": g, "filterPattern": "\"host=algo-1, epoch\"",
                                                   "startTime": 1, "endTime": 100, "limit": 1}),
        )
        .unwrap();
        assert_eq!(r["events"].as_array().unwrap().len(), 1);
        assert_eq!(r["events"][0]["logStreamName"], "j/algo-1-1");
        assert!(r.get("nextToken").is_none());
        let r = call(
            &c,
            "FilterLogEvents",
            json!({"logGroupName": g, "limit": 2}),
        )
        .unwrap();
        let t = r["nextToken"].as_str().unwrap().to_string();
        let r2 = call(
            &c,
            "FilterLogEvents",
            json!({"logGroupName": g, "limit": 2, "nextToken": t}),
        )
        .unwrap();
        let ts: Vec<_> = r2["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["timestamp"].as_i64().unwrap())
            .collect();
        assert_eq!(ts, vec![2, 3]);
        assert!(pattern_matches("a b", "b then a"));
        assert!(!pattern_matches("a c", "b then a"));
    }

    #[test]
    fn put_log_events_requires_stream() {
        let d = tempfile::tempdir().unwrap();
        let c = ctx(d.path());
        call(&c, "CreateLogGroup", json!({"logGroupName": "mine"})).unwrap();
        let e = call(
            &c,
            "PutLogEvents",
            json!({"logGroupName": "mine", "logStreamName": "s",
            "logEvents": [{"timestamp": 1, "message": "m"}]}),
        )
        .unwrap_err();
        assert_eq!(e.code, "ResourceNotFoundException");
        call(
            &c,
            "CreateLogStream",
            json!({"logGroupName": "mine", "logStreamName": "s"}),
        )
        .unwrap();
        call(
            &c,
            "PutLogEvents",
            json!({"logGroupName": "mine", "logStreamName": "s",
            "logEvents": [{"timestamp": 1, "message": "m"}, {"timestamp": 2, "message": "n"}]}),
        )
        .unwrap();
        assert_eq!(c.logs.events("mine", "s").unwrap().len(), 2);
        let e = call(
            &c,
            "PutLogEvents",
            json!({"logGroupName": "mine", "logStreamName": "s",
            "logEvents": [{"timestamp": 5, "message": "m"}, {"timestamp": 2, "message": "n"}]}),
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
    }
}
