//! The fit without files: in-memory shards, determinism, refusals before allocation, panics.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use rand::{Rng, SeedableRng};

use super::*;
use crate::{AlgorithmError, HyperParameters, ParamError};

/// y = 2·x0 − 3·x1 + 0.5·x2 + 4 + small noise.
fn linear(rows: usize, seed: u64) -> Matrix {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..rows {
        let r: Vec<f32> = (0..3).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        y.push(2.0 * r[0] - 3.0 * r[1] + 0.5 * r[2] + 4.0 + rng.random_range(-0.01f32..0.01));
        x.extend(r);
    }
    Matrix::new(3, x, y).expect("shape")
}

fn regressor() -> HyperParameters {
    HyperParameters::new(PredictorType::Regressor)
        .set("epochs", 8)
        .set("mini_batch_size", 50)
        .set("wd", 0)
        .set("l1", 0)
}

#[test]
fn an_in_memory_fit_recovers_the_coefficients() {
    let p = regressor().check().expect("valid");
    let shards = [linear(1500, 1), linear(1500, 2)];
    let val = linear(400, 3);
    let f = fit_matrices(&p, &shards, Some(&val), None).expect("fit");
    let w = f.model.weights();
    for (got, want) in w.iter().zip([2.0f32, -3.0, 0.5]) {
        assert!((got - want).abs() < 0.05, "weights {w:?}");
    }
    assert!(
        (f.model.bias()[0] - 4.0).abs() < 0.05,
        "bias {:?}",
        f.model.bias()
    );
    let mse = f
        .validation_metrics
        .iter()
        .find(|(n, _)| n == "mse")
        .expect("mse")
        .1;
    assert!(mse < 0.01, "validation mse {mse}");
    assert_eq!(f.hosts.len(), 2);
    assert_eq!(f.hosts[0].rows_per_epoch, 1500);
    assert!(f.test_metrics.is_empty());
}

#[test]
fn the_same_data_gives_the_same_model_bit_for_bit() {
    let p = regressor().set("epochs", 3).check().expect("valid");
    let shards = [linear(600, 4), linear(300, 5)];
    let a = fit_matrices(&p, &shards, None, None).expect("fit");
    let b = fit_matrices(&p, &shards, None, None).expect("fit");
    assert_eq!(a.model, b.model);
    assert_eq!(a.selected_model, b.selected_model);
}

/// Records the events' kinds, in order.
#[derive(Default)]
struct Kinds(Mutex<Vec<&'static str>>);

impl Progress for Kinds {
    fn event(&self, e: &Event<'_>) {
        let k = match e {
            Event::Scaled { .. } => "scaled",
            Event::EpochTrained { .. } => "trained",
            Event::EpochValidated { .. } => "validated",
            Event::EpochEnded { .. } => "ended",
            Event::EarlyStopped { .. } => "early_stop",
            Event::FinalTrainObjective { .. } => "final_train",
            Event::FinalScores { .. } => "scores",
            Event::Selected { .. } => "selected",
            Event::NoTestData { .. } => "no_test",
        };
        self.0.lock().expect("lock").push(k);
    }
}

#[test]
fn events_come_in_the_container_s_order() {
    let p = regressor().set("epochs", 2).check().expect("valid");
    let (a, v) = (linear(200, 6), linear(100, 7));
    let input = Input {
        dim: 3,
        hosts: vec![HostShard {
            name: "algo-1".into(),
            train: Some(&a),
        }],
        validation: Some(Split { host: 0, shard: &v }),
        test: None,
    };
    let k = Kinds::default();
    fit(&p, &input, &k, &AtomicBool::new(false)).expect("fit");
    assert_eq!(
        *k.0.lock().expect("lock"),
        [
            "scaled",
            "trained",
            "validated",
            "ended",
            "trained",
            "validated",
            "ended",
            "final_train",
            "scores",
            "selected",
            "no_test"
        ]
    );
}

#[test]
fn a_bad_label_names_host_and_record() {
    let p = HyperParameters::new(PredictorType::BinaryClassifier)
        .check()
        .expect("valid");
    let m = Matrix::new(1, vec![0.0, 1.0, 2.0], vec![0.0, 1.0, 0.5]).expect("shape");
    let e = fit_matrices(&p, &[m], None, None).expect_err("label 0.5");
    assert_eq!(
        e.to_string(),
        "ClientError: Channel 'train' on host-1: label 0.5 of record 2 is invalid; labels must be 0 or 1 for binary_classifier"
    );
}

#[test]
fn shards_of_another_width_are_refused() {
    let p = regressor().check().expect("valid");
    let e = fit_matrices(
        &p,
        &[
            linear(10, 1),
            Matrix::new(2, vec![0.0; 4], vec![0.0; 2]).expect("shape"),
        ],
        None,
        None,
    )
    .expect_err("widths differ");
    assert!(matches!(
        e,
        TrainError::Client(ClientError::ShapeMismatch {
            shard: 1,
            dim: 3,
            ..
        })
    ));
}

/// A shard whose reader panics, as a bug in a host thread would.
struct Panicking;

impl Shard for Panicking {
    fn reader(&self) -> Result<Box<dyn RowReader + '_>, TrainError> {
        panic!("forced panic in a host thread")
    }
}

