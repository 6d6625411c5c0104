//! Does it learn? Regression against closed-form solutions, classifiers on separable data,
//! distributed FullyReplicated vs ShardedByS3Key fit, determinism.

use crate::common::*;
use linear_learner::{HostInput, Model, Prediction, TrainError};

#[test]
fn squared_loss_matches_normal_equations() {
    let dir = tempdir();
    let beta = [1.5, -2.0, 0.5, 3.0, -0.25];
    let train = linear(4000, &beta, 4.0, 0.3, 1);
    let val = linear(500, &beta, 4.0, 0.3, 2);
    write_csv(&dir.path().join("train.csv"), &train);
    write_csv(&dir.path().join("val.csv"), &val);
    let (r, lines) = run(
        &[
            ("predictor_type", "regressor"),
            ("feature_dim", "5"),
            ("epochs", "20"),
            ("mini_batch_size", "100"),
            ("wd", "0"),
            ("l1", "0"),
        ],
        one_host(vec![
            ("train", csv_channel(vec![dir.path().join("train.csv")])),
            ("validation", csv_channel(vec![dir.path().join("val.csv")])),
        ]),
    );
    let out = r.expect("train");
    let (w, b) = ols(&train);
    let m = &out.model;
    // Tolerance: 2% of each coefficient's magnitude + 0.01 absolute (SGD noise at the final lr).
    for (j, (&got, &want)) in m.weights().iter().zip(&w).enumerate() {
        assert!(
            (got as f64 - want).abs() <= 0.02 * want.abs() + 0.01,
            "weight {j}: trained {got}, normal equations {want}"
        );
    }
    assert!(
        (m.bias()[0] as f64 - b).abs() <= 0.02 * b.abs() + 0.05,
        "bias {} vs {b}",
        m.bias()[0]
    );
    // and the fit is as good as OLS on held-out data within 1%
    let ols_mse = {
        let preds: Vec<f64> = (0..val.rows())
            .map(|r| b + (0..5).map(|j| w[j] * val.x[r * 5 + j] as f64).sum::<f64>())
            .collect();
        preds
            .iter()
            .zip(&val.y)
            .map(|(p, y)| (p - *y as f64).powi(2))
            .sum::<f64>()
            / val.rows() as f64
    };
    let got = mse(m, &val);
    assert!(
        got <= ols_mse * 1.01,
        "validation mse {got} vs OLS {ols_mse}"
    );
    // the reported validation:mse is the model's mse on the validation data
    // the value the validation quality line carries (what SageMaker's `validation:mse` reads)
    let reported = final_metric(&lines, "validation", "mse").expect("validation:mse");
    let computed = out
        .validation_metrics
        .iter()
        .find(|(n, _)| n == "mse")
        .expect("mse")
        .1;
    // the line carries 12 decimals
    assert!(
        (computed - reported).abs() <= 1e-11,
        "{computed} vs {reported}"
    );
    assert!(
        (reported - got).abs() <= 1e-4 * got.max(1.0),
        "reported {reported} vs recomputed {got}"
    );
}

/// 1-D L1 regression with intercept: an optimum passes through two data points, so brute force over
/// all pairs gives the exact minimum of the mean absolute error.
#[test]
fn absolute_loss_reaches_the_exact_l1_optimum() {
    let dir = tempdir();
    let mut data = linear(60, &[2.0], 1.0, 0.5, 7);
    // heavy outliers that would drag a squared-loss fit
    for i in (0..60).step_by(10) {
        data.y[i] += 25.0;
    }
    write_csv(&dir.path().join("t.csv"), &data);
    let xs: Vec<f64> = data.x.iter().map(|&v| v as f64).collect();
    let ys: Vec<f64> = data.y.iter().map(|&v| v as f64).collect();
    let mae = |a: f64, b: f64| {
        xs.iter()
            .zip(&ys)
            .map(|(x, y)| (y - a * x - b).abs())
            .sum::<f64>()
            / xs.len() as f64
    };
    let mut best = f64::INFINITY;
    for i in 0..xs.len() {
        for j in i + 1..xs.len() {
            if (xs[i] - xs[j]).abs() > 1e-9 {
                let a = (ys[i] - ys[j]) / (xs[i] - xs[j]);
                best = best.min(mae(a, ys[i] - a * xs[i]));
            }
        }
    }
    let (r, _) = run(
        &[
            ("predictor_type", "regressor"),
            ("loss", "absolute_loss"),
            ("epochs", "200"),
            ("mini_batch_size", "10"),
            ("early_stopping_patience", "300"),
            ("wd", "0"),
            ("l1", "0"),
        ],
        one_host(vec![("train", csv_channel(vec![dir.path().join("t.csv")]))]),
    );
    let m = r.expect("train").model;
    let got = mae(m.weights()[0] as f64, m.bias()[0] as f64);
    assert!(
        got <= best * 1.01 + 1e-3,
        "trained MAE {got}, exact L1 optimum {best}"
    );
}

