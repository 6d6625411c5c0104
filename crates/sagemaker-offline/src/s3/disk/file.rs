//! The object and part file format: bytes, then the JSON metadata, then a 16-byte trailer (see the
//! parent module), read through [`DiskBody`] and written through [`DiskStaged`].

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{MAGIC, MAX_META, TRAILER, io_other};
use crate::s3::store::{BodyRead, ObjectError, StagedBody};

/// Appends `meta` and the trailer to a file holding the bytes.
pub(super) fn write_trailer<T: Serialize>(w: &mut impl Write, meta: &T) -> Result<(), ObjectError> {
    let json = serde_json::to_vec(meta).map_err(|e| io_other(e.to_string()))?;
    w.write_all(&json)?;
    w.write_all(&(json.len() as u64).to_le_bytes())?;
    w.write_all(MAGIC)?;
    Ok(())
}

/// Reads the metadata of an open object or part file; returns it and the length of the bytes.
pub(super) fn read_trailer<T: DeserializeOwned>(
    f: &mut File,
    what: &Path,
) -> Result<(T, u64), ObjectError> {
    let corrupt = |why: &str| ObjectError::Corrupt(format!("{}: {why}", what.display()));
    let len = f.metadata()?.len();
    if len < TRAILER {
        return Err(corrupt("shorter than its trailer"));
    }
    let mut tr = [0u8; 16];
    f.seek(SeekFrom::Start(len - TRAILER))?;
    f.read_exact(&mut tr)?;
    if &tr[8..] != MAGIC {
        return Err(corrupt("no trailer"));
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&tr[..8]);
    let meta_len = u64::from_le_bytes(n);
    if meta_len > MAX_META || meta_len > len - TRAILER {
        return Err(corrupt("bad metadata length"));
    }
    let body_len = len - TRAILER - meta_len;
    f.seek(SeekFrom::Start(body_len))?;
    let mut json = vec![0u8; usize::try_from(meta_len).map_err(|_| corrupt("too long"))?];
    f.read_exact(&mut json)?;
    let meta = serde_json::from_slice(&json).map_err(|e| corrupt(&e.to_string()))?;
    f.seek(SeekFrom::Start(0))?;
    Ok((meta, body_len))
}

/// The bytes of one open object file.
pub(super) struct DiskBody {
    pub(super) file: File,
    pub(super) pos: u64,
    pub(super) end: u64,
}

impl Read for DiskBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        if left == 0 {
            return Ok(0);
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl BodyRead for DiskBody {
    fn seek_to(&mut self, pos: u64) -> std::io::Result<()> {
        let pos = pos.min(self.end);
        self.file.seek(SeekFrom::Start(pos))?;
        self.pos = pos;
        Ok(())
    }
}

/// A file being written in `_tmp/`; removed on drop unless committed (or "crashed").
pub(super) struct DiskStaged {
    pub(super) file: Option<BufWriter<File>>,
    pub(super) path: PathBuf,
    /// Injected [`Step::WriteBody`] fault.
    pub(super) fail_writes: bool,
    pub(super) keep: bool,
    pub(super) written: u64,
}

impl Write for DiskStaged {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.fail_writes {
            return Err(io_other("injected fault: the disk write failed"));
        }
        match &mut self.file {
            Some(f) => {
                let n = f.write(buf)?;
                self.written += n as u64;
                Ok(n)
            }
            None => Err(io_other("staged body already finished")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for DiskStaged {
    fn drop(&mut self) {
        self.file = None;
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl StagedBody for DiskStaged {
    fn written(&self) -> u64 {
        self.written
    }
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

impl DiskStaged {
    /// Appends the metadata and syncs the file; returns the file's path.
    pub(super) fn finish<T: Serialize>(&mut self, meta: &T) -> Result<(), ObjectError> {
        let mut w = self
            .file
            .take()
            .ok_or_else(|| io_other("staged body already finished"))?;
        write_trailer(&mut w, meta)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(())
    }
}
