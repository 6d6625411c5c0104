//! The stand-in's access key pair and the record of the running instance.
//!
//! Every request must be signed with one key pair. It is generated on first use and kept in
//! `<state dir>/credentials.json` (mode 0600 on Unix), so `sagemaker-offline env` can print it
//! before or after the server starts, and a restart keeps working with shells that already
//! `eval`ed the old exports. `--access-key/--secret-key` (or the environment) override it.
//! `<state dir>/instance.json` records the port and region the last `serve` used, so `env`
//! prints matching exports without being told again.
//!
//! `env` and `serve` are often started together on a fresh state dir (a set-up script evaluates
//! `env` while the server comes up), so creating the key file is an atomic create-if-absent: each
//! process writes its pair to a temporary file of its own and `link`s it to `credentials.json`,
//! which fails if the name exists. The first link wins; every other process reads the winner's
//! file. A rename would replace the file instead, and a process that had already printed its own
//! pair would have printed one the server rejects.

use std::path::{Path, PathBuf};

use rand::Rng as _;

/// An access key pair.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Credentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
}

/// Error reading or writing the state dir's key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// I/O on a named file.
    #[error("{path}: {cause}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        cause: std::io::Error,
    },
    /// Unparsable file.
    #[error(
        "{path} is not valid JSON of the expected shape: {cause}; delete it to generate a new key pair"
    )]
    Parse {
        /// File.
        path: PathBuf,
        /// Cause.
        cause: serde_json::Error,
    },
}

impl Credentials {
    /// A fresh random pair: `AKIA` + 16 upper-case letters/digits, and a 40-character secret.
    pub fn generate() -> Self {
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut rng = rand::rng();
        let mut pick = |alphabet: &[u8], n: usize| -> String {
            (0..n)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect()
        };
        let access_key_id = format!("AKIA{}", pick(UPPER, 16));
        let secret_access_key = pick(SECRET, 40);
        Self {
            access_key_id,
            secret_access_key,
        }
    }

    /// Path of the key file in a state dir.
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("credentials.json")
    }

    /// Loads the pair stored in `state_dir`, generating and storing one if there is none. When
    /// several processes create it at once, all of them return the first one stored.
    pub fn load_or_create(state_dir: &Path) -> Result<Self, KeyError> {
        let path = Self::path(state_dir);
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|cause| KeyError::Parse { path, cause })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(state_dir).map_err(|cause| KeyError::Io {
                    path: state_dir.to_path_buf(),
                    cause,
                })?;
                let creds = Self::generate();
                let bytes = serde_json::to_vec_pretty(&creds).unwrap_or_default();
                match create_private(&path, &bytes) {
                    Ok(()) => Ok(creds),
                    // Another process stored its pair first: that one is the pair.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let bytes = std::fs::read(&path).map_err(|cause| KeyError::Io {
                            path: path.clone(),
                            cause,
                        })?;
                        serde_json::from_slice(&bytes)
                            .map_err(|cause| KeyError::Parse { path, cause })
                    }
                    Err(cause) => Err(KeyError::Io { path, cause }),
                }
            }
            Err(cause) => Err(KeyError::Io { path, cause }),
        }
    }

    /// Stores this pair in `state_dir`, replacing any other (an explicit `--access-key` /
    /// `--secret-key` wins over what is stored); readers see the old file or the new one whole.
    pub fn store(&self, state_dir: &Path) -> Result<(), KeyError> {
        std::fs::create_dir_all(state_dir).map_err(|cause| KeyError::Io {
            path: state_dir.to_path_buf(),
            cause,
        })?;
        let path = Self::path(state_dir);
        write_private(&path, &serde_json::to_vec_pretty(self).unwrap_or_default())
            .map_err(|cause| KeyError::Io { path, cause })
    }
}

/// A temporary name next to `path`, unique to this process and call.
fn temp_path(path: &Path) -> PathBuf {
    let nonce: u64 = rand::rng().random();
    path.with_extension(format!("tmp-{}-{nonce:016x}", std::process::id()))
}

/// Writes `bytes` to a new file `tmp` (mode 0600 on Unix) and syncs it.
fn write_new_file(tmp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(tmp)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.sync_all()
}