fn blobs(n: usize, centers: &[[f32; 2]], seed: u64) -> Data {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % centers.len();
        x.push(centers[c][0] + rng.random_range(-1.0f32..1.0));
        x.push(centers[c][1] + rng.random_range(-1.0f32..1.0));
        y.push(c as f32);
    }
    Data { d: 2, x, y }
}

#[test]
fn logistic_separates_separable_data() {
    let dir = tempdir();
    let train = blobs(2000, &[[-3.0, -3.0], [3.0, 2.0]], 3);
    let val = blobs(400, &[[-3.0, -3.0], [3.0, 2.0]], 4);
    write_csv(&dir.path().join("t.csv"), &train);
    write_csv(&dir.path().join("v.csv"), &val);
    let (r, lines) = run(
        &[
            ("predictor_type", "binary_classifier"),
            ("epochs", "5"),
            ("mini_batch_size", "50"),
        ],
        one_host(vec![
            ("train", csv_channel(vec![dir.path().join("t.csv")])),
            ("validation", csv_channel(vec![dir.path().join("v.csv")])),
        ]),
    );
    let out = r.expect("train");
    let preds = out.model.predict(&val.x).expect("predict");
    let correct = preds
        .iter()
        .zip(&val.y)
        .filter(|(p, y)| match p {
            Prediction::Binary {
                score,
                predicted_label,
            } => {
                assert!((0.0..=1.0).contains(score));
                *predicted_label as f32 == **y
            }
            _ => false,
        })
        .count();
    assert_eq!(
        correct,
        val.rows(),
        "accuracy must be 1.0 on separable data"
    );
    let acc = final_metric(&lines, "validation", "binary_classification_accuracy");
    assert_eq!(acc, Some(1.0));
    assert!(lines.all().iter().any(|l| l.contains("validation binary_classification_cross_entropy_objective <loss>=")));
}

#[test]
fn hinge_and_balanced_weights_train() {
    let dir = tempdir();
    let train = blobs(1000, &[[-2.0, 0.0], [2.0, 0.5]], 5);
    write_csv(&dir.path().join("t.csv"), &train);
    let (r, _) = run(
        &[
            ("predictor_type", "binary_classifier"),
            ("loss", "hinge_loss"),
            ("positive_example_weight_mult", "balanced"),
            ("binary_classifier_model_selection_criteria", "f_beta"),
            ("epochs", "5"),
            ("mini_batch_size", "50"),
        ],
        one_host(vec![("train", csv_channel(vec![dir.path().join("t.csv")]))]),
    );
    let m = r.expect("train").model;
    let preds = m.predict(&train.x).expect("predict");
    let correct = preds
        .iter()
        .zip(&train.y)
        .filter(|(p, y)| matches!(p, Prediction::Binary { predicted_label, .. } if *predicted_label as f32 == **y))
        .count();
    assert_eq!(correct, train.rows());
}

#[test]
fn multiclass_softmax_learns_blobs() {
    let dir = tempdir();
    let centers = [[-4.0, 0.0], [4.0, 0.0], [0.0, 5.0], [0.0, -5.0]];
    let train = blobs(2000, &centers, 8);
    let val = blobs(400, &centers, 9);
    write_csv(&dir.path().join("t.csv"), &train);
    write_csv(&dir.path().join("v.csv"), &val);
    let (r, lines) = run(
        &[
            ("predictor_type", "multiclass_classifier"),
            ("num_classes", "4"),
            ("epochs", "5"),
            ("mini_batch_size", "50"),
        ],
        one_host(vec![
            ("train", csv_channel(vec![dir.path().join("t.csv")])),
            ("validation", csv_channel(vec![dir.path().join("v.csv")])),
        ]),
    );
    let out = r.expect("train");
    let preds = out.model.predict(&val.x).expect("predict");
    let correct = preds
        .iter()
        .zip(&val.y)
        .filter(|(p, y)| matches!(p, Prediction::Multiclass { predicted_label, score } if *predicted_label as f32 == **y && score.len() == 4))
        .count();
    assert_eq!(correct, val.rows());
    let acc = final_metric(&lines, "validation", "multiclass_accuracy");
    assert_eq!(acc, Some(1.0));
    assert!(
        lines
            .all()
            .iter()
            .any(|l| l.contains("validation multiclass_top_k_accuracy_3 <score>=1.0"))
    );
}

