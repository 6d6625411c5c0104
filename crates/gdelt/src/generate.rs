//! Deterministic, realistic synthetic year files in the 57-column historical format.
//!
//! Why: the offline kit has no real GDELT, yet the workshop's download, transform and training
//! must run on data that looks and behaves like the real 1979–1984 files.
//! The calibration figures come from real rows: those in `testdata/gdelt` (see its README for
//! their sources) and the 13,412 rows of 1979–1984 in andeek/gdelt-dedup's yearly samples
//! (<https://github.com/andeek/gdelt-dedup>, `data/gdelt/blocked/`), of which only counts are used.
//! The writer is hand-rolled (no CSV crate) because almost every field is a pre-joined string from
//! a small table; only ids, counts and AvgTone are formatted per row, with integer arithmetic, which
//! is what makes > 1 M rows/s possible on one thread.
//!
//! What a file looks like (see `data/README.md` and `docs/SEMANTICS.md` for the choices):
//! - rows sorted by SQLDATE, then Actor1Code (empty first), then Actor2Code, in two blocks: the
//!   main block (GLOBALEVENTIDs from the year's block start, DATEADDED 20130203) and the
//!   late-added tail (IDs from about 230.37M, DATEADDED 20130206), each sorted the same way;
//! - FractionDate = Year + ((Month−1)·30 + Day)/365 to 4 decimals, trailing zeros trimmed;
//! - an absent actor has empty code fields and geo `Type ""`, `Lat 0`, `Long 0`, `FeatureID 0`;
//!   a missing ActionGeo has `Lat 0`, `Long 0` and an empty FeatureID;
//! - country-level geo (type 1) has FeatureID 0, city-level geo a signed FeatureID;
//! - EventBaseCode/EventRootCode/QuadClass/GoldsteinScale derived from EventCode ([`crate::cameo`]);
//! - AvgTone ≥ 0 written with 15 significant digits (as `%.15g`), with a modest dependence on
//!   QuadClass, Goldstein, NumArticles and actor geo (the regression's signal).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GeneratorConfig {
    /// Year (1979..=1984 have calibrated defaults; others allowed).
    pub year: i32,
    /// Number of rows to write.
    pub rows: usize,
    /// Seed; the same (year, rows, seed) gives the same bytes.
    pub seed: u64,
}

impl GeneratorConfig {
    /// A full-size year (the real row count) or, for other years, 500,000 rows.
    pub fn full_year(year: i32, seed: u64) -> Self {
        GeneratorConfig {
            year,
            rows: real_row_count(year).unwrap_or(500_000),
            seed,
        }
    }
}

/// The real number of events in a year file (1979..=1984), from GDELT's normalization file.
pub fn real_row_count(year: i32) -> Option<usize> {
    match year {
        1979 => Some(430_941),
        1980 => Some(561_445),
        1981 => Some(678_457),
        1982 => Some(764_325),
        1983 => Some(848_806),
        1984 => Some(873_229),
        _ => None,
    }
}

/// First GLOBALEVENTID of each year's main block (the smallest IDs seen per year in
/// the andeek/gdelt-dedup samples, rounded down); index 0 = 1979,
/// the last entry is 1985's start (the end of 1984's block).
const BLOCK_STARTS: [u64; 7] = [
    0, 399_900, 913_000, 1_551_600, 2_276_000, 3_067_000, 3_876_000,
];
/// First ID of 1979's late-added tail: 1979.csv ends with ID 230,397,979 (aamend's copy), and the
/// tail holds 430,941 − 399,900 rows. Later years' tails follow on contiguously.
const TAIL_START_1979: u64 = 230_397_979 + 1 - (430_941 - 399_900);

/// (main-block rows, first main ID, first tail ID) for a year at real size.
fn id_layout(year: i32) -> (usize, u64, u64) {
    if (1979..=1984).contains(&year) {
        let i = (year - 1979) as usize;
        let mut tail_start = TAIL_START_1979;
        for (j, y) in (1979..year).enumerate() {
            let total = real_row_count(y).unwrap_or(0) as u64;
            tail_start += total - (BLOCK_STARTS[j + 1] - BLOCK_STARTS[j]);
        }
        let main = (BLOCK_STARTS[i + 1] - BLOCK_STARTS[i]) as usize;
        (main, BLOCK_STARTS[i], tail_start)
    } else {
        // Uncalibrated years: 93% main block, ids from a year-derived base, tail from 231M.
        let base = (year.max(0) as u64).saturating_mul(1_000_000);
        let real = 500_000usize;
        (
            real * 93 / 100,
            base,
            231_000_000 + (year.max(0) as u64) * 100_000,
        )
    }
}

