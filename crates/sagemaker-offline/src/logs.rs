//! CloudWatch Logs store and JSON API (contract skeleton).

/// One log event.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The line.
    pub message: String,
}

/// Log groups → streams → events, persisted in the state dir.
#[derive(Debug)]
pub struct LogStore {
    root: std::path::PathBuf,
}

impl LogStore {
    /// Opens the store under `root`.
    pub fn open(root: std::path::PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }
    /// Appends events to `group`/`stream`, creating both if needed.
    pub fn append(&self, group: &str, stream: &str, events: &[LogEvent]) -> std::io::Result<()> {
        let _ = (group, stream, events, &self.root);
        todo!()
    }
    /// All events of a stream (empty if none).
    pub fn events(&self, group: &str, stream: &str) -> std::io::Result<Vec<LogEvent>> {
        let _ = (group, stream);
        todo!()
    }
}
