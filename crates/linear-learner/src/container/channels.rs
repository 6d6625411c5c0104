//! Streaming a channel's files batch by batch (recordIO-protobuf or CSV), as the container does in File mode.
//!
//! Files are re-read every epoch rather than held in memory: five hosts each holding a full copy of the
//! FullyReplicated data would multiply memory by the host count, and re-reading is the honest File-mode
//! cost. CSV is split by hand (label first, then features, no quoting in numeric CSV) because the rows are
//! plain numbers and the error must name file, line and column.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use sagemaker_recordio::RecordReader;

use crate::fit::{Batch, RowReader, Shard};
use crate::{ChannelInput, TrainError};

/// How a channel's files are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// application/x-recordio-protobuf (also the meaning of an absent ContentType).
    RecordIo,
    /// text/csv, label in the first column.
    Csv,
}

/// Parses a channel ContentType.
pub fn parse_content_type(channel: &str, ct: Option<&str>) -> Result<Format, TrainError> {
    let Some(ct) = ct else {
        return Ok(Format::RecordIo);
    };
    let mut parts = ct.split(';').map(str::trim);
    let base = parts.next().unwrap_or("").to_ascii_lowercase();
    match base.as_str() {
        "application/x-recordio-protobuf" | "" => Ok(Format::RecordIo),
        "text/csv" => {
            for p in parts {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim() == "label_size"
                    && v.trim() != "1"
                {
                    return Err(TrainError::channel(format!(
                        "Channel '{channel}': content type '{ct}' is not supported: label_size must be 1"
                    )));
                }
            }
            Ok(Format::Csv)
        }
        _ => Err(TrainError::channel(format!(
            "Channel '{channel}': content type '{ct}' is not supported; use 'application/x-recordio-protobuf' or 'text/csv'"
        ))),
    }
}

enum Open {
    Rec {
        reader: RecordReader<BufReader<File>>,
        index: u64,
    },
    Csv {
        reader: BufReader<File>,
        line_no: u64,
        line: String,
    },
}

/// Reads a channel's files in order, one batch at a time.
pub struct ChannelReader {
    channel: String,
    files: Vec<PathBuf>,
    format: Format,
    dim: usize,
    next_file: usize,
    open: Option<(PathBuf, Open)>,
}

impl ChannelReader {
    /// A reader over `input`'s files for rows of `dim` features.
    pub fn new(channel: &str, input: &ChannelInput, dim: usize) -> Result<Self, TrainError> {
        Ok(ChannelReader {
            channel: channel.to_string(),
            files: input.files.clone(),
            format: parse_content_type(channel, input.content_type.as_deref())?,
            dim,
            next_file: 0,
            open: None,
        })
    }

    fn open_next(&mut self) -> Result<bool, TrainError> {
        let Some(path) = self.files.get(self.next_file).cloned() else {
            return Ok(false);
        };
        self.next_file += 1;
        let f = File::open(&path).map_err(|e| {
            TrainError::channel(format!(
                "Channel '{}': cannot open {}: {e}",
                self.channel,
                path.display()
            ))
        })?;
        let r = BufReader::with_capacity(1 << 20, f);
        let open = match self.format {
            Format::RecordIo => Open::Rec {
                reader: RecordReader::new(r),
                index: 0,
            },
            Format::Csv => Open::Csv {
                reader: r,
                line_no: 0,
                line: String::new(),
            },
        };
        self.open = Some((path, open));
        Ok(true)
    }

    /// Appends up to `max_rows` rows to `batch` (cleared first). Returns false at the end of the channel.
    fn fill(&mut self, max_rows: usize, batch: &mut Batch) -> Result<bool, TrainError> {
        batch.x.clear();
        batch.y.clear();
        while batch.rows() < max_rows {
            if self.open.is_none() && !self.open_next()? {
                break;
            }
            let done = self.read_into(max_rows, batch)?;
            if done {
                self.open = None;
            }
        }
        Ok(batch.rows() > 0)
    }