/// Share of rows with Actor1 / Actor2 absent, per year: the (0,0) shares of
/// [`zero_geo_shares`] less the 1% of present actors that also have no geo.
fn absent_shares(year: i32) -> (f64, f64) {
    let (a1, a2) = zero_geo_shares(year);
    (
        (a1 - PRESENT_NO_GEO) / (1.0 - PRESENT_NO_GEO),
        (a2 - PRESENT_NO_GEO) / (1.0 - PRESENT_NO_GEO),
    )
}

/// Share of present actors without a location.
const PRESENT_NO_GEO: f64 = 0.01;

/// Target share of rows with Actor1 / Actor2 geo at (0,0), per year, as counted in the
/// andeek/gdelt-dedup samples of 1979…1984.
fn zero_geo_shares(year: i32) -> (f64, f64) {
    match year {
        1979 => (0.082, 0.184),
        1980 => (0.078, 0.145),
        1981 => (0.065, 0.137),
        1982 => (0.060, 0.175),
        1983 => (0.069, 0.166),
        1984 => (0.064, 0.132),
        _ => (0.065, 0.155),
    }
}

mod tables;
use tables::{ACTORS, Actor, PLACES};

// ---------------------------------------------------------------------------------------------
// Precomputed, pre-joined output pieces
// ---------------------------------------------------------------------------------------------

/// Cumulative-weight sampler over a small table.
struct Weighted {
    cum: Vec<u64>,
}

impl Weighted {
    fn new(weights: impl Iterator<Item = u64>) -> Self {
        let mut acc = 0;
        let cum = weights
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Weighted { cum }
    }
    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cum.last().copied().unwrap_or(1).max(1);
        let x = rng.random_range(0..total);
        self.cum.partition_point(|&c| c <= x)
    }
}

struct CodeInfo {
    /// "EventCode\tEventBaseCode\tEventRootCode\tQuadClass\tGoldsteinScale"
    text: Vec<u8>,
    quad: u8,
    goldstein: f64,
    /// Small per-code tone offset (deterministic in the code).
    offset: f64,
}

struct Tables {
    codes: Vec<CodeInfo>,
    code_w: Weighted,
    /// Actors sorted by code; `actor_text[i]` = the 10 actor fields joined by tabs.
    actor_text: Vec<Vec<u8>>,
    /// Rank of each actor's code in sort order (ties for equal codes).
    actor_rank: Vec<u16>,
    actor_w: Weighted,
    /// Places of each actor's home country (empty = none).
    actor_home: Vec<Vec<u16>>,
    /// The 7 geo fields joined, for actor geo (missing: "\t\t\t\t0\t0\t0").
    place_text: Vec<Vec<u8>>,
    /// The 7 geo fields for ActionGeo.
    place_lat: Vec<f64>,
    place_long: Vec<f64>,
    place_w: Weighted,
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

impl Tables {
    fn build() -> Tables {
        let codes: Vec<CodeInfo> = crate::cameo::CODES
            .iter()
            .map(|(code, g, _)| {
                let quad = crate::cameo::quad_class(code).unwrap_or(1);
                let goldstein = g.parse::<f64>().unwrap_or(0.0);
                let text = format!(
                    "{code}\t{}\t{}\t{quad}\t{g}",
                    crate::cameo::base_code(code),
                    crate::cameo::root_code(code)
                )
                .into_bytes();
                let offset = ((fnv(code) % 1001) as f64 / 1000.0 - 0.5) * 0.6;
                CodeInfo {
                    text,
                    quad,
                    goldstein,
                    offset,
                }
            })
            .collect();
        let code_w = Weighted::new(crate::cameo::CODES.iter().map(|c| u64::from(c.2)));

        let mut actors: Vec<&Actor> = ACTORS.iter().collect();
        actors.sort_by(|a, b| a.0.cmp(b.0));
        let actor_text = actors
            .iter()
            .map(|a| {
                format!(
                    "{}\t{}\t{}\t{}\t\t\t\t{}\t{}\t",
                    a.0, a.1, a.2, a.3, a.4, a.5
                )
                .into_bytes()
            })
            .collect();
        let mut actor_rank = Vec::with_capacity(actors.len());
        let mut rank = 0u16;
        for (i, a) in actors.iter().enumerate() {
            if i > 0 && actors[i - 1].0 != a.0 {
                rank += 1;
            }
            actor_rank.push(rank + 1); // 0 is the absent actor, sorted first
        }
        let actor_w = Weighted::new(actors.iter().map(|a| u64::from(a.7)));
        let actor_home = actors
            .iter()
            .map(|a| {
                PLACES
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| !a.6.is_empty() && p.2 == a.6)
                    .map(|(i, _)| i as u16)
                    .collect()
            })
            .collect();
        let place_text = PLACES
            .iter()
            .map(|p| {
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.0, p.1, p.2, p.3, p.4, p.5, p.6
                )
                .into_bytes()
            })
            .collect();
        let place_lat = PLACES.iter().map(|p| p.4.parse().unwrap_or(0.0)).collect();
        let place_long = PLACES.iter().map(|p| p.5.parse().unwrap_or(0.0)).collect();
        let place_w = Weighted::new(PLACES.iter().map(|p| u64::from(p.7)));
        Tables {
            codes,
            code_w,
            actor_text,
            actor_rank,
            actor_w,
            actor_home,
            place_text,
            place_lat,
            place_long,
            place_w,
        }
    }
}