#[test]
fn a_panic_in_a_host_thread_fails_the_fit_with_its_message() {
    let p = regressor().check().expect("valid");
    let input = Input {
        dim: 3,
        hosts: vec![HostShard {
            name: "algo-1".into(),
            train: Some(&Panicking),
        }],
        validation: None,
        test: None,
    };
    match fit(&p, &input, &(), &AtomicBool::new(false)) {
        Err(TrainError::Algorithm(AlgorithmError::Panicked(m))) => {
            assert_eq!(m, "forced panic in a host thread")
        }
        other => panic!("{other:?}"),
    }
}

/// Panics on the fitting thread itself, at the first epoch's end.
struct PanicAtEpochEnd(Arc<AtomicBool>);

impl Progress for PanicAtEpochEnd {
    fn event(&self, e: &Event<'_>) {
        if let Event::EpochEnded { .. } = e {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            panic!("forced panic on the fitting thread");
        }
    }
}

#[test]
fn a_panic_on_the_fitting_thread_fails_the_fit_with_its_message() {
    let p = regressor().check().expect("valid");
    let a = linear(100, 8);
    let input = Input {
        dim: 3,
        hosts: vec![HostShard {
            name: "algo-1".into(),
            train: Some(&a),
        }],
        validation: None,
        test: None,
    };
    let reached = Arc::new(AtomicBool::new(false));
    let r = fit(
        &p,
        &input,
        &PanicAtEpochEnd(reached.clone()),
        &AtomicBool::new(false),
    );
    assert!(reached.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(
        r.expect_err("panicked").to_string(),
        "AlgorithmError: the training code panicked: forced panic on the fitting thread"
    );
}

#[test]
fn a_dimension_too_large_for_memory_is_refused_before_allocating() {
    // feature_dim=auto passes the checker; the data's width is checked by the fit itself.
    let p = HyperParameters::new(PredictorType::Regressor)
        .check()
        .expect("valid");
    let a = linear(10, 9);
    for dim in [1_000_000_000_000usize, usize::MAX] {
        let input = Input {
            dim,
            hosts: vec![HostShard {
                name: "algo-1".into(),
                train: Some(&a),
            }],
            validation: None,
            test: None,
        };
        match fit(&p, &input, &(), &AtomicBool::new(false)) {
            Err(TrainError::Client(ClientError::Hyperparameter(ParamError::TooLarge {
                name,
                ..
            }))) => assert_eq!(name, "feature_dim"),
            other => panic!("{dim}: {other:?}"),
        }
    }
}

#[test]
fn a_raised_cancel_flag_stops_the_fit() {
    let p = regressor().check().expect("valid");
    let a = linear(100, 10);
    let input = Input {
        dim: 3,
        hosts: vec![HostShard {
            name: "algo-1".into(),
            train: Some(&a),
        }],
        validation: None,
        test: None,
    };
    assert!(matches!(
        fit(&p, &input, &(), &AtomicBool::new(true)),
        Err(TrainError::Stopped)
    ));
}
