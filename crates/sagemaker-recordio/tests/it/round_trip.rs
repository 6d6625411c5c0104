//! Round trips: random records of every tensor type (seeded, property style), dense matrices,
//! real GDELT numbers, byte-at-a-time input, and protobuf parsing rules (unknown fields,
//! unpacked repeated scalars, merged messages).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sagemaker_recordio::{
    Record, RecordReader, RecordWriter, Tensor, decode_record, encode_record, write_dense_matrix,
};

/// A finite f32 from random bits (any exponent, subnormals, ±0), never NaN so `==` works.
fn any_f32(rng: &mut ChaCha8Rng) -> f32 {
    loop {
        let v = f32::from_bits(rng.random());
        if !v.is_nan() {
            return v;
        }
    }
}

fn any_f64(rng: &mut ChaCha8Rng) -> f64 {
    loop {
        let v = f64::from_bits(rng.random());
        if !v.is_nan() {
            return v;
        }
    }
}

fn any_u64s(rng: &mut ChaCha8Rng, n: usize) -> Vec<u64> {
    (0..n)
        .map(|_| {
            // Mix small and huge values to cover every varint length.
            let bits = rng.random_range(0..=64u32);
            if bits == 0 {
                0
            } else {
                rng.random::<u64>() >> (64 - bits)
            }
        })
        .collect()
}

fn any_string(rng: &mut ChaCha8Rng) -> String {
    let n = rng.random_range(0..12);
    (0..n)
        .map(|_| match rng.random_range(0..4) {
            0 => 'é',
            1 => '€',
            2 => '\u{1F600}',
            _ => char::from(rng.random_range(b' '..=b'~')),
        })
        .collect()
}

fn any_tensor(rng: &mut ChaCha8Rng) -> Tensor {
    let n = rng.random_range(0..40);
    let sparse = rng.random_bool(0.3);
    let keys = if sparse { any_u64s(rng, n) } else { vec![] };
    let shape = if sparse || rng.random_bool(0.2) {
        let n = rng.random_range(1..3);
        any_u64s(rng, n)
    } else {
        vec![]
    };
    match rng.random_range(0..4) {
        0 => Tensor::Float32 {
            values: (0..n).map(|_| any_f32(rng)).collect(),
            keys,
            shape,
        },
        1 => Tensor::Float64 {
            values: (0..n).map(|_| any_f64(rng)).collect(),
            keys,
            shape,
        },
        2 => Tensor::Int32 {
            values: (0..n).map(|_| rng.random::<i32>()).collect(),
            keys,
            shape,
        },
        _ => Tensor::Bytes {
            values: (0..rng.random_range(0..4))
                .map(|_| {
                    (0..rng.random_range(0..20))
                        .map(|_| rng.random::<u8>())
                        .collect()
                })
                .collect(),
            content_type: rng.random_bool(0.5).then(|| any_string(rng)),
        },
    }
}

fn any_map(rng: &mut ChaCha8Rng) -> BTreeMap<String, Tensor> {
    (0..rng.random_range(0..4))
        .map(|i| {
            let key = if i == 0 {
                "values".to_string()
            } else {
                any_string(rng)
            };
            (key, any_tensor(rng))
        })
        .collect()
}

fn any_record(rng: &mut ChaCha8Rng) -> Record {
    Record {
        features: any_map(rng),
        label: any_map(rng),
        uid: rng.random_bool(0.3).then(|| any_string(rng)),
        metadata: rng.random_bool(0.3).then(|| any_string(rng)),
        configuration: rng.random_bool(0.3).then(|| any_string(rng)),
    }
}

#[test]
fn random_records_of_every_type_round_trip() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_2026);
    let records: Vec<Record> = (0..2000).map(|_| any_record(&mut rng)).collect();
    let mut w = RecordWriter::new(Vec::new());
    for r in &records {
        w.write_record(r).expect("write");
    }
    assert_eq!(w.records_written(), 2000);
    let bytes = w.finish().expect("finish");
    assert_eq!(bytes.len() % 4, 0, "every frame is padded to 4 bytes");
    let back: Vec<Record> = RecordReader::new(&bytes[..])
        .collect::<Result<_, _>>()
        .expect("reads back");
    assert_eq!(back.len(), records.len());
    for (i, (a, b)) in records.iter().zip(&back).enumerate() {
        assert_eq!(a, b, "record {i}");
    }
    // Single-payload API agrees with the stream.
    let mut payload = Vec::new();
    encode_record(&records[7], &mut payload);
    assert_eq!(decode_record(&payload, 0).expect("decode"), records[7]);
}

