//! MXNet/dmlc RecordIO framing as SageMaker uses it: `magic u32 LE`, `lrecord u32 LE` (low 29 bits
//! payload length, top 3 bits continuation flag), payload, zero padding to a 4-byte boundary.
//!
//! Kept apart from the protobuf code because the framing is independent of the payload: the
//! stand-in's Pipe-mode and ShardedByS3Key logic only ever need to count and slice frames.

/// RecordIO magic number (bytes `0a 23 d7 ce` on the wire).
pub const MAGIC: u32 = 0xCED7_230A;

/// Largest payload a frame can describe (29-bit length field).
pub const MAX_RECORD_LEN: usize = (1 << 29) - 1;

/// Size of the frame header.
pub(crate) const HEADER_LEN: usize = 8;

/// Zero bytes that follow a payload of `len` bytes.
#[inline]
pub(crate) fn padding(len: usize) -> usize {
    (4 - (len & 3)) & 3
}

/// Encodes the frame header for a complete (cflag 0) payload of `len` bytes.
#[inline]
pub(crate) fn header(len: usize) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(&MAGIC.to_le_bytes());
    h[4..].copy_from_slice(&(len as u32).to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_padding() {
        assert_eq!(header(44), [0x0a, 0x23, 0xd7, 0xce, 0x2c, 0, 0, 0]);
        assert_eq!(
            [padding(0), padding(1), padding(2), padding(3), padding(4)],
            [0, 3, 2, 1, 0]
        );
        assert_eq!(padding(41), 3);
    }
}
