//! What a grid costs before anything starts: the price table, the time estimate (refused above
//! the limit unless confirmed) and the AWS cost warning. Its own file because it reads the price
//! table and the train objects, not the jobs; the results read its prices.

use serde::{Deserialize, Serialize};

use super::{Kind, NAME_PREFIX, Setting};
use crate::aws::ObjectInfo;
use crate::error::{KitError, KitResult};
use crate::settings::{Settings, Target};

/// The workshop's instance type (the price table's key).
pub const INSTANCE_TYPE: &str = "ml.c4.2xlarge";

/// On-demand prices of training instances, copied by hand (see the file's header).
pub const PRICES_TSV: &str = include_str!("../instance-prices.tsv");

/// One row of the price table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// AWS region.
    pub region: String,
    /// Instance type.
    pub instance_type: String,
    /// On-demand USD per instance-hour.
    pub usd_per_hour: f64,
    /// Where the number was copied from.
    pub source: String,
    /// The date it was copied.
    pub as_of: String,
}

/// Reads a price table (tab-separated: region, instance_type, usd_per_hour, source, as_of; `#`
/// lines and the header skipped).
pub fn parse_prices(tsv: &str) -> KitResult<Vec<Price>> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') || line.starts_with("region\t") {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bad = || KitError::msg(format!("price table line {}: {line:?}", i + 1));
        if f.len() != 5 {
            return Err(bad());
        }
        out.push(Price {
            region: f[0].into(),
            instance_type: f[1].into(),
            usd_per_hour: f[2].parse().map_err(|_| bad())?,
            source: f[3].into(),
            as_of: f[4].into(),
        });
    }
    Ok(out)
}

/// The price of `instance_type` in `region` from the kit's table, else its us-east-1 price (the
/// stand-in's default region), with a note saying which was used.
pub fn price_for(region: &str, instance_type: &str) -> KitResult<(Price, Option<String>)> {
    let prices = parse_prices(PRICES_TSV)?;
    let find = |r: &str| {
        prices
            .iter()
            .find(|p| p.region == r && p.instance_type == instance_type)
            .cloned()
    };
    if let Some(p) = find(region) {
        return Ok((p, None));
    }
    let p = find("us-east-1").ok_or_else(|| {
        KitError::msg(format!(
            "no price for {instance_type} in kernel-helpers/src/instance-prices.tsv: add it from \
             https://aws.amazon.com/sagemaker/pricing/"
        ))
    })?;
    Ok((
        p,
        Some(format!(
            "no {instance_type} price for {region} in the table; using us-east-1's"
        )),
    ))
}

// ------------------------------------------------------------------------------ estimate

/// What a grid should cost in time, before anything starts.
#[derive(Debug, Clone, PartialEq)]
pub struct GridEstimate {
    /// Jobs in the grid.
    pub jobs: usize,
    /// Records in the train channel (from the objects' sizes).
    pub train_rows: u64,
    /// Objects in the train channel.
    pub objects: usize,
    /// Σ over jobs of instances × records per instance × epochs.
    pub row_visits: f64,
    /// Estimated seconds for training, hosting and scoring every job.
    pub seconds: f64,
    /// The limit above which the grid is refused unless confirmed.
    pub limit_seconds: f64,
    /// What the estimate assumes.
    pub basis: String,
}

/// Offline: records one host trains on per second, summed over the hosts that train at once
/// (the stand-in's hosts are threads sharing the machine's cores). Measured on the 2-core build
/// machine at `--scale 0.05` (docs/BENCHMARKS.md, notebook 4); a slower machine takes longer.
pub const OFFLINE_ROW_VISITS_PER_SECOND: f64 = 1.0e6;
/// Offline: seconds per job besides training (start, download, artifact, endpoint, scoring).
pub const OFFLINE_SECONDS_PER_JOB: f64 = 4.5;
/// AWS: minutes per job besides training: starting the instances and the container (a few
/// minutes per training job) plus creating an endpoint to score on (several minutes). Jobs start
/// together as the instance limit allows, so the grid's time is less than the sum; this is
/// deliberately the pessimistic sum.
pub const AWS_SECONDS_PER_JOB: f64 = 15.0 * 60.0;

/// Bytes of one dense recordIO-protobuf record with `features` features and a label (every
/// record of a dense float32 matrix has the same size), from the kit's own writer.
pub fn bytes_per_record(features: usize) -> usize {
    let row = vec![0.0f32; features.max(1)];
    sagemaker_recordio::write_dense_matrix(Vec::new(), &row, features.max(1), Some(&[0.0]))
        .map(|v| v.len())
        .unwrap_or(1)
}