/// Creates `path` holding `bytes` only if nothing is there (`AlreadyExists` otherwise): the bytes
/// are written and synced under a temporary name first, then hard-linked to `path` — one atomic
/// step that fails if the name exists, so no reader sees a partial file and no writer replaces
/// another's.
fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let written = write_new_file(&tmp, bytes);
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked
}

/// Replaces `path` by a file holding `bytes` in one rename (temporary file written and synced
/// first).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path);
    if let Err(e) = write_new_file(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)
}

/// What the last `serve` in a state dir used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Instance {
    /// Port.
    pub port: u16,
    /// Region.
    pub region: String,
}

impl Instance {
    /// Path of the record.
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("instance.json")
    }
    /// Reads the record (None if absent or unreadable).
    pub fn load(state_dir: &Path) -> Option<Self> {
        let bytes = std::fs::read(Self::path(state_dir)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
    /// Writes the record.
    pub fn store(&self, state_dir: &Path) -> Result<(), KeyError> {
        let path = Self::path(state_dir);
        write_private(&path, &serde_json::to_vec_pretty(self).unwrap_or_default())
            .map_err(|cause| KeyError::Io { path, cause })
    }
}

/// The `export …` lines for a shell (`eval "$(sagemaker-offline env)"`).
pub fn env_exports(port: u16, creds: &Credentials, region: &str) -> String {
    format!(
        "export AWS_ENDPOINT_URL=http://127.0.0.1:{port}\n\
         export AWS_ACCESS_KEY_ID={}\n\
         export AWS_SECRET_ACCESS_KEY={}\n\
         export AWS_REGION={region}\n\
         export AWS_DEFAULT_REGION={region}\n",
        shell_quote(&creds.access_key_id),
        shell_quote(&creds.secret_access_key)
    )
}

fn shell_quote(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=-_.".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_aws_shape_and_persist() {
        let d = tempfile::tempdir().unwrap();
        let a = Credentials::load_or_create(d.path()).unwrap();
        assert_eq!(a.access_key_id.len(), 20);
        assert!(a.access_key_id.starts_with("AKIA"));
        assert_eq!(a.secret_access_key.len(), 40);
        let b = Credentials::load_or_create(d.path()).unwrap();
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(Credentials::path(d.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn concurrent_creators_all_get_the_first_stored_pair() {
        for _ in 0..20 {
            let d = tempfile::tempdir().unwrap();
            let state = d.path().join("state");
            let barrier = std::sync::Barrier::new(8);
            let got: Vec<Credentials> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            Credentials::load_or_create(&state).unwrap()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let stored: Credentials =
                serde_json::from_slice(&std::fs::read(Credentials::path(&state)).unwrap()).unwrap();
            assert!(got.iter().all(|c| *c == stored), "{got:?} vs {stored:?}");
            // No temporary file is left behind.
            let names: Vec<_> = std::fs::read_dir(&state)
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            assert_eq!(names, vec![std::ffi::OsString::from("credentials.json")]);
        }
    }

    #[test]
    fn an_explicit_pair_replaces_the_stored_one() {
        let d = tempfile::tempdir().unwrap();
        let first = Credentials::load_or_create(d.path()).unwrap();
        let mine = Credentials {
            access_key_id: "AKIAEXPLICIT00000000".into(),
            secret_access_key: "s".repeat(40),
        };
        assert_ne!(first, mine);
        mine.store(d.path()).unwrap();
        assert_eq!(Credentials::load_or_create(d.path()).unwrap(), mine);
    }

    #[test]
    fn broken_key_file_is_an_error_naming_it() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(Credentials::path(d.path()), b"nonsense").unwrap();
        let e = Credentials::load_or_create(d.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("credentials.json"), "{e}");
    }

    #[test]
    fn exports() {
        let c = Credentials {
            access_key_id: "AKIAX".into(),
            secret_access_key: "a/b+c".into(),
        };
        let s = env_exports(1234, &c, "eu-west-1");
        assert_eq!(
            s,
            "export AWS_ENDPOINT_URL=http://127.0.0.1:1234\nexport AWS_ACCESS_KEY_ID=AKIAX\n\
             export AWS_SECRET_ACCESS_KEY=a/b+c\nexport AWS_REGION=eu-west-1\nexport AWS_DEFAULT_REGION=eu-west-1\n"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
