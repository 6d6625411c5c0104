//! Feeds arbitrary bytes to the recordIO reader. Besides "no panic, no hang, no huge allocation",
//! it checks that
//! - every record the reader accepts re-encodes to bytes that decode and re-encode to the same
//!   bytes (a fixed point of encode ∘ decode);
//! - `next_dense` (with its fast path for the SDK layout) agrees with the general path
//!   (`next` + `dense_features_f32_into` + `try_label_f32`) on every record: same values (bit
//!   for bit), same label, error in the same places.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sagemaker_recordio::{RecordReader, decode_record, encode_record};

fuzz_target!(|data: &[u8]| {
    // Feature dimension taken from the data, so that the fast path is reachable.
    let dim = data.first().map_or(0, |b| usize::from(*b % 8));
    let mut general = RecordReader::new(data);
    let mut dense = RecordReader::new(data);
    let mut row_g = Vec::new();
    let mut row_d = Vec::new();
    let mut n = 0u64;
    loop {
        let g = general.next();
        let d = dense.next_dense(dim, &mut row_d);
        let (g, d) = match (g, d) {
            (None, None) => break,
            (Some(g), Some(d)) => (g, d),
            (g, d) => panic!("readers disagree on the number of records: {g:?} vs {d:?}"),
        };
        n += 1;
        let g = g.and_then(|rec| {
            let mut once = Vec::new();
            encode_record(&rec, &mut once);
            let again = decode_record(&once, 0).expect("re-encoded record must decode");
            let mut twice = Vec::new();
            encode_record(&again, &mut twice);
            assert_eq!(once, twice, "encode/decode is not a fixed point");
            Ok(rec
                .dense_features_f32_into(dim, &mut row_g)
                .and_then(|()| rec.try_label_f32()))
        });
        match (g, d) {
            (Ok(Ok(lg)), Ok(ld)) => {
                assert_eq!(lg.map(f32::to_bits), ld.map(f32::to_bits), "labels differ");
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&row_g), bits(&row_d), "rows differ");
            }
            (Ok(Err(_)), Err(_)) | (Err(_), Err(_)) => {}
            (g, d) => panic!("paths disagree: general {g:?} vs next_dense {d:?}"),
        }
    }
    assert!(n <= data.len() as u64 / 8 + 1);
    // The single-payload decoder on the raw bytes.
    let _ = decode_record(data, 0);
});
