//! Malformed input: every error is returned (never a panic) and names the exact byte offset.

use sagemaker_recordio::{Record, RecordIoError, RecordReader, RecordWriter, Tensor};

/// Two good 52-byte records (features [1.5, -2.0], label 1.0).
fn two_good() -> Vec<u8> {
    let mut w = RecordWriter::new(Vec::new());
    w.write_dense(&[1.5, -2.0], Some(1.0)).expect("write");
    w.write_dense(&[1.5, -2.0], Some(1.0)).expect("write");
    let b = w.finish().expect("finish");
    assert_eq!(b.len(), 104);
    b
}

/// Frames `payload` as one record.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut w = RecordWriter::new(Vec::new());
    w.write_payload(payload).expect("frame");
    w.finish().expect("finish")
}

/// Reads everything; returns the number of good records before the first error and the error.
fn first_error(bytes: &[u8]) -> (usize, RecordIoError) {
    let mut ok = 0;
    for r in RecordReader::new(bytes) {
        match r {
            Ok(_) => ok += 1,
            Err(e) => return (ok, e),
        }
    }
    panic!("expected an error, read {ok} good records");
}

fn assert_err(e: &RecordIoError, offset: u64, needle: &str) {
    assert_eq!(e.offset(), offset, "offset of: {e}");
    let msg = e.to_string();
    assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}");
    assert!(
        msg.contains(&format!("byte offset {offset}")),
        "message {msg:?} does not name the offset"
    );
}

#[test]
fn bad_magic() {
    let mut b = two_good();
    b.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 4, 0, 0, 0, 0, 0, 0, 0]);
    let (ok, e) = first_error(&b);
    assert_eq!(ok, 2);
    assert_err(&e, 104, "bad magic 0xefbeadde");
    // The old dmlc magic (0x3ed7230a) is not the SageMaker one.
    let mut b = two_good();
    b[52..56].copy_from_slice(&0x3ed7_230a_u32.to_le_bytes());
    let (ok, e) = first_error(&b);
    assert_eq!(ok, 1);
    assert_err(&e, 52, "bad magic");
}

#[test]
fn truncated_header() {
    for extra in 1..8 {
        let mut b = two_good();
        b.extend_from_slice(&[0x0a, 0x23, 0xd7, 0xce, 0x2c, 0, 0][..extra]);
        let (ok, e) = first_error(&b);
        assert_eq!(ok, 2);
        assert_err(&e, 104, &format!("only {extra} of 8 header bytes"));
    }
}

#[test]
fn truncated_record_and_length_past_end_of_input() {
    // Payload cut after 20 of 44 bytes: error at the end of input (8 + 20).
    let b = two_good();
    let (ok, e) = first_error(&b[..28]);
    assert_eq!(ok, 0);
    assert_err(&e, 28, "truncated record");
    assert!(e.to_string().contains("44-byte payload"), "{e}");
    // A header announcing far more than exists (length past the end of the input).
    let mut b = two_good();
    b[56..60].copy_from_slice(&((1u32 << 29) - 1).to_le_bytes());
    let (ok, e) = first_error(&b);
    assert_eq!(ok, 1);
    assert_err(&e, 104, "536870911-byte payload");
    // Missing padding after the last payload.
    let b = frame(&[0x18, 0x01, 0x18]); // 3-byte payload, needs 1 pad byte
    assert_eq!(b.len(), 12);
    let (_, e) = first_error(&b[..11]);
    assert_err(&e, 11, "padding");
}

#[test]
fn length_past_end_of_enclosing_message() {
    // Record.features entry claims 0x40 bytes but the payload has 4 left.
    let b = frame(&[0x0a, 0x40, 0x0a, 0x01, b'v', 0x00]);
    let (_, e) = first_error(&b);
    assert_err(&e, 9, "runs past the end of its enclosing message");
    // Nested: the tensor inside a Value claims more than the Value holds.
    let mut p = vec![0x0a, 0x0c, 0x0a, 0x06];
    p.extend_from_slice(b"values");
    p.extend_from_slice(&[0x12, 0x02, 0x12, 0x05]);
    let (_, e) = first_error(&frame(&p));
    assert_err(&e, 8 + 13, "Value.float32_tensor");
}

#[test]
fn unknown_wire_type() {
    let mut b = two_good();
    // Second record, first byte of its payload: field 1 with wire type 7.
    b[60] = 0x0f;
    let (ok, e) = first_error(&b);
    assert_eq!(ok, 1);
    assert_err(&e, 60, "unknown wire type 7 for field 1");
    // Wire type 6 deep inside (Float32Tensor level): offset 8 + 2 + 8 + 2 + 2 = 22.
    let mut b = two_good();
    b[22] = 0x0e;
    let (_, e) = first_error(&b);
    assert_err(&e, 22, "unknown wire type 6");
}

#[test]
fn split_record_cflag() {
    for cflag in 1u32..=3 {
        let mut b = two_good();
        let l = u32::from_le_bytes([b[56], b[57], b[58], b[59]]) | (cflag << 29);
        b[56..60].copy_from_slice(&l.to_le_bytes());
        let (ok, e) = first_error(&b);
        assert_eq!(ok, 1);
        assert_err(&e, 56, &format!("split record (cflag {cflag})"));
    }
}