#[test]
fn random_dense_rows_round_trip_through_matrix_writer_and_next_dense() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    for &(n_rows, n_cols) in &[(1usize, 1usize), (257, 25), (1000, 3), (3, 5000)] {
        let rows: Vec<f32> = (0..n_rows * n_cols).map(|_| any_f32(&mut rng)).collect();
        let labels: Vec<f32> = (0..n_rows).map(|_| any_f32(&mut rng)).collect();
        for with_labels in [false, true] {
            let lab = with_labels.then_some(labels.as_slice());
            let bytes = write_dense_matrix(Vec::new(), &rows, n_cols, lab).expect("write");
            let mut r = RecordReader::new(&bytes[..]);
            let mut row = Vec::new();
            let mut i = 0;
            while let Some(res) = r.next_dense(n_cols, &mut row) {
                let label = res.expect("row decodes");
                assert_eq!(
                    row.as_slice(),
                    &rows[i * n_cols..(i + 1) * n_cols],
                    "row {i}"
                );
                assert_eq!(label, lab.map(|l| l[i]), "label {i}");
                i += 1;
            }
            assert_eq!(i, n_rows);
            assert_eq!(r.position(), bytes.len() as u64);
        }
    }
}

#[test]
fn nan_and_infinity_bits_survive() {
    let specials = [
        f32::NAN,
        f32::from_bits(0x7fc0_0001),
        f32::from_bits(0xffff_ffff),
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        f32::MIN_POSITIVE / 2.0,
    ];
    let bytes = write_dense_matrix(Vec::new(), &specials, specials.len(), Some(&[f32::NAN]))
        .expect("write");
    let mut r = RecordReader::new(&bytes[..]);
    let mut row = Vec::new();
    let label = r
        .next_dense(specials.len(), &mut row)
        .expect("row")
        .expect("ok");
    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&row), bits(&specials));
    assert_eq!(label.map(f32::to_bits), Some(f32::NAN.to_bits()));
}

/// A reader that hands out one byte per `read` call, to exercise every buffer boundary.
struct Trickle<'a>(&'a [u8]);
impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((b, rest)), Some(slot)) => {
                *slot = *b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn byte_at_a_time_input_reads_the_same() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let records: Vec<Record> = (0..200).map(|_| any_record(&mut rng)).collect();
    let mut w = RecordWriter::new(Vec::new());
    for r in &records {
        w.write_record(r).expect("write");
    }
    let bytes = w.finish().expect("finish");
    let back: Vec<Record> = RecordReader::new(Trickle(&bytes))
        .collect::<Result<_, _>>()
        .expect("reads back");
    assert_eq!(back, records);
}

/// `<workspace>/testdata/gdelt`, the real GDELT fixtures kept in the repository.
fn gdelt_real_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/gdelt")
}

#[test]
fn real_gdelt_numbers_round_trip() {
    let path = gdelt_real_dir().join("derived/historical57_all_raw_rows.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the real GDELT rows {} ({e}); they are part of the repository",
            path.display()
        )
    });
    // NumMentions, NumSources, NumArticles, AvgTone, Actor1Geo lat/long, Actor2Geo lat/long,
    // ActionGeo lat/long (0-based columns of the 57-column format); label GoldsteinScale (30).
    let cols = [31usize, 32, 33, 34, 39, 40, 46, 47, 53, 54];
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            f.len(),
            57,
            "line {} of {} has 57 columns",
            ln + 1,
            path.display()
        );
        for &c in &cols {
            rows.push(if f[c].is_empty() {
                0.0
            } else {
                f[c].parse::<f32>().expect("numeric GDELT column")
            });
        }
        labels.push(f[30].parse::<f32>().expect("GoldsteinScale"));
    }
    assert!(labels.len() > 300, "expected the 322 real rows");
    let bytes = write_dense_matrix(Vec::new(), &rows, cols.len(), Some(&labels)).expect("write");
    // 10 features + label: header 8 + features field 56 (40 float bytes + 16 framing) + label
    // field 20 = 84 bytes per record, no padding.
    assert_eq!(bytes.len(), labels.len() * 84);
    let back: Vec<Record> = RecordReader::new(&bytes[..])
        .collect::<Result<_, _>>()
        .expect("reads back");
    for (i, rec) in back.iter().enumerate() {
        assert_eq!(
            rec.dense_features_f32(cols.len()).expect("dense"),
            &rows[i * cols.len()..(i + 1) * cols.len()]
        );
        assert_eq!(rec.label_f32(), Some(labels[i]));
    }
    // AvgTone of the first real row (ID 0 of 1979.csv) is 5.52631578947368.
    let tone: f32 = "5.52631578947368".parse().expect("f32");
    assert_eq!(
        back[0].dense_features_f32(cols.len()).expect("dense")[3],
        tone
    );
}