    /// Reads from the open file; true when the file is exhausted.
    fn read_into(&mut self, max_rows: usize, batch: &mut Batch) -> Result<bool, TrainError> {
        let dim = self.dim;
        let channel = &self.channel;
        let Some((path, open)) = self.open.as_mut() else {
            return Ok(true);
        };
        match open {
            Open::Rec { reader, index } => {
                let mut row = Vec::with_capacity(dim);
                while batch.rows() < max_rows {
                    let Some(next) = reader.next_dense(dim, &mut row) else {
                        return Ok(true);
                    };
                    let label = next.map_err(|e| {
                        TrainError::channel(format!(
                            "Channel '{channel}': file {}, record {}: {e} (feature_dim is {dim})",
                            path.display(),
                            *index
                        ))
                    })?;
                    let label = label.ok_or_else(|| {
                        TrainError::channel(format!(
                            "Channel '{channel}': file {}, record {}: the record has no label",
                            path.display(),
                            *index
                        ))
                    })?;
                    batch.x.extend_from_slice(&row);
                    batch.y.push(label);
                    *index += 1;
                }
                Ok(false)
            }
            Open::Csv {
                reader,
                line_no,
                line,
            } => {
                while batch.rows() < max_rows {
                    line.clear();
                    let n = reader.read_line(line).map_err(|e| {
                        TrainError::channel(format!(
                            "Channel '{channel}': file {}, line {}: {e}",
                            path.display(),
                            *line_no + 1
                        ))
                    })?;
                    if n == 0 {
                        return Ok(true);
                    }
                    *line_no += 1;
                    let text = line.trim_end_matches(['\n', '\r']);
                    if text.trim().is_empty() {
                        continue;
                    }
                    parse_csv_row(text, dim, batch, &|col, what| {
                        TrainError::channel(format!(
                            "Channel '{channel}': file {}, line {}, column {col}: {what}",
                            path.display(),
                            *line_no
                        ))
                    })?;
                }
                Ok(false)
            }
        }
    }
}

impl RowReader for ChannelReader {
    fn next_batch(&mut self, max_rows: usize, batch: &mut Batch) -> Result<bool, TrainError> {
        self.fill(max_rows, batch)
    }
}

/// One host's files of one channel, as a fit's [`Shard`]: every pass opens the files again.
pub struct ChannelShard<'a> {
    /// `train`, `validation` or `test` (named in errors).
    pub channel: &'static str,
    /// The host's files.
    pub input: &'a ChannelInput,
    /// Features per row.
    pub dim: usize,
}

impl Shard for ChannelShard<'_> {
    fn reader(&self) -> Result<Box<dyn RowReader + '_>, TrainError> {
        Ok(Box::new(ChannelReader::new(
            self.channel,
            self.input,
            self.dim,
        )?))
    }
}

fn parse_csv_row(
    text: &str,
    dim: usize,
    batch: &mut Batch,
    err: &dyn Fn(usize, String) -> TrainError,
) -> Result<(), TrainError> {
    let start = batch.x.len();
    let mut cols = 0usize;
    for (i, field) in text.split(',').enumerate() {
        let v: f32 = field.trim().parse().map_err(|_| {
            batch.x.truncate(start);
            err(i + 1, format!("'{}' is not a number", field.trim()))
        })?;
        if i == 0 {
            batch.y.push(v);
        } else {
            batch.x.push(v);
        }
        cols += 1;
    }
    if cols != dim + 1 {
        batch.x.truncate(start);
        batch.y.pop();
        return Err(err(
            cols,
            format!(
                "{cols} columns (label + {} features), but feature_dim is {dim}",
                cols.saturating_sub(1)
            ),
        ));
    }
    Ok(())
}

