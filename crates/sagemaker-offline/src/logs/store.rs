//! The CloudWatch Logs store: log groups → streams → events, in memory and on disk.
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

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine as _;
use sha2::Digest as _;

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
pub(super) struct Stored {
    #[serde(rename = "t")]
    pub(super) timestamp: i64,
    #[serde(rename = "i")]
    pub(super) ingestion: i64,
    #[serde(rename = "m")]
    pub(super) message: String,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Meta {
    name: String,
    #[serde(rename = "creationTime")]
    creation_time: i64,
}

#[derive(Debug)]
pub(super) struct Stream {
    pub(super) creation_time: i64,
    file: PathBuf,
    /// Sorted by timestamp (stable: equal timestamps keep arrival order).
    pub(super) events: Vec<Stored>,
    pub(super) last_ingestion: Option<i64>,
}

#[derive(Debug)]
pub(super) struct Group {
    pub(super) creation_time: i64,
    dir: PathBuf,
    pub(super) streams: BTreeMap<String, Stream>,
}

/// Log groups → streams → events, persisted in the state dir.
#[derive(Debug)]
pub struct LogStore {
    root: std::path::PathBuf,
    inner: Mutex<BTreeMap<String, Group>>,
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The file-system name of a group or stream: URL-safe base64 of the name, or SHA-256 hex when long.
pub(super) fn fs_name(name: &str) -> String {
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

    /// The groups, locked (the API reads streams and events through this).
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Group>> {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn ev(t: i64, m: &str) -> LogEvent {
        LogEvent {
            timestamp: t,
            message: m.into(),
        }
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
}