/// The limit in seconds: `KIT_EXPERIMENTS_MAX_MINUTES` (default 20 offline, 60 on AWS).
pub fn limit_seconds(target: Target) -> f64 {
    let default = match target {
        Target::Offline => 20.0,
        Target::Aws => 60.0,
    };
    std::env::var("KIT_EXPERIMENTS_MAX_MINUTES")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(default)
        * 60.0
}

/// Estimates the grid's time from the train objects (their sizes give the records): each job's
/// instance count × the records each instance reads (all of them replicated; the largest share
/// of the sorted objects dealt round-robin, sharded) × its epochs, at
/// [`OFFLINE_ROW_VISITS_PER_SECOND`], plus a fixed time per job.
pub fn estimate_grid(
    target: Target,
    grid: &[Setting],
    train_objects: &[ObjectInfo],
    features: usize,
) -> GridEstimate {
    let objects: Vec<&ObjectInfo> = train_objects
        .iter()
        .filter(|o| !o.key.ends_with('/'))
        .collect();
    let per_record = bytes_per_record(features) as f64;
    let rows_of = |o: &ObjectInfo| (o.size as f64 / per_record).round();
    let train_rows: f64 = objects.iter().map(|o| rows_of(o)).sum();
    let mut visits = 0.0;
    for s in grid {
        let per_host = match s.kind() {
            Kind::Replicated => train_rows,
            Kind::Sharded => {
                let mut sorted: Vec<&&ObjectInfo> = objects.iter().collect();
                sorted.sort_by(|a, b| a.key.cmp(&b.key));
                let shares = deal(&sorted, s.instances as usize);
                shares
                    .iter()
                    .map(|objs| objs.iter().map(|o| rows_of(o)).sum::<f64>())
                    .fold(0.0, f64::max)
            }
        };
        visits += f64::from(s.instances) * per_host * f64::from(s.epochs);
    }
    let (seconds, basis) = match target {
        Target::Offline => (
            visits / OFFLINE_ROW_VISITS_PER_SECOND + OFFLINE_SECONDS_PER_JOB * grid.len() as f64,
            format!(
                "{:.1e} record-visits per second across the hosts + {OFFLINE_SECONDS_PER_JOB} s per job \
                 (measured on a 2-core machine)",
                OFFLINE_ROW_VISITS_PER_SECOND
            ),
        ),
        Target::Aws => (
            AWS_SECONDS_PER_JOB * grid.len() as f64,
            format!(
                "{:.0} min per job for instances, container and an endpoint, jobs one after another \
                 (pessimistic)",
                AWS_SECONDS_PER_JOB / 60.0
            ),
        ),
    };
    GridEstimate {
        jobs: grid.len(),
        train_rows: train_rows as u64,
        objects: objects.len(),
        row_visits: visits,
        seconds,
        limit_seconds: limit_seconds(target),
        basis,
    }
}

impl GridEstimate {
    /// One paragraph: jobs, records, visits, the estimate and the limit.
    pub fn summary(&self) -> String {
        format!(
            "{} jobs over {} train records in {} objects: {:.2e} record-visits (instances × records \
             per instance × epochs, summed); estimated {:.0} s ({:.1} min) — limit {:.0} min \
             (KIT_EXPERIMENTS_MAX_MINUTES). Basis: {}.",
            self.jobs,
            self.train_rows,
            self.objects,
            self.row_visits,
            self.seconds,
            self.seconds / 60.0,
            self.limit_seconds / 60.0,
            self.basis
        )
    }

    /// `Ok` when the estimate is within the limit or the grid is confirmed (`confirmed`, or
    /// `KIT_EXPERIMENTS_CONFIRM=1`); else one message saying what to do.
    pub fn check(&self, confirmed: bool) -> KitResult<()> {
        let env_confirmed = std::env::var("KIT_EXPERIMENTS_CONFIRM")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
        if self.seconds <= self.limit_seconds || confirmed || env_confirmed {
            return Ok(());
        }
        Err(KitError::msg(format!(
            "refused: this grid of {} jobs is estimated to take {:.0} min, above the limit of {:.0} \
             min. Make the grid smaller in the grid cell (fewer instance counts or epochs), or set \
             `confirm_long_grid = true` in this cell (or KIT_EXPERIMENTS_CONFIRM=1, or raise \
             KIT_EXPERIMENTS_MAX_MINUTES) and run it again. Nothing has been started.",
            self.jobs,
            self.seconds / 60.0,
            self.limit_seconds / 60.0
        )))
    }
}

