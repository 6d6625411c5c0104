//! The checker's tests: defaults, the model grid, every refusal's text.

use super::*;

fn hp(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn client_msg(r: Result<Params, TrainError>) -> String {
    match r {
        Err(TrainError::Client(m)) => m.to_string(),
        other => panic!("expected client error, got {other:?}"),
    }
}

#[test]
fn defaults_resolve() {
    let p = Params::from_hyperparameters(&hp(&[
        ("predictor_type", "regressor"),
        ("feature_dim", "25"),
    ]))
    .expect("valid");
    assert_eq!(p.loss, Loss::Squared);
    assert_eq!(p.num_models, 32);
    assert_eq!(p.epochs, 15);
    assert_eq!(p.mini_batch_size, 1000);
    assert_eq!(p.feature_dim, Some(25));
    assert!(p.normalize_label && p.unbias_label && p.unbias_data);
    let grid = p.model_grid();
    assert_eq!(grid.len(), 32);
    assert_eq!(grid[0].optimizer, Optimizer::Adam);
    assert_eq!(grid[0].learning_rate, 0.1);
    assert_eq!(grid[0].wd, 0.0);
    // all 32 settings distinct
    for i in 0..32 {
        for j in 0..i {
            assert_ne!(grid[i], grid[j], "models {i} and {j}");
        }
    }
    let b = Params::from_hyperparameters(&hp(&[("predictor_type", "binary_classifier")]))
        .expect("valid");
    assert_eq!(b.loss, Loss::Logistic);
    assert!(!b.normalize_label);
    assert_eq!(b.feature_dim, None);
}

#[test]
fn user_fixed_values_hold_across_models() {
    let p = Params::from_hyperparameters(&hp(&[
        ("predictor_type", "regressor"),
        ("learning_rate", "0.05"),
        ("wd", "0.001"),
        ("l1", "0"),
        ("optimizer", "sgd"),
    ]))
    .expect("valid");
    for s in p.model_grid() {
        assert_eq!(
            (s.learning_rate, s.wd, s.l1, s.optimizer),
            (0.05, 0.001, 0.0, Optimizer::Sgd)
        );
    }
}

#[test]
fn bad_hyperparameters_are_client_errors() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("feature_dim", "3")],
            "'predictor_type' is a required property",
        ),
        (
            &[("predictor_type", "regresor")],
            "'regresor' for hyperparameter 'predictor_type'",
        ),
        (
            &[("predictor_type", "regressor"), ("foo", "1")],
            "('foo' was unexpected)",
        ),
        (
            &[("predictor_type", "regressor"), ("epochs", "0")],
            "'0' for hyperparameter 'epochs'",
        ),
        (
            &[("predictor_type", "regressor"), ("epochs", "2.5")],
            "'2.5' for hyperparameter 'epochs'",
        ),
        (
            &[("predictor_type", "regressor"), ("mini_batch_size", "-1")],
            "'mini_batch_size'",
        ),
        (
            &[("predictor_type", "regressor"), ("feature_dim", "zero")],
            "'zero' for hyperparameter 'feature_dim'",
        ),
        (
            &[("predictor_type", "regressor"), ("learning_rate", "0")],
            "'learning_rate'",
        ),
        (
            &[("predictor_type", "regressor"), ("learning_rate", "nan")],
            "'learning_rate'",
        ),
        (&[("predictor_type", "regressor"), ("wd", "-0.1")], "'wd'"),
        (
            &[("predictor_type", "regressor"), ("momentum", "1")],
            "'momentum'",
        ),
        (
            &[("predictor_type", "regressor"), ("loss", "logistic")],
            "'logistic' for hyperparameter 'loss'",
        ),
        (
            &[
                ("predictor_type", "binary_classifier"),
                ("loss", "squared_loss"),
            ],
            "'loss'",
        ),
        (
            &[("predictor_type", "multiclass_classifier")],
            "'num_classes' is a required property",
        ),
        (
            &[
                ("predictor_type", "multiclass_classifier"),
                ("num_classes", "2"),
            ],
            "'num_classes'",
        ),
        (
            &[("predictor_type", "regressor"), ("optimizer", "adagrad")],
            "'optimizer'",
        ),
        (
            &[("predictor_type", "regressor"), ("use_bias", "yes")],
            "'use_bias'",
        ),
        (
            &[("predictor_type", "regressor"), ("quantile", "1.0")],
            "'quantile'",
        ),
        (
            &[
                ("predictor_type", "regressor"),
                ("lr_scheduler_factor", "1"),
            ],
            "'lr_scheduler_factor'",
        ),
        (
            &[("predictor_type", "regressor"), ("init_method", "xavier")],
            "'init_method'",
        ),
        (
            &[("predictor_type", "regressor"), ("num_models", "0")],
            "'num_models'",
        ),
        (
            &[
                ("predictor_type", "regressor"),
                ("early_stopping_tolerance", "0"),
            ],
            "'early_stopping_tolerance'",
        ),
        (
            &[
                ("predictor_type", "binary_classifier"),
                ("binary_classifier_model_selection_criteria", "auc"),
            ],
            "'binary_classifier_model_selection_criteria'",
        ),
        (
            &[
                ("predictor_type", "binary_classifier"),
                ("positive_example_weight_mult", "-2"),
            ],
            "'positive_example_weight_mult'",
        ),
        (
            &[
                ("predictor_type", "binary_classifier"),
                ("target_recall", "0"),
            ],
            "'target_recall'",
        ),
        (
            &[("predictor_type", "regressor"), ("normalize_data", "maybe")],
            "'normalize_data'",
        ),
        (
            &[("predictor_type", "regressor"), ("huber_delta", "0")],
            "'huber_delta'",
        ),
        (
            &[("predictor_type", "regressor"), ("accuracy_top_k", "0")],
            "'accuracy_top_k'",
        ),
    ];
    for (pairs, needle) in cases {
        let m = client_msg(Params::from_hyperparameters(&hp(pairs)));
        assert!(
            m.contains(needle),
            "{pairs:?}: message {m:?} lacks {needle:?}"
        );
        assert!(m.starts_with("Unable to initialize the algorithm."), "{m}");
    }
}

#[test]
fn py_float_matches_python_repr() {
    assert_eq!(py_float(0.0), "0.0");
    assert_eq!(py_float(0.1), "0.1");
    assert_eq!(py_float(1e-5), "1e-05");
    assert_eq!(py_float(0.0001), "0.0001");
    assert_eq!(py_float(0.99), "0.99");
    assert_eq!(py_float(10.0), "10.0");
}