const NO_ACTOR: &[u8] = b"\t\t\t\t\t\t\t\t\t";
const NO_ACTOR_GEO: &[u8] = b"\t\t\t\t0\t0\t0";
const NO_ACTION_GEO: &[u8] = b"\t\t\t\t0\t0\t";
const NONE: u16 = u16::MAX;

/// One event before it is written.
#[derive(Clone, Copy)]
struct Event {
    /// Sort key: (Actor1 rank << 16) | Actor2 rank; rank 0 = absent.
    key: u32,
    a1: u16,
    a2: u16,
    a1_geo: u16,
    a2_geo: u16,
    action_geo: u16,
    code: u16,
    root: bool,
    articles: u8,
    mentions: u8,
    sources: u8,
    /// AvgTone as a fraction 100·k/n of n words (0 → exactly 0).
    tone_k: u16,
    tone_n: u16,
}

/// NumArticles histogram 1..=10 in ‰, then > 10 (counted in the andeek/gdelt-dedup
/// samples of 1979–1984: 22.9/24.6/8.6/9.6/7.8/5.8/4.8/4.6/6.9/3.4%, 0.9%; the maximum seen is 45).
const ARTICLES_PERMILLE: [u64; 11] = [229, 246, 86, 96, 78, 58, 48, 46, 69, 34, 9];

