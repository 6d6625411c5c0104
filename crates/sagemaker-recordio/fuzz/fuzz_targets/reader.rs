//! Feeds arbitrary bytes to the recordIO reader. Besides "no panic, no hang, no huge allocation",
//! it checks that every record the reader accepts re-encodes to bytes that decode to the same
//! encoding again (a fixed point), and that densifying never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sagemaker_recordio::{RecordReader, decode_record, encode_record};

fuzz_target!(|data: &[u8]| {
    let mut reader = RecordReader::new(data);
    let mut row = Vec::new();
    let mut n = 0u64;
    while let Some(item) = reader.next() {
        n += 1;
        let Ok(rec) = item else { continue };
        let _ = rec.dense_features_f32_into(25, &mut row);
        let _ = rec.try_label_f32();
        let mut once = Vec::new();
        encode_record(&rec, &mut once);
        let again = decode_record(&once, 0).expect("re-encoded record must decode");
        let mut twice = Vec::new();
        encode_record(&again, &mut twice);
        assert_eq!(once, twice, "encode/decode is not a fixed point");
    }
    assert!(n <= data.len() as u64 / 8 + 1);
    // The single-payload decoder on the raw bytes.
    let _ = decode_record(data, 0);
});
