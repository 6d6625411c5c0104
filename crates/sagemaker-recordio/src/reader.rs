//! Streaming reader: splits the recordIO frames of any [`Read`] and decodes each payload into a
//! [`Record`], with the absolute byte offset of whatever is wrong in every error.
//!
//! Decoding follows protobuf's parsing rules rather than only the SDK's output shape: unknown
//! fields (any wire type, including groups) are skipped, a known field with an unexpected wire
//! type is treated as unknown, repeated scalars are accepted packed and unpacked, a repeated
//! message field (a oneof member seen twice) is merged, and for maps and optional fields the last
//! occurrence wins.

use std::io::{BufReader, Read};

use crate::framing::{HEADER_LEN, MAGIC, MAX_RECORD_LEN, padding};
use crate::wire::{Cursor, WT_I32, WT_I64, WT_LEN, WT_VARINT};
use crate::{Record, RecordIoError, Tensor};

/// Payloads up to this size are read into a pre-sized buffer; larger ones grow as data arrives,
/// so a corrupt header cannot make the reader allocate 512 MiB up front.
const PRESIZE_LIMIT: usize = 1 << 20;

/// Streaming reader of records.
///
/// Yields `Ok(Record)` per frame and stops at the clean end of input. A framing or I/O error
/// (bad magic, truncated header or payload, split record) is yielded once and ends the
/// iteration; a protobuf error inside a well-framed payload is yielded for that record and the
/// reader continues with the next frame.
pub struct RecordReader<R: Read> {
    inner: BufReader<R>,
    /// Bytes consumed from `inner`.
    offset: u64,
    payload: Vec<u8>,
    done: bool,
    records: u64,
    last_record_offset: u64,
}

impl<R: Read> RecordReader<R> {
    /// Wraps a reader.
    pub fn new(inner: R) -> Self {
        Self {
            inner: BufReader::with_capacity(256 * 1024, inner),
            offset: 0,
            payload: Vec::new(),
            done: false,
            records: 0,
            last_record_offset: 0,
        }
    }

    /// Bytes consumed so far (the offset of the next frame after a successful read).
    pub fn position(&self) -> u64 {
        self.offset
    }

    /// Frames read so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Byte offset of the frame header of the most recently read record.
    pub fn last_record_offset(&self) -> u64 {
        self.last_record_offset
    }

    /// Returns the underlying reader (any read-ahead buffered data is lost).
    pub fn into_inner(self) -> R {
        self.inner.into_inner()
    }

