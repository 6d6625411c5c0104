//! How much memory a job needs, estimated from its hyperparameters before anything is allocated.
//!
//! Why: a job's buffers are sized by `feature_dim`, `num_models`, `num_classes` and
//! `mini_batch_size`, none of which Linear Learner's documentation bounds above except
//! `num_classes`. An allocation the machine cannot satisfy does not panic, it aborts the process —
//! the whole stand-in with every job and endpoint in it. So the job is refused first, with an error
//! naming the parameter to lower.
//!
//! The estimate counts what training holds at once (see `fit`): per host with data, one trainer
//! (weights plus Adam's two moments and a gradient: 4 × `feature_dim × num_models × outputs`
//! floats), one mini-batch (`mini_batch_size × (feature_dim + 1)` floats) and one scoring batch
//! (at most [`EVAL_BATCH_BYTES`]); the shared initial, averaged and best weights (3 more copies
//! plus one spare for the selected model); the scaler's sums; and per-model settings. It is an upper-side estimate, not a
//! measurement: the point is to refuse values off by orders of magnitude (`feature_dim=10^12`), not
//! to pack a job to the last byte. The calibration pass's scores grow with the validation data,
//! not with a hyperparameter, and are not counted.

use super::Params;
use crate::ParamError;

/// The most memory one training job may need: 4 GiB. Linear Learner's documentation gives no
/// bound; this is ours, chosen so that a few jobs side by side fit a workshop machine (the
/// stand-in runs several training slots in one process). The workshop's jobs need a few MiB.
pub const JOB_MEMORY_BUDGET: u64 = 4 << 30;

/// The most bytes of one batch read for scoring or for the scaler (rows whose size is not a
/// hyperparameter): 16 MiB, or one row when a row is larger. Sums over rows do not depend on
/// where batches end, so this changes no result, only how wide rows are read.
pub const EVAL_BATCH_BYTES: usize = 16 << 20;

/// Rows of a scoring batch for `dim` features: up to `max_rows`, within [`EVAL_BATCH_BYTES`].
pub(crate) fn eval_batch_rows(dim: usize, max_rows: usize) -> usize {
    (EVAL_BATCH_BYTES / dim.saturating_add(1).saturating_mul(4)).clamp(1, max_rows.max(1))
}

/// Estimated bytes a job needs for `dim` features over `hosts` hosts with data.
pub fn estimate(p: &Params, dim: usize, hosts: usize) -> u128 {
    estimate_parts(
        dim as u128,
        p.num_models as u128,
        p.outputs_per_model() as u128,
        p.mini_batch_size as u128,
        hosts.max(1) as u128,
    )
}

fn estimate_parts(d: u128, m: u128, k: u128, batch: u128, hosts: u128) -> u128 {
    // Saturating: i64::MAX features × i64::MAX models overflows even u128.
    let mul = |xs: &[u128]| xs.iter().fold(1u128, |a, &x| a.saturating_mul(x));
    const F32: u128 = 4;
    let weights = mul(&[d, m, k, F32]);
    let trainers = mul(&[hosts, 4, weights]);
    let shared = mul(&[4, weights]);
    let row = mul(&[d.saturating_add(1), F32]);
    let eval = mul(&[4096, row]).min(EVAL_BATCH_BYTES as u128).max(row);
    let batches = mul(&[
        hosts,
        mul(&[batch, d.saturating_add(1), F32]).saturating_add(eval),
    ]);
    let scaler =
        mul(&[hosts + 1, mul(&[16, d]).saturating_add(mul(&[8, k]))]).saturating_add(mul(&[12, d]));
    let per_model = mul(&[m, mul(&[k, 64]).saturating_add(128)]);
    [trainers, shared, batches, scaler, per_model]
        .iter()
        .fold(0u128, |a, &x| a.saturating_add(x))
}

/// Refuses a job whose estimate is over [`JOB_MEMORY_BUDGET`], naming the parameter to lower: the
/// first, in this order, whose value alone (the others at 1) is over the budget — `feature_dim`,
/// `mini_batch_size`, `num_classes` — else `num_models`.
pub fn check(p: &Params, dim: usize, hosts: usize) -> Result<(), ParamError> {
    check_with_budget(p, dim, hosts, JOB_MEMORY_BUDGET)
}