/// Builds bytes of a length-delimited field.
fn ld(field: u8, body: &[u8]) -> Vec<u8> {
    assert!(body.len() < 128);
    let mut v = vec![(field << 3) | 2, body.len() as u8];
    v.extend_from_slice(body);
    v
}

/// Unknown fields of every wire type, to be sprinkled into each message level.
fn unknowns() -> Vec<u8> {
    let mut v = vec![
        0x78, 0x96, 0x01, // field 15 varint 150
        0x79, 1, 2, 3, 4, 5, 6, 7, 8, // field 15 fixed64
        0x7d, 1, 2, 3, 4, // field 15 fixed32
        0x7b, 0x08, 0x01, 0x7c, // field 15 group { field 1 varint 1 }
    ];
    v.extend(ld(14, b"junk"));
    v
}

#[test]
fn unknown_fields_unpacked_scalars_and_merging_follow_protobuf_rules() {
    // Float32Tensor: values split over an unpacked float and a packed run, unknowns in between,
    // keys unpacked (varint) and packed, shape packed.
    let mut tensor = vec![0x0d];
    tensor.extend_from_slice(&1.5f32.to_le_bytes());
    tensor.extend(unknowns());
    let mut packed = Vec::new();
    packed.extend_from_slice(&(-2.0f32).to_le_bytes());
    packed.extend_from_slice(&3.0f32.to_le_bytes());
    tensor.extend(ld(1, &packed));
    tensor.extend([0x10, 0x00]); // keys: 0 (unpacked)
    tensor.extend(ld(2, &[0x05, 0x09])); // keys: 5, 9 (packed)
    tensor.extend(ld(3, &[0x0a])); // shape [10]
    // Value: the float32_tensor member appears twice and must be merged; unknowns around it.
    let mut value = unknowns();
    value.extend(ld(2, &tensor[..5])); // first part: values [1.5]
    value.extend(ld(2, &tensor[5..]));
    let mut entry = unknowns();
    entry.extend(ld(1, b"values"));
    entry.extend(ld(2, &value));
    let mut payload = unknowns();
    payload.extend(ld(1, &entry));
    // A features entry for another key that is then overwritten by a later entry (last wins).
    let mut other = ld(1, b"x");
    other.extend(ld(2, &ld(2, &ld(1, &1.0f32.to_le_bytes()))));
    payload.extend(ld(1, &other));
    let mut other2 = ld(1, b"x");
    other2.extend(ld(2, &ld(7, &ld(1, &[0x7f])))); // int32_tensor values [127]
    payload.extend(ld(1, &other2));
    payload.extend(ld(3, b"uid-1"));
    payload.extend(ld(3, b"uid-2")); // optional string: last wins
    payload.extend(unknowns());

    let rec = decode_record(&payload, 0).expect("decodes");
    assert_eq!(
        rec.features.get("values"),
        Some(&Tensor::Float32 {
            values: vec![1.5, -2.0, 3.0],
            keys: vec![0, 5, 9],
            shape: vec![10],
        })
    );
    assert_eq!(
        rec.features.get("x"),
        Some(&Tensor::Int32 {
            values: vec![127],
            keys: vec![],
            shape: vec![],
        })
    );
    assert_eq!(rec.uid.as_deref(), Some("uid-2"));
    assert!(rec.label.is_empty());
    let mut dense = vec![0.0f32; 10];
    dense[0] = 1.5;
    dense[5] = -2.0;
    dense[9] = 3.0;
    assert_eq!(rec.dense_features_f32(10).expect("sparse → dense"), dense);
}

#[test]
fn negative_int32_values_use_ten_byte_varints_and_known_field_wrong_wire_type_is_skipped() {
    let mut rec = Record::default();
    rec.label.insert(
        "values".into(),
        Tensor::Int32 {
            values: vec![-1, i32::MIN, i32::MAX, 0],
            keys: vec![],
            shape: vec![],
        },
    );
    let mut payload = Vec::new();
    encode_record(&rec, &mut payload);
    // -1 is ff ff ff ff ff ff ff ff ff 01 on the wire, as the SDK writes it.
    let minus_one = [0xffu8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert!(payload.windows(10).any(|w| w == minus_one));
    // Record.uid (field 3) sent as a varint: wrong wire type for a known field → unknown, skipped.
    payload.extend([0x18, 0x05]);
    assert_eq!(decode_record(&payload, 0).expect("decodes"), rec);
}