fn draw_event(t: &Tables, rng: &mut ChaCha8Rng, absent: (f64, f64)) -> Event {
    let code = t.code_w.sample(rng);
    let ci = &t.codes[code];
    let action_geo = if rng.random::<f64>() < 0.04 {
        NONE
    } else {
        t.place_w.sample(rng) as u16
    };
    let actor = |absent_p: f64, rng: &mut ChaCha8Rng| -> (u16, u16) {
        if rng.random::<f64>() < absent_p {
            return (NONE, NONE);
        }
        let a = t.actor_w.sample(rng);
        // 1% of present actors have no geo (in the real rows the (0,0) share is
        // slightly above the empty-code share).
        let u: f64 = rng.random();
        let geo = if u < PRESENT_NO_GEO {
            NONE
        } else if u < 0.60 && !t.actor_home[a].is_empty() {
            let home = &t.actor_home[a];
            home[rng.random_range(0..home.len())]
        } else if action_geo != NONE && u < 0.85 {
            action_geo
        } else {
            t.place_w.sample(rng) as u16
        };
        (a as u16, geo)
    };
    // Every event has at least one actor: Actor2 is always present when Actor1 is absent, and
    // absent with probability p2 / (1 − p1) otherwise, which keeps its overall share at p2.
    let (a1, a1_geo) = actor(absent.0, rng);
    let p2 = if a1 == NONE {
        0.0
    } else {
        absent.1 / (1.0 - absent.0)
    };
    let (a2, a2_geo) = actor(p2, rng);
    let rank = |a: u16| {
        if a == NONE {
            0u32
        } else {
            u32::from(t.actor_rank[a as usize])
        }
    };
    let key = (rank(a1) << 16) | rank(a2);

    let k = {
        let x = rng.random_range(0..1000);
        let mut acc = 0;
        let mut bin = 10;
        for (i, w) in ARTICLES_PERMILLE.iter().enumerate() {
            acc += w;
            if x < acc {
                bin = i;
                break;
            }
        }
        bin
    };
    let articles: u8 = if k < 10 {
        (k + 1) as u8
    } else {
        // 11..=45, geometric-like with mean about 15.
        (11 + (-(rng.random::<f64>().max(1e-12)).ln() * 4.0) as u32).min(45) as u8
    };
    let mentions = if rng.random::<f64>() < 0.03 {
        articles + rng.random_range(1..=2)
    } else {
        articles
    };
    let sources = if articles > 1 && rng.random::<f64>() < 0.01 {
        2
    } else {
        1
    };

    // AvgTone model (documented in data/README.md): QuadClass base + Goldstein + per-code offset
    // + NumArticles + actor geo terms + noise; ≥ 0, 1.5% exactly 0, capped at 18.
    let base = match ci.quad {
        1 => 5.46,
        2 => 5.32,
        3 => 5.0,
        _ => 4.2,
    };
    let lat1 = if a1_geo == NONE {
        0.0
    } else {
        t.place_lat[a1_geo as usize]
    };
    let long2 = if a2_geo == NONE {
        0.0
    } else {
        t.place_long[a2_geo as usize]
    };
    let noise: f64 = StandardNormal.sample(rng);
    let mean = base
        + 0.03 * ci.goldstein
        + ci.offset
        + 0.06 * (f64::from(articles.min(10)) - 4.0)
        + 0.012 * (lat1 - 30.0)
        + 0.002 * long2;
    let tone = (mean + 1.75 * noise).clamp(0.0, 18.0);
    let n: u16 = rng.random_range(60..400);
    let tone_k = if rng.random::<f64>() < 0.015 {
        0
    } else {
        (tone * f64::from(n) / 100.0).round() as u16
    };
    Event {
        key,
        a1,
        a2,
        a1_geo,
        a2_geo,
        action_geo,
        code: code as u16,
        root: rng.random::<f64>() < 0.6,
        articles,
        mentions,
        sources,
        tone_k,
        tone_n: n,
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Writes `v ≥ 0` with 15 significant digits and trailing zeros trimmed, like C's `%.15g` for
/// values in [0, 1e5) (AvgTone is in [0, 18]).
pub(crate) fn push_g15(buf: &mut Vec<u8>, v: f64) {
    if v <= 0.0 || !v.is_finite() {
        buf.push(b'0');
        return;
    }
    let int_digits = if v < 1.0 {
        1
    } else {
        (v.log10().floor() as i32) + 1
    };
    let decimals = (15 - int_digits).clamp(0, 15) as u32;
    let scale = 10u64.pow(decimals);
    let scaled = (v * scale as f64).round() as u64;
    let (mut int, mut frac) = (scaled / scale, scaled % scale);
    if int >= 10u64.pow(int_digits.max(1) as u32) && decimals > 0 {
        // rounding carried into a new digit (e.g. 9.99999999999999951): one decimal fewer
        let s = scale / 10;
        let scaled = (v * s as f64).round() as u64;
        int = scaled / s;
        frac = (scaled % s) * 10;
    }
    push_u64(buf, int);
    if frac != 0 {
        let mut digits = [b'0'; 15];
        let mut f = frac;
        for d in (0..decimals as usize).rev() {
            digits[d] = b'0' + (f % 10) as u8;
            f /= 10;
        }
        let mut end = decimals as usize;
        while end > 0 && digits[end - 1] == b'0' {
            end -= 1;
        }
        buf.push(b'.');
        buf.extend_from_slice(&digits[..end]);
    }
}

/// The date prefix of a row: "SQLDATE\tMonthYear\tYear\tFractionDate".
fn date_text(year: i32, month: u32, day: u32) -> Vec<u8> {
    let frac = ((month - 1) * 30 + day) as u64 * 10_000;
    let frac4 = (frac + 365 / 2) / 365; // rounded to 4 decimals
    let mut s = format!("{year}{month:02}{day:02}\t{year}{month:02}\t{year}\t{year}");
    if frac4 > 0 {
        let mut d = format!("{frac4:04}");
        while d.ends_with('0') {
            d.pop();
        }
        s.push('.');
        s.push_str(&d);
    }
    s.into_bytes()
}

fn days_of_year(year: i32) -> Vec<(u32, u32)> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let lens = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut out = Vec::with_capacity(366);
    for (m, &len) in lens.iter().enumerate() {
        for d in 1..=len {
            out.push((m as u32 + 1, d));
        }
    }
    out
}

/// Splits `n` rows over the days in proportion to `weights` by rounding the cumulative shares.
fn allocate(n: usize, weights: &[f64]) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut prev = 0usize;
    weights
        .iter()
        .map(|w| {
            acc += w;
            let upto = ((acc / total) * n as f64).round() as usize;
            let upto = upto.min(n);
            let c = upto - prev;
            prev = upto;
            c
        })
        .collect()
}