pub(crate) fn check_with_budget(
    p: &Params,
    dim: usize,
    hosts: usize,
    budget: u64,
) -> Result<(), ParamError> {
    let needed = estimate(p, dim, hosts);
    let budget = budget as u128;
    if needed <= budget {
        return Ok(());
    }
    let (d, m, k, b, h) = (
        dim as u128,
        p.num_models as u128,
        p.outputs_per_model() as u128,
        p.mini_batch_size as u128,
        hosts.max(1) as u128,
    );
    let raw = |name: &str| {
        p.final_configuration
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (name, value) = if estimate_parts(d, 1, 1, 1, h) > budget {
        let v = match p.feature_dim {
            Some(_) => raw("feature_dim"),
            None => format!("auto (the data has {dim} features)"),
        };
        ("feature_dim", v)
    } else if estimate_parts(d, 1, 1, b, h) > budget {
        ("mini_batch_size", raw("mini_batch_size"))
    } else if estimate_parts(d, 1, k, b, h) > budget {
        ("num_classes", raw("num_classes"))
    } else {
        let v = match raw("num_models").as_str() {
            a if a.eq_ignore_ascii_case("auto") => format!("auto ({m} models)"),
            v => v.to_string(),
        };
        ("num_models", v)
    };
    Err(ParamError::TooLarge {
        name,
        value,
        needed,
        budget,
        detail: format!(
            "feature_dim={d} × num_models={m} × outputs={k} weights on {h} host(s), mini_batch_size={b}"
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Result<Params, ParamError> {
        let hp: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Params::check(&hp)
    }

    fn refused(pairs: &[(&str, &str)]) -> (&'static str, String) {
        match params(pairs) {
            Err(ParamError::TooLarge { name, value, .. }) => (name, value),
            other => panic!("{pairs:?}: expected a memory refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_workshop_job_fits_with_room() {
        let p = params(&[("predictor_type", "regressor"), ("feature_dim", "25")]).expect("valid");
        let need = estimate(&p, 25, 5);
        assert!(need < 16 << 20, "{need} bytes for 25 features on 5 hosts");
    }

    #[test]
    fn hostile_values_are_refused_naming_the_parameter() {
        let r = |extra: &[(&str, &str)]| {
            let mut v = vec![("predictor_type", "regressor")];
            v.extend_from_slice(extra);
            refused(&v)
        };
        assert_eq!(
            r(&[("feature_dim", "1000000000000")]),
            ("feature_dim", "1000000000000".to_string())
        );
        assert_eq!(
            r(&[("feature_dim", "9223372036854775807")]),
            ("feature_dim", "9223372036854775807".to_string())
        );
        assert_eq!(
            r(&[("feature_dim", "25"), ("num_models", "1000000000000")]),
            ("num_models", "1000000000000".to_string())
        );
        assert_eq!(
            r(&[("num_models", "9223372036854775807")]),
            ("num_models", "9223372036854775807".to_string())
        );
        assert_eq!(
            r(&[("feature_dim", "1000"), ("mini_batch_size", "1000000000")]),
            ("mini_batch_size", "1000000000".to_string())
        );
        let (name, _) = refused(&[
            ("predictor_type", "multiclass_classifier"),
            ("num_classes", "1000000"),
            ("feature_dim", "100000"),
            ("num_models", "1"),
        ]);
        assert_eq!(name, "num_classes");
    }

    #[test]
    fn the_message_names_parameter_value_and_sizes() {
        let e = params(&[
            ("predictor_type", "regressor"),
            ("feature_dim", "1000000000000"),
        ])
        .expect_err("refused");
        let m = crate::TrainError::from(e).to_string();
        assert!(
            m.starts_with(
                "ClientError: Unable to initialize the algorithm. Failed to validate input hyperparameters. (caused by ValidationError) Caused by: invalid value '1000000000000' for hyperparameter 'feature_dim': the job would need about "
            ),
            "{m}"
        );
        assert!(m.contains(" PiB of memory (feature_dim=1000000000000 × num_models=32 × outputs=1 weights on 1 host(s), mini_batch_size=1000)"), "{m}");
        assert!(m.ends_with("a training job may use at most 4.0 GiB"), "{m}");
    }

    #[test]
    fn auto_dimension_is_checked_with_the_data_s_dimension() {
        let p = params(&[("predictor_type", "regressor")]).expect("auto passes the checker");
        assert!(check(&p, 25, 5).is_ok());
        match check(&p, 2_000_000_000, 1) {
            Err(ParamError::TooLarge { name, value, .. }) => {
                assert_eq!(name, "feature_dim");
                assert_eq!(value, "auto (the data has 2000000000 features)");
            }
            other => panic!("{other:?}"),
        }
    }
}