/// Keys dealt round-robin to `hosts` hosts (host i gets keys i, i+N, …): the stand-in's
/// ShardedByS3Key rule for the sorted keys (docs/SEMANTICS.md).
pub fn deal<T: Clone>(sorted: &[T], hosts: usize) -> Vec<Vec<T>> {
    let hosts = hosts.max(1);
    (0..hosts)
        .map(|h| sorted.iter().skip(h).step_by(hosts).cloned().collect())
        .collect()
}

/// On AWS: a warning with what the grid starts and a lower bound of its training cost.
pub fn cost_warning(settings: &Settings, grid: &[Setting]) -> KitResult<Option<String>> {
    if settings.target != Target::Aws {
        return Ok(None);
    }
    let (price, _) = price_for(&settings.region, INSTANCE_TYPE)?;
    let instances: u32 = grid.iter().map(|s| s.instances).sum();
    // A job bills at least its start-up and training; 5 minutes per instance is a floor, not a quote.
    let floor = f64::from(instances) * 5.0 / 60.0 * price.usd_per_hour;
    Ok(Some(format!(
        "COST WARNING (KIT_TARGET=aws): this grid starts {} training jobs on {instances} {INSTANCE_TYPE} \
         instances in all, and one ml.m4.xlarge endpoint per job to score it. At {} USD per \
         instance-hour ({}, {}) the training alone costs at least about {floor:.2} USD (5 billed \
         minutes per instance), plus the endpoints while they run. Endpoints are deleted after \
         scoring; scripts/cleanup.sh removes anything left (names {NAME_PREFIX}*).",
        grid.len(),
        price.usd_per_hour,
        price.source,
        price.as_of
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_price_table_reads_and_has_the_workshops_instance() {
        let (p, note) = price_for("us-east-1", INSTANCE_TYPE).unwrap();
        assert!(p.usd_per_hour > 0.0 && note.is_none());
        assert!(
            p.source
                .starts_with("https://aws.amazon.com/sagemaker/pricing")
        );
        let (_, note) = price_for("xx-nowhere-1", INSTANCE_TYPE).unwrap();
        assert!(note.unwrap().contains("us-east-1"));
        assert!(parse_prices("us-east-1\tml.x\tcheap\ts\td").is_err());
    }

    fn obj(key: &str, rows: u64) -> ObjectInfo {
        ObjectInfo {
            key: key.into(),
            size: rows * bytes_per_record(25) as u64,
            last_modified: String::new(),
        }
    }

    #[test]
    fn the_estimate_counts_instances_times_records_times_epochs() {
        let objects: Vec<ObjectInfo> = (1979..1984)
            .map(|y| obj(&format!("p/train/{y}.data"), 1000))
            .collect();
        let one = |s: Setting| estimate_grid(Target::Offline, &[s], &objects, 25);
        assert_eq!(one(Setting::new(Kind::Replicated, 5, 2)).train_rows, 5000);
        assert_eq!(
            one(Setting::new(Kind::Replicated, 5, 2)).row_visits,
            50_000.0
        );
        // Sharded on 3 hosts: shares of 2, 2 and 1 objects; the largest decides (3 × 2000 × 2).
        assert_eq!(one(Setting::new(Kind::Sharded, 3, 2)).row_visits, 12_000.0);
        assert_eq!(one(Setting::new(Kind::Sharded, 5, 4)).row_visits, 20_000.0);
        let e = one(Setting::new(Kind::Replicated, 5, 2));
        assert!(e.check(false).is_ok());
        let big = GridEstimate {
            seconds: 10.0 * e.limit_seconds,
            ..e
        };
        let msg = big.check(false).unwrap_err().to_string();
        assert!(
            msg.starts_with("refused:") && msg.contains("confirm_long_grid"),
            "{msg}"
        );
        assert!(big.check(true).is_ok());
    }

    #[test]
    fn objects_are_dealt_round_robin() {
        let keys = ["1979", "1980", "1981", "1982", "1983"];
        let d = deal(&keys, 3);
        assert_eq!(
            d,
            vec![vec!["1979", "1982"], vec!["1980", "1983"], vec!["1981"]]
        );
        let d = deal(&keys, 8);
        assert_eq!(d.len(), 8);
        assert!(d[5..].iter().all(Vec::is_empty));
    }
}