#[test]
fn same_job_gives_the_same_artifact_bytes() {
    let dir = tempdir();
    let d = linear(3000, &[1.0, 2.0, -1.0], 0.5, 0.2, 11);
    for i in 0..3 {
        write_csv(
            &dir.path().join(format!("{i}.csv")),
            &d.slice(i * 1000, (i + 1) * 1000),
        );
    }
    let hosts = || -> Vec<HostInput> {
        (0..3)
            .map(|i| HostInput {
                host: format!("algo-{}", i + 1),
                channels: [(
                    "train".to_string(),
                    csv_channel(vec![dir.path().join(format!("{i}.csv"))]),
                )]
                .into_iter()
                .collect(),
            })
            .collect()
    };
    let hpv = [
        ("predictor_type", "regressor"),
        ("epochs", "3"),
        ("mini_batch_size", "64"),
    ];
    let a = run(&hpv, hosts())
        .0
        .expect("a")
        .model
        .to_model_tar_gz()
        .expect("tar");
    let b = run(&hpv, hosts())
        .0
        .expect("b")
        .model
        .to_model_tar_gz()
        .expect("tar");
    assert_eq!(a, b);
    let m = Model::from_model_tar_gz(&a).expect("load");
    assert_eq!(m.feature_dim(), 3);
}

/// The workshop's comparison on synthetic data: 5 files, 5 hosts, 2 epochs. FullyReplicated hosts each
/// train on all files; ShardedByS3Key hosts on one file each. Replicated must fit at least as well.
#[test]
fn replicated_fits_at_least_as_well_as_sharded() {
    let dir = tempdir();
    let beta = [0.8, -1.2, 2.0, 0.3, -0.7, 1.1];
    let all = linear(10_000, &beta, 3.0, 1.0, 21);
    let val = linear(2000, &beta, 3.0, 1.0, 22);
    let files: Vec<_> = (0..5)
        .map(|i| dir.path().join(format!("{}.csv", 1979 + i)))
        .collect();
    for (i, f) in files.iter().enumerate() {
        write_csv(f, &all.slice(i * 2000, (i + 1) * 2000));
    }
    write_csv(&dir.path().join("val.csv"), &val);
    let hosts = |sharded: bool| -> Vec<HostInput> {
        (0..5)
            .map(|i| HostInput {
                host: format!("algo-{}", i + 1),
                channels: [
                    (
                        "train".to_string(),
                        csv_channel(if sharded {
                            vec![files[i].clone()]
                        } else {
                            files.clone()
                        }),
                    ),
                    (
                        "validation".to_string(),
                        csv_channel(vec![dir.path().join("val.csv")]),
                    ),
                ]
                .into_iter()
                .collect(),
            })
            .collect()
    };
    let hpv = [
        ("predictor_type", "regressor"),
        ("feature_dim", "6"),
        ("epochs", "2"),
        ("mini_batch_size", "200"),
    ];
    let (rep, rep_lines) = run(&hpv, hosts(false));
    let (sh, _) = run(&hpv, hosts(true));
    let (rep, sh) = (rep.expect("replicated"), sh.expect("sharded"));
    let (rep_mse, sh_mse) = (mse(&rep.model, &val), mse(&sh.model, &val));
    assert!(
        rep_mse <= sh_mse * 1.0001,
        "replicated mse {rep_mse} vs sharded {sh_mse}"
    );
    // both learned something real: far below the label variance
    let mean = val.y.iter().sum::<f32>() / val.rows() as f32;
    let var = val
        .y
        .iter()
        .map(|y| ((y - mean) as f64).powi(2))
        .sum::<f64>()
        / val.rows() as f64;
    assert!(sh_mse < 0.2 * var, "sharded mse {sh_mse} vs variance {var}");
    // work really is split: each replicated host read 10000 rows per epoch, each sharded host 2000
    assert!(rep.hosts.iter().all(|h| h.rows_per_epoch == 10_000));
    assert!(sh.hosts.iter().all(|h| h.rows_per_epoch == 2000));
    // one log stream per host, each with its own throughput line
    for h in 1..=5 {
        let host = format!("algo-{h}");
        assert!(rep_lines.of(&host).iter().any(|l| l.contains(&format!(
            "#throughput_metric: host={host}, train throughput="
        ))));
    }
}

