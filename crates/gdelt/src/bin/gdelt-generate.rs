//! `gdelt-generate --year Y [--rows N] [--seed S] --out F`: writes one synthetic GDELT 1.0 year file.
//!
//! Argument parsing is hand-written (five flags) so that the crate needs no CLI dependency when the
//! stand-in server builds it without default features.

use std::io::BufWriter;
use std::process::ExitCode;

const USAGE: &str = "usage: gdelt-generate --year YEAR [--rows N] [--seed S] --out FILE\n\
  --rows defaults to the real row count of 1979..=1984 (500000 for other years); --seed defaults to 1";

fn parse_args() -> Result<(gdelt::generate::GeneratorConfig, String), String> {
    let mut year: Option<i32> = None;
    let mut rows: Option<usize> = None;
    let mut seed: u64 = 1;
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |what: &str| format!("{flag}: `{value}` is not {what}");
        match flag.as_str() {
            "--year" => year = Some(value.parse().map_err(|_| bad("a year"))?),
            "--rows" => rows = Some(value.parse().map_err(|_| bad("a row count"))?),
            "--seed" => seed = value.parse().map_err(|_| bad("an unsigned integer"))?,
            "--out" => out = Some(value),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    let year = year.ok_or("--year is required")?;
    let out = out.ok_or("--out is required")?;
    let mut config = gdelt::generate::GeneratorConfig::full_year(year, seed);
    if let Some(rows) = rows {
        config.rows = rows;
    }
    Ok((config, out))
}

fn main() -> ExitCode {
    let (config, out) = match parse_args() {
        Ok(v) => v,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("gdelt-generate: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let start = std::time::Instant::now();
    let result = std::fs::File::create(&out)
        .and_then(|f| gdelt::generate::write_year(BufWriter::with_capacity(1 << 20, f), &config));
    match result {
        Ok(rows) => {
            let secs = start.elapsed().as_secs_f64();
            eprintln!(
                "gdelt-generate: wrote {rows} rows of {} to {out} in {secs:.3} s ({:.0} rows/s)",
                config.year,
                rows as f64 / secs
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gdelt-generate: {out}: {e}");
            ExitCode::FAILURE
        }
    }
}
