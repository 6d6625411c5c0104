//! Generator tests: determinism, format, calibration against the real shares.

use super::*;

fn generate(year: i32, rows: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let n = write_year(&mut out, &GeneratorConfig { year, rows, seed }).expect("write");
    assert_eq!(n, rows as u64);
    out
}

#[test]
fn g15_formats_like_printf() {
    let cases = [
        (105.0 / 19.0, "5.52631578947368"),
        (0.0, "0"),
        (5.0, "5"),
        (10.9792284866469, "10.9792284866469"),
        (100.0 / 3.0, "33.3333333333333"),
        (0.5, "0.5"),
        (2.72108843537415, "2.72108843537415"),
        (12.5, "12.5"),
    ];
    for (v, want) in cases {
        let mut b = Vec::new();
        push_g15(&mut b, v);
        assert_eq!(String::from_utf8(b).expect("utf8"), want, "{v}");
    }
}

#[test]
fn fraction_date_rule() {
    assert_eq!(date_text(1979, 1, 1), b"19790101\t197901\t1979\t1979.0027");
    assert_eq!(date_text(1979, 12, 31), b"19791231\t197912\t1979\t1979.989");
    assert_eq!(
        date_text(2010, 11, 30),
        b"20101130\t201011\t2010\t2010.9041"
    );
}

#[test]
fn deterministic_and_seed_sensitive() {
    let a = generate(1980, 3000, 7);
    let b = generate(1980, 3000, 7);
    let c = generate(1980, 3000, 8);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn rows_are_well_formed_sorted_and_ids_in_blocks() {
    let out = generate(1979, 20_000, 1);
    let text = String::from_utf8(out).expect("utf8");
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 20_000);
    assert!(rows.iter().all(|r| r.len() == 57));
    // main block then tail, each sorted by (SQLDATE, Actor1Code, Actor2Code)
    let split = rows
        .iter()
        .position(|r| r[56] == "20130206")
        .expect("tail exists");
    let expected_main = (20_000.0f64 * 399_900.0 / 430_941.0).round() as usize;
    assert_eq!(split, expected_main);
    assert!(rows[..split].iter().all(|r| r[56] == "20130203"));
    assert!(rows[split..].iter().all(|r| r[56] == "20130206"));
    for block in [&rows[..split], &rows[split..]] {
        for w in block.windows(2) {
            let k0 = (w[0][1], w[0][5], w[0][15]);
            let k1 = (w[1][1], w[1][5], w[1][15]);
            assert!(k0 <= k1, "unsorted: {k0:?} > {k1:?}");
        }
    }
    assert_eq!(rows[0][0], "0");
    assert_eq!(rows[0][1], "19790101");
    assert_eq!(rows[split - 1][0], (split - 1).to_string());
    assert_eq!(rows[split][0], TAIL_START_1979.to_string());
    assert_eq!(rows.last().map(|r| r[1]), Some("19791231"));
    for r in &rows {
        // derived code columns
        assert_eq!(r[27], &r[26][..3]);
        assert_eq!(r[28], &r[26][..2]);
        assert_eq!(
            r[29],
            crate::cameo::quad_class(r[26]).expect("qc").to_string()
        );
        let g: f64 = r[30].parse().expect("goldstein");
        assert_eq!(Some(g), crate::cameo::goldstein(r[26]));
        // absent actors: empty code, geo type "" and (0,0) with FeatureID 0
        assert!(
            !(r[5].is_empty() && r[15].is_empty()),
            "an event without actors"
        );
        for (code, geo) in [(5, 35), (15, 42)] {
            if r[code].is_empty() {
                assert_eq!(&r[geo..geo + 7], &["", "", "", "", "0", "0", "0"]);
            }
            if r[geo] == "1" {
                assert_eq!(r[geo + 6], "0", "country-level FeatureID");
            }
        }
        if r[53] == "0" && r[54] == "0" {
            assert_eq!(r[55], "", "missing ActionGeo has an empty FeatureID");
        }
        let a: u32 = r[33].parse().expect("articles");
        let m: u32 = r[31].parse().expect("mentions");
        assert!((1..=45).contains(&a) && m >= a);
        let tone: f64 = r[34].parse().expect("tone");
        assert!((0.0..=18.0).contains(&tone));
        let sig = r[34].replace('.', "").trim_start_matches('0').len();
        assert!(sig <= 15, "{}", r[34]);
    }
}

#[test]
fn tail_ids_follow_on_between_years() {
    let (_, _, t79) = id_layout(1979);
    let (_, _, t80) = id_layout(1980);
    assert_eq!(t79, 230_366_939);
    assert_eq!(t80 - t79, (430_941 - 399_900) as u64);
    let (m84, s84, t84) = id_layout(1984);
    assert_eq!(s84, 3_067_000);
    assert_eq!(m84, 809_000);
    assert!((230_600_000..230_660_000).contains(&(t84 + (873_229 - 809_000) as u64)));
}