#[test]
fn bad_varints() {
    // 11 continuation bytes where a field key should be.
    let (_, e) = first_error(&frame(&[0xff; 11]));
    assert_err(&e, 8, "bad varint (field key): longer than 10 bytes");
    // 10-byte varint whose last byte overflows 64 bits.
    let mut p = vec![0xff; 9];
    p.push(0x02);
    let (_, e) = first_error(&frame(&p));
    assert_err(&e, 8, "overflows 64 bits");
    // Truncated length varint inside a features entry (at offset 8 + 1).
    let (_, e) = first_error(&frame(&[0x0a, 0x80]));
    assert_err(&e, 9, "bad varint");
    assert!(e.to_string().contains("truncated"), "{e}");
    // Truncated varint inside packed keys.
    let mut t = vec![0x12, 0x02, 0x05, 0x80]; // keys: packed, 2 bytes: 5, then a cut varint
    let mut v = vec![0x12, t.len() as u8];
    v.append(&mut t);
    let mut entry = vec![0x0a, 0x06];
    entry.extend_from_slice(b"values");
    entry.extend_from_slice(&[0x12, v.len() as u8]);
    entry.extend_from_slice(&v);
    let mut p = vec![0x0a, entry.len() as u8];
    p.extend_from_slice(&entry);
    let (_, e) = first_error(&frame(&p));
    // header 8 + field 2 + key 8 + value hdr 2 + tensor hdr 2 + keys hdr 2 + first key 1
    assert_err(&e, 25, "bad varint (tensor keys)");
}

#[test]
fn wrong_tensor_type_names_the_record_offset() {
    let mut w = RecordWriter::new(Vec::new());
    w.write_dense(&[1.0, 2.0], Some(3.0)).expect("write");
    let mut f64_rec = Record::default();
    f64_rec.features.insert(
        "values".into(),
        Tensor::Float64 {
            values: vec![1.0, 2.0],
            keys: vec![],
            shape: vec![],
        },
    );
    w.write_record(&f64_rec).expect("write");
    let mut int_label = Record::dense(vec![1.0, 2.0], None);
    int_label.label.insert(
        "values".into(),
        Tensor::Int32 {
            values: vec![1],
            keys: vec![],
            shape: vec![],
        },
    );
    w.write_record(&int_label).expect("write");
    w.write_dense(&[1.0, 2.0, 3.0], None).expect("write");
    let b = w.finish().expect("finish");

    let mut r = RecordReader::new(&b[..]);
    let mut row = Vec::new();
    assert_eq!(
        r.next_dense(2, &mut row).expect("1st").expect("ok"),
        Some(3.0)
    );
    let second_at = r.position();
    let e = r.next_dense(2, &mut row).expect("2nd").expect_err("f64");
    assert_err(&e, second_at, "wrong tensor type");
    assert!(e.to_string().contains("Float64Tensor") && e.to_string().contains("record #1"));
    let third_at = r.position();
    let e = r
        .next_dense(2, &mut row)
        .expect("3rd")
        .expect_err("int label");
    assert_err(&e, third_at, "label tensor \"values\" is a Int32Tensor");
    let fourth_at = r.position();
    let e = r.next_dense(2, &mut row).expect("4th").expect_err("dim");
    assert_err(&e, fourth_at, "3 values, expected feature_dim 2");
    assert!(r.next_dense(2, &mut row).is_none());
}

#[test]
fn packed_float_length_and_utf8() {
    let mut p = vec![0x0a, 0x11, 0x0a, 0x06];
    p.extend_from_slice(b"values");
    p.extend_from_slice(&[0x12, 0x07, 0x12, 0x05, 0x0a, 0x03, 1, 2, 3]);
    let (_, e) = first_error(&frame(&p));
    assert_err(&e, 8 + 16, "not a multiple of 4");
    let (_, e) = first_error(&frame(&[0x1a, 0x03, b'a', 0xff, b'b']));
    assert_err(&e, 8 + 3, "invalid UTF-8 in Record.uid");
}

#[test]
fn unmatched_groups() {
    // End-group with no start, and a start-group that never ends.
    let (_, e) = first_error(&frame(&[0x7c]));
    assert_err(&e, 8, "unexpected end-group");
    let (_, e) = first_error(&frame(&[0x7b, 0x08, 0x01]));
    assert_err(&e, 8, "no end-group tag");
    // Groups nested past the depth limit.
    let mut p = vec![0x7b; 200];
    p.extend(vec![0x7c; 200]);
    let (_, e) = first_error(&frame(&p));
    assert!(e.to_string().contains("nested deeper"), "{e}");
}

#[test]
fn protobuf_error_skips_one_record_framing_error_ends_iteration() {
    let good = two_good();
    let mut b = good[..52].to_vec();
    b.extend(frame(&[0xff; 11]));
    b.extend_from_slice(&good[52..]);
    let results: Vec<bool> = RecordReader::new(&b[..]).map(|r| r.is_ok()).collect();
    assert_eq!(results, vec![true, false, true]);
    // After a framing error nothing more is yielded even though good bytes follow.
    let mut b = vec![0u8; 8];
    b.extend_from_slice(&good);
    let results: Vec<bool> = RecordReader::new(&b[..]).map(|r| r.is_ok()).collect();
    assert_eq!(results, vec![false]);
}

#[test]
fn io_errors_of_the_source_carry_the_offset() {
    struct FailAfter(usize);
    impl std::io::Read for FailAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("network reset"));
            }
            let n = buf.len().min(self.0);
            buf[..n].copy_from_slice(&two_good()[..n]);
            self.0 -= n;
            Ok(n)
        }
    }
    let (ok, e) = {
        let mut ok = 0;
        let mut err = None;
        for r in RecordReader::new(FailAfter(30)) {
            match r {
                Ok(_) => ok += 1,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        (ok, err.expect("io error"))
    };
    assert_eq!(ok, 0);
    assert!(matches!(e, RecordIoError::Io { offset: 30, .. }), "{e}");
}
