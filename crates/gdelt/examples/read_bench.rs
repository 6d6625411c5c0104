//! Times `read_events_path` on a year file: `read_bench FILE [REPS]`; prints one line per run and
//! the median, for `scripts/bench-gdelt.sh`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: read_bench FILE [REPS]")?;
    let reps: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(5);
    let mut times = Vec::with_capacity(reps);
    for i in 0..reps {
        let start = std::time::Instant::now();
        let df = gdelt::read::read_events_path(std::path::Path::new(&path))?;
        let secs = start.elapsed().as_secs_f64();
        println!(
            "run {i}: {secs:.4} s, {} rows x {} columns",
            df.height(),
            df.width()
        );
        times.push(secs);
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.4}", times[times.len() / 2]);
    Ok(())
}