    /// Reads until `buf` is full or input ends; returns the number of bytes read.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<usize, RecordIoError> {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(RecordIoError::Io {
                        offset: self.offset + n as u64,
                        source,
                    });
                }
            }
        }
        self.offset += n as u64;
        Ok(n)
    }

    /// Reads the next frame into `self.payload`; returns the payload's byte offset, or `None` at
    /// the clean end of input.
    fn read_frame(&mut self) -> Result<Option<u64>, RecordIoError> {
        let start = self.offset;
        let mut h = [0u8; HEADER_LEN];
        let n = self.read_full(&mut h)?;
        if n == 0 {
            return Ok(None);
        }
        if n < HEADER_LEN {
            return Err(RecordIoError::malformed(
                start,
                format!(
                    "truncated header: only {n} of {HEADER_LEN} header bytes before end of input"
                ),
            ));
        }
        let magic = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        if magic != MAGIC {
            return Err(RecordIoError::malformed(
                start,
                format!(
                    "bad magic 0x{magic:08x} (bytes {:02x} {:02x} {:02x} {:02x}), expected 0x{MAGIC:08x} (bytes 0a 23 d7 ce)",
                    h[0], h[1], h[2], h[3]
                ),
            ));
        }
        let lrecord = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
        let cflag = lrecord >> 29;
        if cflag != 0 {
            return Err(RecordIoError::malformed(
                start + 4,
                format!(
                    "split record (cflag {cflag}) is not supported: SageMaker writers only write complete records (cflag 0)"
                ),
            ));
        }
        let len = (lrecord as usize) & MAX_RECORD_LEN;
        let payload_at = self.offset;
        self.payload.clear();
        let got = if len <= PRESIZE_LIMIT {
            self.payload.resize(len, 0);
            let mut p = std::mem::take(&mut self.payload);
            let got = self.read_full(&mut p);
            self.payload = p;
            got?
        } else {
            let mut p = std::mem::take(&mut self.payload);
            let res = self.inner.by_ref().take(len as u64).read_to_end(&mut p);
            let got = p.len();
            self.payload = p;
            self.offset += got as u64;
            res.map_err(|source| RecordIoError::Io {
                offset: payload_at + got as u64,
                source,
            })?;
            got
        };
        if got < len {
            return Err(RecordIoError::malformed(
                payload_at + got as u64,
                format!(
                    "truncated record: header at byte offset {start} announces a {len}-byte payload, \
                     input ends after {got} payload bytes"
                ),
            ));
        }
        self.payload.truncate(len);
        let pad = padding(len);
        if pad > 0 {
            let mut p = [0u8; 3];
            let got = self.read_full(&mut p[..pad])?;
            if got < pad {
                return Err(RecordIoError::malformed(
                    payload_at + len as u64 + got as u64,
                    format!(
                        "truncated record: the {len}-byte payload at byte offset {payload_at} must be \
                         followed by {pad} padding byte(s), input ends after {got}"
                    ),
                ));
            }
        }
        self.records += 1;
        self.last_record_offset = start;
        Ok(Some(payload_at))
    }

    /// The next frame's raw payload and its byte offset, without protobuf decoding.
    ///
    /// Useful to count or split records. Shares the reader's state with the iterator.
    pub fn next_payload(&mut self) -> Option<Result<(u64, &[u8]), RecordIoError>> {
        if self.done {
            return None;
        }
        match self.read_frame() {
            Ok(Some(at)) => Some(Ok((at, &self.payload))),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// Reads the next record as a dense f32 row of `feature_dim` into `row` (reused) and returns
    /// its Float32 label (`None` when the record has none).
    ///
    /// Errors name the record's byte offset, including a wrong tensor type or dimension
    /// (see [`Record::dense_features_f32_into`]).
    pub fn next_dense(
        &mut self,
        feature_dim: usize,
        row: &mut Vec<f32>,
    ) -> Option<Result<Option<f32>, RecordIoError>> {
        if self.done {
            return None;
        }
        let payload_at = match self.read_frame() {
            Ok(Some(at)) => at,
            Ok(None) => {
                self.done = true;
                return None;
            }
            Err(e) => {
                self.done = true;
                return Some(Err(e));
            }
        };
        // The SDK's exact layout decodes without building a Record; anything else (other field
        // order, extra fields, sparse, wrong types …) takes the general path, so both agree.
        if let Some(label) = fast_dense(&self.payload, feature_dim, row) {
            return Some(Ok(label));
        }
        let rec = match decode_record(&self.payload, payload_at) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let at = self.last_record_offset;
        let idx = self.records.saturating_sub(1);
        let wrap = |m: String| RecordIoError::malformed(at, format!("record #{idx}: {m}"));
        Some(
            rec.dense_features_f32_into(feature_dim, row)
                .map_err(wrap)
                .and_then(|()| rec.try_label_f32().map_err(wrap)),
        )
    }
}

/// Decodes a payload laid out exactly as `write_numpy_to_dense_tensor` (and
/// [`crate::RecordWriter::write_dense`]) write a float32 row of `feature_dim` values with an
/// optional float32 label; `None` (row untouched) for any other layout.
fn fast_dense(p: &[u8], feature_dim: usize, row: &mut Vec<f32>) -> Option<Option<f32>> {
    const KEY: [u8; 8] = [0x0a, 0x06, b'v', b'a', b'l', b'u', b'e', b's'];
    const LABEL: [u8; 16] = [
        0x12, 0x12, 0x0a, 0x06, b'v', b'a', b'l', b'u', b'e', b's', 0x12, 0x08, 0x12, 0x06, 0x0a,
        0x04,
    ];
    let mut c = Cursor::new(p, 0);
    if c.fixed::<1>("").ok()? != [0x0a] {
        return None;
    }
    let entry = c.len_delimited("").ok()?;
    let rest = c.take_rest();
    let mut e = entry;
    if e.fixed::<8>("").ok()? != KEY || e.fixed::<1>("").ok()? != [0x12] {
        return None;
    }
    let mut value = e.len_delimited("").ok()?;
    if !e.is_empty() || value.fixed::<1>("").ok()? != [0x12] {
        return None;
    }
    let mut tensor = value.len_delimited("").ok()?;
    if !value.is_empty() {
        return None;
    }
    let floats: &[u8] = if tensor.is_empty() {
        &[]
    } else {
        if tensor.fixed::<1>("").ok()? != [0x0a] {
            return None;
        }
        let mut v = tensor.len_delimited("").ok()?;
        if !tensor.is_empty() {
            return None;
        }
        v.take_rest()
    };
    if floats.len() != feature_dim.checked_mul(4)? {
        return None;
    }
    let label = match rest.len() {
        0 => None,
        20 if rest[..16] == LABEL => {
            Some(f32::from_le_bytes([rest[16], rest[17], rest[18], rest[19]]))
        }
        _ => return None,
    };
    row.clear();
    let (chunks, _) = floats.as_chunks::<4>();
    row.extend(chunks.iter().map(|b| f32::from_le_bytes(*b)));
    Some(label)
}

impl<R: Read> Iterator for RecordReader<R> {
    type Item = Result<Record, RecordIoError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_frame() {
            Ok(Some(at)) => Some(decode_record(&self.payload, at)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Decodes one `aialgs.data.Record` payload; `base_offset` is the payload's byte offset in its
/// stream and is added to every error offset.
pub fn decode_record(payload: &[u8], base_offset: u64) -> Result<Record, RecordIoError> {
    let mut c = Cursor::new(payload, base_offset);
    let mut r = Record::default();
    while !c.is_empty() {
        let (field, wt, at) = c.tag()?;
        match (field, wt) {
            (1 | 2, WT_LEN) => {
                let what = if field == 1 {
                    "Record.features entry"
                } else {
                    "Record.label entry"
                };
                let mut entry = c.len_delimited(what)?;
                let (key, value) = decode_entry(&mut entry)?;
                let map = if field == 1 {
                    &mut r.features
                } else {
                    &mut r.label
                };
                match value {
                    Some(t) => {
                        map.insert(key, t);
                    }
                    // An entry whose Value holds no tensor we know: protobuf would store an empty
                    // Value under the key (replacing an earlier one); we store nothing.
                    None => {
                        map.remove(&key);
                    }
                }
            }
            (3..=5, WT_LEN) => {
                let name = match field {
                    3 => "Record.uid",
                    4 => "Record.metadata",
                    _ => "Record.configuration",
                };
                let s = read_string(&mut c, name)?;
                match field {
                    3 => r.uid = Some(s),
                    4 => r.metadata = Some(s),
                    _ => r.configuration = Some(s),
                }
            }
            _ => c.skip(field, wt, at)?,
        }
    }
    Ok(r)
}

fn read_string(c: &mut Cursor<'_>, what: &str) -> Result<String, RecordIoError> {
    let mut s = c.len_delimited(what)?;
    let at = s.offset();
    let bytes = s.take_rest();
    match std::str::from_utf8(bytes) {
        Ok(v) => Ok(v.to_owned()),
        Err(e) => Err(RecordIoError::malformed(
            at + e.valid_up_to() as u64,
            format!("invalid UTF-8 in {what}"),
        )),
    }
}

/// A map entry: key (field 1, string) and value (field 2, `Value`).
fn decode_entry(c: &mut Cursor<'_>) -> Result<(String, Option<Tensor>), RecordIoError> {
    let mut key = String::new();
    let mut value: Option<Tensor> = None;
    while !c.is_empty() {
        let (field, wt, at) = c.tag()?;
        match (field, wt) {
            (1, WT_LEN) => key = read_string(c, "map entry key")?,
            (2, WT_LEN) => {
                let mut v = c.len_delimited("map entry value")?;
                decode_value(&mut v, &mut value)?;
            }
            _ => c.skip(field, wt, at)?,
        }
    }
    Ok((key, value))
}

fn empty_f32() -> Tensor {
    Tensor::Float32 {
        values: Vec::new(),
        keys: Vec::new(),
        shape: Vec::new(),
    }
}

/// `Value`: a oneof of tensor types; a member seen again is merged, another member replaces it.
fn decode_value(c: &mut Cursor<'_>, slot: &mut Option<Tensor>) -> Result<(), RecordIoError> {
    while !c.is_empty() {
        let (field, wt, at) = c.tag()?;
        match (field, wt) {
            (2, WT_LEN) => {
                let mut t = c.len_delimited("Value.float32_tensor")?;
                if !matches!(slot, Some(Tensor::Float32 { .. })) {
                    *slot = Some(empty_f32());
                }
                if let Some(Tensor::Float32 {
                    values,
                    keys,
                    shape,
                }) = slot
                {
                    decode_numeric(&mut t, keys, shape, |c, wt| {
                        read_fixed_values::<4, f32>(c, wt, values, "Float32Tensor.values", |b| {
                            f32::from_le_bytes(b)
                        })
                    })?;
                }
            }
            (3, WT_LEN) => {
                let mut t = c.len_delimited("Value.float64_tensor")?;
                if !matches!(slot, Some(Tensor::Float64 { .. })) {
                    *slot = Some(Tensor::Float64 {
                        values: Vec::new(),
                        keys: Vec::new(),
                        shape: Vec::new(),
                    });
                }
                if let Some(Tensor::Float64 {
                    values,
                    keys,
                    shape,
                }) = slot
                {
                    decode_numeric(&mut t, keys, shape, |c, wt| {
                        read_fixed_values::<8, f64>(c, wt, values, "Float64Tensor.values", |b| {
                            f64::from_le_bytes(b)
                        })
                    })?;
                }
            }
            (7, WT_LEN) => {
                let mut t = c.len_delimited("Value.int32_tensor")?;
                if !matches!(slot, Some(Tensor::Int32 { .. })) {
                    *slot = Some(Tensor::Int32 {
                        values: Vec::new(),
                        keys: Vec::new(),
                        shape: Vec::new(),
                    });
                }
                if let Some(Tensor::Int32 {
                    values,
                    keys,
                    shape,
                }) = slot
                {
                    decode_numeric(&mut t, keys, shape, |c, wt| {
                        let mut tmp = Vec::new();
                        let handled = read_varints(c, wt, &mut tmp, "Int32Tensor.values")?;
                        // int32 from a varint keeps the low 32 bits (protobuf's rule).
                        values.extend(tmp.into_iter().map(|v| v as u32 as i32));
                        Ok(handled)
                    })?;
                }
            }
            (9, WT_LEN) => {
                let mut t = c.len_delimited("Value.bytes")?;
                if !matches!(slot, Some(Tensor::Bytes { .. })) {
                    *slot = Some(Tensor::Bytes {
                        values: Vec::new(),
                        content_type: None,
                    });
                }
                if let Some(Tensor::Bytes {
                    values,
                    content_type,
                }) = slot
                {
                    while !t.is_empty() {
                        let (f, w, at) = t.tag()?;
                        match (f, w) {
                            (1, WT_LEN) => {
                                let mut b = t.len_delimited("Bytes.value")?;
                                values.push(b.take_rest().to_vec());
                            }
                            (2, WT_LEN) => {
                                *content_type = Some(read_string(&mut t, "Bytes.content_type")?)
                            }
                            _ => t.skip(f, w, at)?,
                        }
                    }
                }
            }
            _ => c.skip(field, wt, at)?,
        }
    }
    Ok(())
}

/// Fields common to the numeric tensors: `values` (field 1, via `values`), `keys` (2) and
/// `shape` (3), both repeated uint64.
fn decode_numeric<'a>(
    c: &mut Cursor<'a>,
    keys: &mut Vec<u64>,
    shape: &mut Vec<u64>,
    mut values: impl FnMut(&mut Cursor<'a>, u8) -> Result<bool, RecordIoError>,
) -> Result<(), RecordIoError> {
    while !c.is_empty() {
        let (field, wt, at) = c.tag()?;
        let handled = match field {
            1 => values(c, wt)?,
            2 => read_varints(c, wt, keys, "tensor keys")?,
            3 => read_varints(c, wt, shape, "tensor shape")?,
            _ => false,
        };
        if !handled {
            c.skip(field, wt, at)?;
        }
    }
    Ok(())
}

/// A repeated varint field, packed (LEN) or not (VARINT); `false` if the wire type is neither.
fn read_varints(
    c: &mut Cursor<'_>,
    wt: u8,
    out: &mut Vec<u64>,
    what: &str,
) -> Result<bool, RecordIoError> {
    match wt {
        WT_LEN => {
            let mut p = c.len_delimited(what)?;
            while !p.is_empty() {
                out.push(p.varint(what)?);
            }
            Ok(true)
        }
        WT_VARINT => {
            out.push(c.varint(what)?);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// A repeated fixed-width field (`float` = 4, `double` = 8), packed or not.
fn read_fixed_values<const N: usize, T>(
    c: &mut Cursor<'_>,
    wt: u8,
    out: &mut Vec<T>,
    what: &str,
    conv: impl Fn([u8; N]) -> T,
) -> Result<bool, RecordIoError> {
    let single_wt = if N == 4 { WT_I32 } else { WT_I64 };
    if wt == WT_LEN {
        let mut p = c.len_delimited(what)?;
        let at = p.offset();
        let bytes = p.take_rest();
        if bytes.len() % N != 0 {
            return Err(RecordIoError::malformed(
                at,
                format!(
                    "packed {what} is {} bytes long, not a multiple of {N}",
                    bytes.len()
                ),
            ));
        }
        let (chunks, _) = bytes.as_chunks::<N>();
        out.extend(chunks.iter().map(|b| conv(*b)));
        Ok(true)
    } else if wt == single_wt {
        out.push(conv(c.fixed::<N>(what)?));
        Ok(true)
    } else {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecordWriter;

    fn frames(write: impl FnOnce(&mut RecordWriter<Vec<u8>>)) -> Vec<u8> {
        let mut w = RecordWriter::new(Vec::new());
        write(&mut w);
        w.finish().expect("finish")
    }

    fn payload_of(bytes: &[u8]) -> Vec<u8> {
        let mut r = RecordReader::new(bytes);
        let (_, p) = r.next_payload().expect("one frame").expect("ok");
        p.to_vec()
    }

    #[test]
    fn fast_path_takes_the_sdk_layout_only() {
        let mut row = vec![9.0];
        for (features, label) in [
            (vec![1.5f32, -2.0], Some(1.0f32)),
            (vec![], None),
            (vec![0.5; 25], None),
        ] {
            let p = payload_of(&frames(|w| w.write_dense(&features, label).expect("write")));
            assert_eq!(fast_dense(&p, features.len(), &mut row), Some(label));
            assert_eq!(row, features);
            // Wrong dimension: no fast answer (the general path reports the error).
            assert_eq!(fast_dense(&p, features.len() + 1, &mut row), None);
        }
        let mut with_uid = Record::dense(vec![1.0, 2.0], Some(3.0));
        with_uid.uid = Some("u".into());
        let p = payload_of(&frames(|w| w.write_record(&with_uid).expect("write")));
        assert_eq!(fast_dense(&p, 2, &mut row), None);
        let p = payload_of(&frames(|w| {
            w.write_sparse(&[1], &[2.0], 2, None).expect("write")
        }));
        assert_eq!(fast_dense(&p, 2, &mut row), None);
        // The general path still reads both.
        let b = frames(|w| {
            w.write_record(&with_uid).expect("write");
            w.write_sparse(&[1], &[2.0], 2, Some(4.0)).expect("write");
        });
        let mut r = RecordReader::new(&b[..]);
        assert_eq!(
            r.next_dense(2, &mut row).expect("1").expect("ok"),
            Some(3.0)
        );
        assert_eq!(row, vec![1.0, 2.0]);
        assert_eq!(
            r.next_dense(2, &mut row).expect("2").expect("ok"),
            Some(4.0)
        );
        assert_eq!(row, vec![0.0, 2.0]);
    }
}
