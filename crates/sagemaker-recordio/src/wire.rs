//! Protobuf wire-format primitives (varints, tags, length-delimited slices) with absolute byte
//! offsets in every error.
//!
//! Why hand-written rather than `prost`/`protobuf`: the schema (`aialgs.data.Record`) is tiny and
//! fixed, so the whole codec is a few hundred lines; we need streaming over recordIO framing (which
//! no protobuf crate does), errors that name the exact byte offset in the *file* (prost reports
//! only a reason), a writer that encodes a dense row straight from `&[f32]` into a reused buffer
//! without building message structs, and no `protoc`/build script in the notebooks' `:dep` graph.

use crate::RecordIoError;

/// Wire type 0: varint.
pub(crate) const WT_VARINT: u8 = 0;
/// Wire type 1: 64-bit little-endian.
pub(crate) const WT_I64: u8 = 1;
/// Wire type 2: length-delimited.
pub(crate) const WT_LEN: u8 = 2;
/// Wire type 3: start group (deprecated, still skippable).
pub(crate) const WT_SGROUP: u8 = 3;
/// Wire type 4: end group.
pub(crate) const WT_EGROUP: u8 = 4;
/// Wire type 5: 32-bit little-endian.
pub(crate) const WT_I32: u8 = 5;

/// Nesting limit for skipped groups (protobuf's own default recursion limit is 100).
const MAX_GROUP_DEPTH: u32 = 100;

