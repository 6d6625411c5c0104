//! Statistics of a full-size generated 1979 file against the real samples' statistics
//! (`testdata/gdelt/derived/stats.json`), with the tolerances stated per assertion.

use gdelt::generate::{GeneratorConfig, real_row_count, write_year};
use std::collections::HashMap;
use std::path::PathBuf;

/// `<workspace>/testdata/gdelt`, the real GDELT fixtures kept in the repository.
fn real_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/gdelt");
    assert!(
        dir.is_dir(),
        "real GDELT fixtures not found at {} (they are part of the repository)",
        dir.display()
    );
    dir
}

/// The stats entry whose name is `name` or starts with `name` followed by a space.
fn real_stats(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(real_dir().join("derived/stats.json")).expect("stats.json");
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
    all.into_iter()
        .find(|s| {
            s["name"]
                .as_str()
                .is_some_and(|n| n == name || n.starts_with(&format!("{name} ")))
        })
        .unwrap_or_else(|| panic!("no stats entry {name}"))
}

fn q(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn close(what: &str, ours: f64, real: f64, tol: f64) {
    assert!(
        (ours - real).abs() <= tol,
        "{what}: generated {ours:.4} vs real {real:.4} (tolerance {tol})"
    );
}

#[test]
fn full_size_1979_matches_real_statistics() {
    let rows = real_row_count(1979).expect("1979");
    let mut out = Vec::new();
    let n = write_year(
        &mut out,
        &GeneratorConfig {
            year: 1979,
            rows,
            seed: 42,
        },
    )
    .expect("write");
    assert_eq!(n, 430_941);
    let text = String::from_utf8(out).expect("utf8");
    let mut codes: HashMap<&str, usize> = HashMap::new();
    let mut quad = [0usize; 5];
    let mut tone = Vec::with_capacity(rows);
    let mut articles = Vec::with_capacity(rows);
    let (mut a1_00, mut a2_00, mut either_00, mut tone0) = (0usize, 0usize, 0usize, 0usize);
    let mut tone_by_quad = [(0.0f64, 0usize); 5];
    let mut lines = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 57);
        lines += 1;
        *codes.entry(f[26]).or_default() += 1;
        let qc: usize = f[29].parse().expect("qc");
        quad[qc] += 1;
        let t: f64 = f[34].parse().expect("tone");
        tone_by_quad[qc].0 += t;
        tone_by_quad[qc].1 += 1;
        if t == 0.0 {
            tone0 += 1;
        }
        tone.push(t);
        articles.push(f[33].parse::<f64>().expect("articles"));
        let z1 = f[39] == "0" && f[40] == "0";
        let z2 = f[46] == "0" && f[47] == "0";
        a1_00 += usize::from(z1);
        a2_00 += usize::from(z2);
        either_00 += usize::from(z1 || z2);
    }
    assert_eq!(lines, rows);
    let nf = rows as f64;

    // EventCode: the 10 most frequent generated codes are all in the real historical top 15,
    // and the top 20 cover 70–85% (real: 73% in 1982, 78% in all raw rows).
    let real_all = real_stats("hist57_all");
    let real_top: Vec<&str> = real_all["EventCode_top25"]
        .as_array()
        .expect("top25")
        .iter()
        .map(|e| e[0].as_str().expect("code"))
        .collect();
    let mut ours: Vec<(&str, usize)> = codes.iter().map(|(c, n)| (*c, *n)).collect();
    ours.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (c, _) in &ours[..10] {
        assert!(
            real_top[..15].contains(c),
            "generated top-10 code {c} not in the real top 15"
        );
    }
    let top20: usize = ours[..20].iter().map(|x| x.1).sum();
    let cover = top20 as f64 / nf;
    assert!((0.70..=0.85).contains(&cover), "top-20 cover {cover}");
    assert!(
        ours.len() >= 140,
        "long tail: {} distinct codes",
        ours.len()
    );
    // the most frequent code's share within 3 points of the real one (10.2%)
    close("top code share", ours[0].1 as f64 / nf, 0.1025, 0.03);

    // QuadClass mix (real raw historical: QC1 66%, QC4 14%) within 6 points.
    let real_qc = &real_all["QuadClass_counts"];
    let real_n = real_all["rows"].as_f64().expect("rows");
    for k in ["1", "2", "3", "4"] {
        let real_share = real_qc[k].as_f64().expect("qc") / real_n;
        let ours = quad[k.parse::<usize>().expect("k")] as f64 / nf;
        close(&format!("QuadClass {k} share"), ours, real_share, 0.06);
    }

    // Geo (0,0) shares of 1979 as counted in andeek/gdelt-dedup's 1979 sample (derived/stats.json:
    // A1 8.2%, A2 18.4%, either 26.7%).
    let andeek79 = real_stats("andeek_filtered_1979");
    close(
        "Actor1 (0,0)",
        a1_00 as f64 / nf,
        andeek79["geo"]["Actor1_zero00"].as_f64().expect("a1"),
        0.02,
    );
    close(
        "Actor2 (0,0)",
        a2_00 as f64 / nf,
        andeek79["geo"]["Actor2_zero00"].as_f64().expect("a2"),
        0.02,
    );
    close(
        "either (0,0)",
        either_00 as f64 / nf,
        andeek79["geo"]["either_zero00"].as_f64().expect("e"),
        0.03,
    );

    // NumArticles: quantiles of the least biased sample (andeek 1979–84, 13,412 rows) exactly at
    // p25/p50, within 1 at p75/p90, share == 1 within 3 points, max ≤ 45.
    articles.sort_by(f64::total_cmp);
    let andeek = real_stats("andeek_filtered_1979-1984");
    let rq = &andeek["NumArticles"]["quantiles"];
    close(
        "NumArticles p25",
        q(&articles, 0.25),
        rq["0.25"].as_f64().expect("p25"),
        0.0,
    );
    close(
        "NumArticles p50",
        q(&articles, 0.5),
        rq["0.5"].as_f64().expect("p50"),
        0.0,
    );
    close(
        "NumArticles p75",
        q(&articles, 0.75),
        rq["0.75"].as_f64().expect("p75"),
        1.0,
    );
    close(
        "NumArticles p90",
        q(&articles, 0.9),
        rq["0.9"].as_f64().expect("p90"),
        1.0,
    );
    let ones = articles.iter().filter(|&&a| a == 1.0).count() as f64 / nf;
    close(
        "NumArticles == 1",
        ones,
        andeek["NumArticles_share"]["==1"].as_f64().expect("==1"),
        0.03,
    );
    assert!(articles.last().is_some_and(|&m| m <= 45.0));
    close(
        "NumArticles mean",
        articles.iter().sum::<f64>() / nf,
        andeek["NumArticles"]["mean"].as_f64().expect("m"),
        0.4,
    );

    // AvgTone against the raw historical rows (all QuadClasses): mean/p25/p50/p75 within 0.5,
    // std within 0.4, p5/p95 within 0.8, exactly-0 share 0.5–3%, never negative.
    tone.sort_by(f64::total_cmp);
    let rt = &real_all["AvgTone"];
    let mean = tone.iter().sum::<f64>() / nf;
    let std = (tone.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
    close(
        "AvgTone mean",
        mean,
        rt["mean"].as_f64().expect("mean"),
        0.5,
    );
    close("AvgTone std", std, rt["std"].as_f64().expect("std"), 0.4);
    for (p, key, tol) in [
        (0.05, "0.05", 0.8),
        (0.25, "0.25", 0.5),
        (0.5, "0.5", 0.5),
        (0.75, "0.75", 0.5),
        (0.95, "0.95", 0.8),
    ] {
        close(
            &format!("AvgTone p{key}"),
            q(&tone, p),
            rt["quantiles"][key].as_f64().expect("q"),
            tol,
        );
    }
    assert!(tone[0] >= 0.0);
    let zero = tone0 as f64 / nf;
    assert!((0.005..=0.03).contains(&zero), "AvgTone exactly 0: {zero}");

    // Signal: conflict (QC4) events are about 1.5 lower in tone than QC1 (real: 5.46 vs 3.83).
    let m = |k: usize| tone_by_quad[k].0 / tone_by_quad[k].1 as f64;
    close("AvgTone QC1 − QC4", m(1) - m(4), 5.462 - 3.826, 0.5);
}