/// Writes a year file (tab-separated, no header, `\n` line ends); returns the rows written.
pub fn write_year<W: std::io::Write>(mut out: W, config: &GeneratorConfig) -> std::io::Result<u64> {
    let t = Tables::build();
    let year = config.year;
    let mut rng =
        ChaCha8Rng::seed_from_u64(config.seed ^ (year as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (main_real, main_id0, tail_id0) = id_layout(year);
    let real = real_row_count(year).unwrap_or(500_000);
    let main_rows = ((config.rows as f64) * (main_real as f64 / real as f64)).round() as usize;
    let main_rows = main_rows.min(config.rows);
    let tail_rows = config.rows - main_rows;
    let absent = absent_shares(year);

    let days = days_of_year(year);
    let n_days = days.len();
    let dates: Vec<Vec<u8>> = days.iter().map(|&(m, d)| date_text(year, m, d)).collect();
    // Daily volume: a slow rise over the year (GDELT's 1979 monthly totals run from 33.4k
    // to 39.5k) with ±20% day noise.
    let weights: Vec<f64> = (0..n_days)
        .map(|i| (1.0 + 0.12 * i as f64 / n_days as f64) * (0.8 + 0.4 * rng.random::<f64>()))
        .collect();
    let main_per_day = allocate(main_rows, &weights);
    let tail_per_day = allocate(tail_rows, &weights);

    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut day_events: Vec<Event> = Vec::new();
    let mut written = 0u64;
    for (per_day, id0, added) in [
        (&main_per_day, main_id0, b"20130203" as &[u8]),
        (&tail_per_day, tail_id0, b"20130206" as &[u8]),
    ] {
        let mut id = id0;
        for (day, &count) in per_day.iter().enumerate() {
            day_events.clear();
            day_events.extend((0..count).map(|_| draw_event(&t, &mut rng, absent)));
            day_events.sort_by_key(|e| e.key);
            for e in &day_events {
                push_u64(&mut buf, id);
                id += 1;
                buf.push(b'\t');
                buf.extend_from_slice(&dates[day]);
                buf.push(b'\t');
                buf.extend_from_slice(if e.a1 == NONE {
                    NO_ACTOR
                } else {
                    &t.actor_text[e.a1 as usize]
                });
                buf.push(b'\t');
                buf.extend_from_slice(if e.a2 == NONE {
                    NO_ACTOR
                } else {
                    &t.actor_text[e.a2 as usize]
                });
                buf.push(b'\t');
                buf.push(if e.root { b'1' } else { b'0' });
                buf.push(b'\t');
                buf.extend_from_slice(&t.codes[e.code as usize].text);
                buf.push(b'\t');
                push_u64(&mut buf, u64::from(e.mentions));
                buf.push(b'\t');
                push_u64(&mut buf, u64::from(e.sources));
                buf.push(b'\t');
                push_u64(&mut buf, u64::from(e.articles));
                buf.push(b'\t');
                push_g15(&mut buf, 100.0 * f64::from(e.tone_k) / f64::from(e.tone_n));
                buf.push(b'\t');
                buf.extend_from_slice(if e.a1_geo == NONE {
                    NO_ACTOR_GEO
                } else {
                    &t.place_text[e.a1_geo as usize]
                });
                buf.push(b'\t');
                buf.extend_from_slice(if e.a2_geo == NONE {
                    NO_ACTOR_GEO
                } else {
                    &t.place_text[e.a2_geo as usize]
                });
                buf.push(b'\t');
                buf.extend_from_slice(if e.action_geo == NONE {
                    NO_ACTION_GEO
                } else {
                    &t.place_text[e.action_geo as usize]
                });
                buf.push(b'\t');
                buf.extend_from_slice(added);
                buf.push(b'\n');
                written += 1;
                if buf.len() >= (1 << 20) - 4096 {
                    out.write_all(&buf)?;
                    buf.clear();
                }
            }
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests;