#[test]
fn hosts_without_data_contribute_nothing_and_all_empty_fails() {
    let dir = tempdir();
    let d = linear(1000, &[1.0, -1.0], 0.0, 0.1, 5);
    write_csv(&dir.path().join("a.csv"), &d);
    let mk = |files: Vec<std::path::PathBuf>, name: &str| HostInput {
        host: name.into(),
        channels: [("train".to_string(), csv_channel(files))]
            .into_iter()
            .collect(),
    };
    let (r, lines) = run(
        &[("predictor_type", "regressor"), ("epochs", "2")],
        vec![
            mk(vec![dir.path().join("a.csv")], "algo-1"),
            mk(vec![], "algo-2"),
        ],
    );
    let out = r.expect("one host with data is enough");
    assert_eq!(out.hosts[1].rows_per_epoch, 0);
    assert!(
        lines
            .of("algo-2")
            .iter()
            .any(|l| l.contains("WARNING") && l.contains("No training data for algo-2"))
    );
    let (r, _) = run(
        &[("predictor_type", "regressor")],
        vec![mk(vec![], "algo-1"), mk(vec![], "algo-2")],
    );
    match r {
        Err(e @ TrainError::Client(_)) => {
            assert!(e.to_string().contains("No training data"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

/// Hyperparameters that once aborted the whole stand-in (an allocation of terabytes) or panicked the
/// job's thread (`capacity overflow`) are refused with a ClientError naming the parameter, logged as
/// `Customer Error`, before anything is allocated.
#[test]
fn hostile_sizes_are_refused_naming_the_parameter() {
    let dir = tempdir();
    write_csv(
        &dir.path().join("t.csv"),
        &linear(50, &[1.0, 2.0], 0.0, 0.1, 11),
    );
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &[("feature_dim", "1000000000000")],
            "feature_dim",
            "1000000000000",
        ),
        (
            &[("feature_dim", "9223372036854775807")],
            "feature_dim",
            "9223372036854775807",
        ),
        (
            &[("feature_dim", "2"), ("num_models", "1000000000000")],
            "num_models",
            "1000000000000",
        ),
        (
            &[("num_models", "9223372036854775807")],
            "num_models",
            "9223372036854775807",
        ),
    ];
    for (extra, name, value) in cases {
        let mut hp = vec![("predictor_type", "regressor")];
        hp.extend_from_slice(extra);
        let (r, lines) = run(
            &hp,
            one_host(vec![("train", csv_channel(vec![dir.path().join("t.csv")]))]),
        );
        let e = r.expect_err("refused");
        let m = e.to_string();
        assert!(
            m.starts_with(&format!(
                "ClientError: Unable to initialize the algorithm. Failed to validate input hyperparameters. (caused by ValidationError) Caused by: invalid value '{value}' for hyperparameter '{name}': the job would need about "
            )),
            "{m}"
        );
        assert!(
            lines
                .all()
                .iter()
                .any(|l| l.ends_with(&format!("Customer Error: {e}"))),
            "{hp:?}"
        );
    }
}

/// `feature_dim=auto` and a CSV row 100,000 values wide with a huge num_models: the dimension
/// found in the data is checked before the fit allocates.
#[test]
fn a_detected_dimension_is_checked_too() {
    let dir = tempdir();
    let row: Vec<String> = (0..100_001).map(|_| "0".to_string()).collect();
    std::fs::write(dir.path().join("wide.csv"), row.join(",") + "\n").expect("write");
    let (r, _) = run(
        &[("predictor_type", "regressor"), ("num_models", "100000")],
        one_host(vec![(
            "train",
            csv_channel(vec![dir.path().join("wide.csv")]),
        )]),
    );
    let m = r.expect_err("refused").to_string();
    assert!(
        m.contains("for hyperparameter 'num_models'") && m.contains("feature_dim=100000 ×"),
        "{m}"
    );
}

/// A sink that panics on the first line of one kind: a panic on the job's own thread in the middle
/// of a job.
struct PanicsOn(&'static str, Lines, std::sync::atomic::AtomicBool);

impl linear_learner::LogSink for PanicsOn {
    fn log(&self, host: &str, line: &str) {
        if line.contains(self.0) && !self.2.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("forced panic while logging {:?}", self.0);
        }
        self.1.log(host, line);
    }
}

#[test]
fn a_panic_inside_a_job_fails_it_with_a_reason() {
    let dir = tempdir();
    write_csv(
        &dir.path().join("t.csv"),
        &linear(200, &[1.0, 2.0], 0.0, 0.1, 12),
    );
    let spec = linear_learner::TrainingSpec {
        hyperparameters: hp(&[("predictor_type", "regressor"), ("epochs", "2")]),
        hosts: one_host(vec![("train", csv_channel(vec![dir.path().join("t.csv")]))]),
    };
    for marker in ["Final configuration", "Scaling model", "#progress_metric"] {
        let sink = PanicsOn(marker, Lines::default(), Default::default());
        let r = linear_learner::train(&spec, &sink, &std::sync::atomic::AtomicBool::new(false));
        match r {
            Err(e @ TrainError::Algorithm(linear_learner::AlgorithmError::Panicked(_))) => {
                assert_eq!(
                    e.to_string(),
                    format!(
                        "AlgorithmError: the training code panicked: forced panic while logging {marker:?}"
                    )
                );
                assert!(
                    sink.1
                        .all()
                        .iter()
                        .any(|l| l.ends_with(&format!("Customer Error: {e}"))),
                    "{marker}"
                );
            }
            other => panic!("{marker}: {other:?}"),
        }
    }
}