/// Number of features in the first row of the first file of `input` (for `feature_dim = auto`).
pub fn detect_feature_dim(
    channel: &str,
    input: &ChannelInput,
) -> Result<Option<usize>, TrainError> {
    let format = parse_content_type(channel, input.content_type.as_deref())?;
    for path in &input.files {
        if let Some(d) = first_row_dim(channel, path, format)? {
            return Ok(Some(d));
        }
    }
    Ok(None)
}

fn first_row_dim(channel: &str, path: &Path, format: Format) -> Result<Option<usize>, TrainError> {
    let f = File::open(path).map_err(|e| {
        TrainError::channel(format!(
            "Channel '{channel}': cannot open {}: {e}",
            path.display()
        ))
    })?;
    let r = BufReader::new(f);
    match format {
        Format::RecordIo => {
            let mut rr = RecordReader::new(r);
            let Some(rec) = rr.next() else {
                return Ok(None);
            };
            let rec = rec.map_err(|e| {
                TrainError::channel(format!("Channel '{channel}': file {}: {e}", path.display()))
            })?;
            match rec.features.get("values") {
                Some(sagemaker_recordio::Tensor::Float32 {
                    values,
                    keys,
                    shape,
                }) => {
                    if keys.is_empty() {
                        Ok(Some(values.len()))
                    } else {
                        shape.first().map(|&s| Some(s as usize)).ok_or_else(|| {
                            TrainError::channel(format!(
                                "Channel '{channel}': file {}, record 0: sparse features without a shape; set feature_dim",
                                path.display()
                            ))
                        })
                    }
                }
                _ => Err(TrainError::channel(format!(
                    "Channel '{channel}': file {}, record 0: features must be a Float32 tensor under key 'values'",
                    path.display()
                ))),
            }
        }
        Format::Csv => {
            for line in r.lines() {
                let line = line.map_err(|e| {
                    TrainError::channel(format!(
                        "Channel '{channel}': file {}: {e}",
                        path.display()
                    ))
                })?;
                if !line.trim().is_empty() {
                    return Ok(Some(line.split(',').count().saturating_sub(1)));
                }
            }
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(
            parse_content_type("train", None).ok(),
            Some(Format::RecordIo)
        );
        assert_eq!(
            parse_content_type("train", Some("text/csv")).ok(),
            Some(Format::Csv)
        );
        assert_eq!(
            parse_content_type("train", Some("text/csv;label_size=1")).ok(),
            Some(Format::Csv)
        );
        assert_eq!(
            parse_content_type("train", Some("application/x-recordio-protobuf")).ok(),
            Some(Format::RecordIo)
        );
        assert!(parse_content_type("train", Some("text/csv;label_size=2")).is_err());
        match parse_content_type("validation", Some("application/json")) {
            Err(TrainError::Client(m)) => {
                let m = m.to_string();
                assert!(m.contains("'validation'") && m.contains("application/json"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn csv_rows_and_errors() {
        let dir = std::env::temp_dir().join(format!("ll-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let p = dir.join("a.csv");
        std::fs::write(&p, "1,2,3\n\n4,5,6\n7,8,x\n").expect("write");
        let input = ChannelInput {
            files: vec![p.clone()],
            content_type: Some("text/csv".into()),
        };
        assert_eq!(detect_feature_dim("train", &input).expect("dim"), Some(2));
        let mut r = ChannelReader::new("train", &input, 2).expect("reader");
        let mut b = Batch::default();
        assert!(r.next_batch(2, &mut b).expect("batch"));
        assert_eq!(b.y, vec![1.0, 4.0]);
        assert_eq!(b.x, vec![2.0, 3.0, 5.0, 6.0]);
        match r.next_batch(2, &mut b) {
            Err(TrainError::Client(m)) => {
                let m = m.to_string();
                assert!(m.contains("line 4, column 3") && m.contains("'x'"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        let mut r = ChannelReader::new("train", &input, 3).expect("reader");
        match r.next_batch(10, &mut b) {
            Err(TrainError::Client(m)) => assert!(
                m.to_string().contains("line 1") && m.to_string().contains("feature_dim is 3"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