/// Number of bytes `v` takes as a varint (1..=10).
#[inline]
pub(crate) fn varint_len(v: u64) -> usize {
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Appends `v` as a varint.
#[inline]
pub(crate) fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Appends a field key (tag) for `field` with wire type `wt`.
#[inline]
pub(crate) fn put_tag(buf: &mut Vec<u8>, field: u32, wt: u8) {
    put_varint(buf, (u64::from(field) << 3) | u64::from(wt));
}

/// Size of a tag for `field` (any wire type).
#[inline]
pub(crate) fn tag_len(field: u32) -> usize {
    varint_len(u64::from(field) << 3)
}

/// Size of a length-delimited field holding `body` bytes, including its tag.
#[inline]
pub(crate) fn len_field_len(field: u32, body: usize) -> usize {
    tag_len(field) + varint_len(body as u64) + body
}

/// A read position inside one protobuf message, aware of its absolute position in the input.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    /// Absolute byte offset of `data[0]` in the input stream.
    base: u64,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(data: &'a [u8], base: u64) -> Self {
        Self { data, pos: 0, base }
    }

    /// Absolute byte offset of the next unread byte.
    #[inline]
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    #[inline]
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn err(&self, at: u64, message: String) -> RecordIoError {
        debug_assert!(at <= self.base + self.data.len() as u64);
        RecordIoError::Malformed {
            offset: at,
            message,
        }
    }

    /// Reads a varint; `what` names the thing being read for the error message.
    #[inline]
    pub(crate) fn varint(&mut self, what: &str) -> Result<u64, RecordIoError> {
        let start = self.pos;
        // Fast path: single byte.
        if let Some(&b) = self.data.get(start)
            && b < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(b));
        }
        let mut v: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.data.get(start + i) else {
                return Err(self.err(
                    self.base + start as u64,
                    format!(
                        "bad varint ({what}): truncated after {i} byte(s) at end of enclosing message"
                    ),
                ));
            };
            if i == 9 && b >= 0x80 {
                break;
            }
            if i == 9 && b > 1 {
                return Err(self.err(
                    self.base + start as u64,
                    format!("bad varint ({what}): value overflows 64 bits"),
                ));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.pos = start + i + 1;
                return Ok(v);
            }
        }
        Err(self.err(
            self.base + start as u64,
            format!("bad varint ({what}): longer than 10 bytes"),
        ))
    }

    /// Reads a field key, returning `(field number, wire type, offset of the key)`.
    pub(crate) fn tag(&mut self) -> Result<(u32, u8, u64), RecordIoError> {
        let at = self.offset();
        let key = self.varint("field key")?;
        let wt = (key & 7) as u8;
        let field = key >> 3;
        if field == 0 {
            return Err(self.err(at, "invalid field number 0 in field key".to_string()));
        }
        if field > (1 << 29) - 1 {
            return Err(self.err(at, format!("invalid field number {field} (max 536870911)")));
        }
        if wt > WT_I32 {
            return Err(self.err(at, format!("unknown wire type {wt} for field {field}")));
        }
        Ok((field as u32, wt, at))
    }

    /// Reads the length prefix and returns a cursor over the length-delimited body.
    pub(crate) fn len_delimited(&mut self, what: &str) -> Result<Cursor<'a>, RecordIoError> {
        let at = self.offset();
        let len = self.varint(what)?;
        let rem = self.remaining();
        if len > rem as u64 {
            return Err(self.err(
                at,
                format!(
                    "length {len} of {what} runs past the end of its enclosing message ({rem} byte(s) left)"
                ),
            ));
        }
        let len = len as usize;
        let sub = Cursor {
            data: &self.data[self.pos..self.pos + len],
            pos: 0,
            base: self.offset(),
        };
        self.pos += len;
        Ok(sub)
    }

    /// The unread rest of this cursor as a byte slice (consumes it).
    pub(crate) fn take_rest(&mut self) -> &'a [u8] {
        let s = &self.data[self.pos..];
        self.pos = self.data.len();
        s
    }

    /// Reads `N` raw bytes.
    #[inline]
    pub(crate) fn fixed<const N: usize>(&mut self, what: &str) -> Result<[u8; N], RecordIoError> {
        let at = self.offset();
        match self.data.get(self.pos..self.pos + N) {
            Some(s) => {
                let mut out = [0u8; N];
                out.copy_from_slice(s);
                self.pos += N;
                Ok(out)
            }
            None => Err(self.err(
                at,
                format!(
                    "truncated {N}-byte fixed field ({what}): {} byte(s) left in enclosing message",
                    self.remaining()
                ),
            )),
        }
    }

    /// Skips a field whose key was already read, per protobuf rules for unknown fields.
    pub(crate) fn skip(&mut self, field: u32, wt: u8, key_at: u64) -> Result<(), RecordIoError> {
        self.skip_depth(field, wt, key_at, 0)
    }

    fn skip_depth(
        &mut self,
        field: u32,
        wt: u8,
        key_at: u64,
        depth: u32,
    ) -> Result<(), RecordIoError> {
        match wt {
            WT_VARINT => {
                self.varint("unknown varint field")?;
            }
            WT_I64 => {
                self.fixed::<8>("unknown 64-bit field")?;
            }
            WT_I32 => {
                self.fixed::<4>("unknown 32-bit field")?;
            }
            WT_LEN => {
                self.len_delimited("unknown length-delimited field")?;
            }
            WT_SGROUP => {
                if depth >= MAX_GROUP_DEPTH {
                    return Err(self.err(
                        key_at,
                        format!("groups nested deeper than {MAX_GROUP_DEPTH}"),
                    ));
                }
                loop {
                    if self.is_empty() {
                        return Err(self.err(
                            key_at,
                            format!("group for field {field} has no end-group tag"),
                        ));
                    }
                    let (f, w, at) = self.tag()?;
                    if w == WT_EGROUP {
                        if f != field {
                            return Err(self.err(
                                at,
                                format!(
                                    "end-group tag for field {f} does not match start-group field {field}"
                                ),
                            ));
                        }
                        break;
                    }
                    self.skip_depth(f, w, at, depth + 1)?;
                }
            }
            WT_EGROUP => {
                return Err(self.err(
                    key_at,
                    format!("unexpected end-group tag for field {field}"),
                ));
            }
            _ => {
                return Err(self.err(key_at, format!("unknown wire type {wt} for field {field}")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: u64) -> Vec<u8> {
        let mut b = Vec::new();
        put_varint(&mut b, v);
        b
    }

    #[test]
    fn varint_round_trip_and_lengths() {
        for &v in &[
            0u64,
            1,
            127,
            128,
            300,
            16383,
            16384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let b = enc(v);
            assert_eq!(b.len(), varint_len(v), "len of {v}");
            let mut c = Cursor::new(&b, 0);
            assert_eq!(c.varint("t").expect("decodes"), v);
            assert!(c.is_empty());
        }
        assert_eq!(enc(300), vec![0xac, 0x02]);
        assert_eq!(enc(u64::MAX).len(), 10);
    }

    #[test]
    fn varint_errors_name_offsets() {
        let b = [0x80u8, 0x80];
        let mut c = Cursor::new(&b, 100);
        let e = c.varint("x").expect_err("truncated");
        assert_eq!(e.offset(), 100);
        assert!(e.to_string().contains("truncated"), "{e}");

        let b = [0xffu8; 11];
        let mut c = Cursor::new(&b, 7);
        let e = c.varint("x").expect_err("too long");
        assert_eq!(e.offset(), 7);
        assert!(e.to_string().contains("longer than 10 bytes"), "{e}");
        let mut b = vec![0xffu8; 9];
        b.push(0x7f);
        let e = Cursor::new(&b, 0).varint("x").expect_err("overflow");
        assert!(e.to_string().contains("overflows"), "{e}");

        let mut b = vec![0xffu8; 9];
        b.push(0x01);
        let mut c = Cursor::new(&b, 0);
        assert_eq!(c.varint("x").expect("max"), u64::MAX);
    }

    #[test]
    fn tag_rejects_wire_types_6_and_7_and_field_zero() {
        let mut c = Cursor::new(&[0x0e], 40);
        let e = c.tag().expect_err("wt 6");
        assert_eq!(e.offset(), 40);
        assert!(e.to_string().contains("unknown wire type 6"), "{e}");
        let mut c = Cursor::new(&[0x02], 3);
        let e = c.tag().expect_err("field 0");
        assert!(e.to_string().contains("field number 0"), "{e}");
    }

    #[test]
    fn skips_nested_groups() {
        // field 5 start group, field 6 varint 1, field 7 group { }, end group 5, then field 1 varint.
        let b = [0x2b, 0x30, 0x01, 0x3b, 0x3c, 0x2c, 0x08, 0x05];
        let mut c = Cursor::new(&b, 0);
        let (f, w, at) = c.tag().expect("tag");
        assert_eq!((f, w), (5, WT_SGROUP));
        c.skip(f, w, at).expect("skip group");
        let (f, w, _) = c.tag().expect("tag");
        assert_eq!((f, w), (1, WT_VARINT));
        assert_eq!(c.varint("v").expect("v"), 5);
        // Mismatched end group.
        let b = [0x2b, 0x34];
        let mut c = Cursor::new(&b, 0);
        let (f, w, at) = c.tag().expect("tag");
        let e = c.skip(f, w, at).expect_err("mismatch");
        assert_eq!(e.offset(), 1);
    }
}
