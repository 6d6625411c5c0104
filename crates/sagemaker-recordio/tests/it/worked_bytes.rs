//! Three worked examples (bytes produced by the Python SDK's own `write_numpy_to_dense_tensor`
//! and pasted here; `scripts/test-recordio-interop.sh` checks the same writer live), in both directions.

use sagemaker_recordio::{Record, RecordReader, RecordWriter, Tensor, write_dense_matrix};

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .filter(|t| *t != "|")
        .map(|t| u8::from_str_radix(t, 16).expect("hex byte"))
        .collect()
}

const DENSE_WITH_LABEL: &str = "0a 23 d7 ce 2c 00 00 00 \
    0a 16 0a 06 76 61 6c 75 65 73 12 0c 12 0a 0a 08 00 00 c0 3f 00 00 00 c0 \
    12 12 0a 06 76 61 6c 75 65 73 12 08 12 06 0a 04 00 00 80 3f";

const INT_LABEL_PADDED: &str = "0a 23 d7 ce 29 00 00 00 | 0a 16 0a 06 76 61 6c 75 65 73 12 0c 12 0a 0a 08 00 00 80 3f 00 00 00 40 | 12 0f 0a 06 76 61 6c 75 65 73 12 05 3a 03 0a 01 01 | 00 00 00";

const FEATURES_ONLY: &str =
    "0a 23 d7 ce 14 00 00 00 0a 12 0a 06 76 61 6c 75 65 73 12 08 12 06 0a 04 00 00 80 3f";

fn read_all(bytes: &[u8]) -> Vec<Record> {
    RecordReader::new(bytes)
        .collect::<Result<Vec<_>, _>>()
        .expect("valid stream")
}

#[test]
fn dense_row_with_float_label_writes_the_sdk_bytes() {
    let expected = hex(DENSE_WITH_LABEL);
    assert_eq!(expected.len(), 52);
    let mut w = RecordWriter::new(Vec::new());
    w.write_dense(&[1.5, -2.0], Some(1.0)).expect("write");
    assert_eq!(w.finish().expect("finish"), expected);
    // Same through the matrix helper and the general encoder.
    let m = write_dense_matrix(Vec::new(), &[1.5, -2.0], 2, Some(&[1.0])).expect("matrix");
    assert_eq!(m, expected);
    let mut w = RecordWriter::new(Vec::new());
    w.write_record(&Record::dense(vec![1.5, -2.0], Some(1.0)))
        .expect("write");
    assert_eq!(w.finish().expect("finish"), expected);
}

#[test]
fn dense_row_with_float_label_reads_back() {
    let recs = read_all(&hex(DENSE_WITH_LABEL));
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0], Record::dense(vec![1.5, -2.0], Some(1.0)));
    assert_eq!(
        recs[0].dense_features_f32(2).expect("features"),
        vec![1.5, -2.0]
    );
    assert_eq!(recs[0].label_f32(), Some(1.0));
    let bytes = hex(DENSE_WITH_LABEL);
    let mut r = RecordReader::new(&bytes[..]);
    let mut row = Vec::new();
    let label = r.next_dense(2, &mut row).expect("one").expect("ok");
    assert_eq!((row.as_slice(), label), (&[1.5f32, -2.0][..], Some(1.0)));
    assert!(r.next_dense(2, &mut row).is_none());
    assert_eq!(r.position(), 52);
}

fn int_label_record() -> Record {
    let mut rec = Record::dense(vec![1.0, 2.0], None);
    rec.label.insert(
        "values".into(),
        Tensor::Int32 {
            values: vec![1],
            keys: vec![],
            shape: vec![],
        },
    );
    rec
}

#[test]
fn int_label_with_padding_writes_the_sdk_bytes() {
    let expected = hex(INT_LABEL_PADDED);
    assert_eq!(expected.len(), 52);
    let mut w = RecordWriter::new(Vec::new());
    w.write_record(&int_label_record()).expect("write");
    assert_eq!(w.finish().expect("finish"), expected);
}

#[test]
fn int_label_with_padding_reads_back() {
    let bytes = hex(INT_LABEL_PADDED);
    let recs = read_all(&bytes);
    assert_eq!(recs, vec![int_label_record()]);
    assert_eq!(recs[0].label_f32(), None);
    assert!(recs[0].try_label_f32().is_err());
    // Two padded records back to back: the padding is consumed, the second frame starts at 52.
    let mut two = bytes.clone();
    two.extend_from_slice(&bytes);
    let mut r = RecordReader::new(&two[..]);
    assert!(r.next().expect("first").is_ok());
    assert!(r.next().expect("second").is_ok());
    assert_eq!(r.last_record_offset(), 52);
    assert!(r.next().is_none());
}

#[test]
fn feature_only_row_both_directions() {
    let expected = hex(FEATURES_ONLY);
    assert_eq!(expected.len(), 28);
    let mut w = RecordWriter::new(Vec::new());
    w.write_dense(&[1.0], None).expect("write");
    assert_eq!(w.finish().expect("finish"), expected);
    let recs = read_all(&expected);
    assert_eq!(recs, vec![Record::dense(vec![1.0], None)]);
    assert!(recs[0].label.is_empty());
    assert_eq!(recs[0].label_f32(), None);
}
