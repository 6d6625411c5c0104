//! Hyperparameters exactly as a job receives them (strings), validated into typed [`Params`].
//!
//! This exists because SageMaker hands the container a `map<string,string>`; the container checks
//! every key and value against its schema and fails the job with a `ClientError` naming the offender.
//! The table [`DEFAULTS`] is Linear Learner's `default-input.json` (documented defaults, `auto` where
//! the container resolves the value itself).
//!
//! Checking follows linfa's "params → checked params" pattern (`ParamGuard` in linfa's
//! `src/param_guard.rs`, `ElasticNetValidParams` with private fields and getters): the fields of
//! [`Params`] are private to the crate and [`Params::check`] is the only way to build one, so code
//! that holds a `Params` (the fit, the container) never sees an unchecked value. A library user
//! writes the same strings a job would ([`HyperParameters`]) and gets the same errors.
//!
//! Upper bounds: Linear Learner's documentation bounds only `num_classes` (3 to 1,000,000); every
//! other count is "positive integer". A job's memory grows with `feature_dim × num_models ×
//! num_classes` and `mini_batch_size × feature_dim`, so instead of arbitrary caps the checker
//! estimates the job's memory ([`memory`]) and refuses, naming the parameter, a job that would need
//! more than [`JOB_MEMORY_BUDGET`] — before anything is allocated (an allocation failure aborts the
//! whole process; no `catch_unwind` can stop it).

use std::collections::BTreeMap;

use crate::{ParamError, TrainError};

mod kinds;
pub mod memory;

pub use kinds::*;
pub use memory::JOB_MEMORY_BUDGET;

/// Linear Learner's default configuration (the container's `default-input.json`), in key order.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("_enable_profiler", "false"),
    ("_kvstore", "auto"),
    ("_log_level", "info"),
    ("_num_gpus", "auto"),
    ("_num_kv_servers", "auto"),
    ("_tuning_objective_metric", ""),
    ("accuracy_top_k", "3"),
    ("balance_multiclass_weights", "false"),
    ("beta_1", "auto"),
    ("beta_2", "auto"),
    ("bias_lr_mult", "auto"),
    ("bias_wd_mult", "auto"),
    ("binary_classifier_model_selection_criteria", "accuracy"),
    ("early_stopping_patience", "3"),
    ("early_stopping_tolerance", "0.001"),
    ("epochs", "15"),
    ("f_beta", "1.0"),
    ("feature_dim", "auto"),
    ("huber_delta", "1.0"),
    ("init_bias", "0.0"),
    ("init_method", "uniform"),
    ("init_scale", "0.07"),
    ("init_sigma", "0.01"),
    ("l1", "auto"),
    ("learning_rate", "auto"),
    ("loss", "auto"),
    ("loss_insensitivity", "0.01"),
    ("lr_scheduler_factor", "auto"),
    ("lr_scheduler_minimum_lr", "auto"),
    ("lr_scheduler_step", "auto"),
    ("margin", "1.0"),
    ("mini_batch_size", "1000"),
    ("momentum", "auto"),
    ("normalize_data", "true"),
    ("normalize_label", "auto"),
    ("num_calibration_samples", "10000000"),
    ("num_classes", "1"),
    ("num_models", "auto"),
    ("num_point_for_scaler", "10000"),
    ("optimizer", "auto"),
    ("positive_example_weight_mult", "1.0"),
    ("quantile", "0.5"),
    ("target_precision", "0.8"),
    ("target_recall", "0.8"),
    ("unbias_data", "auto"),
    ("unbias_label", "auto"),
    ("use_bias", "true"),
    ("use_lr_scheduler", "true"),
    ("wd", "auto"),
];

/// `num_models = auto` resolves to this (every default run logs models 0..31).
pub const AUTO_NUM_MODELS: usize = 32;

/// A value that may be `auto` (None) in the job's hyperparameters.
pub type Auto<T> = Option<T>;

/// Checked hyperparameters ([`Params::check`]). Fields mirror the hyperparameter names and are read
/// through getters of the same name; `None` = `auto`, resolved later (from the data or the model grid).
#[derive(Debug, Clone)]
pub struct Params {
    pub(crate) predictor_type: PredictorType,
    /// Number of outputs for multiclass; 1 otherwise.
    pub(crate) num_classes: usize,
    pub(crate) feature_dim: Auto<usize>,
    pub(crate) mini_batch_size: usize,
    pub(crate) epochs: usize,
    pub(crate) num_models: usize,
    pub(crate) loss: Loss,
    /// `None` = auto (the grid varies it; model 0 uses adam).
    pub(crate) optimizer: Auto<Optimizer>,
    pub(crate) learning_rate: Auto<f64>,
    pub(crate) wd: Auto<f64>,
    pub(crate) l1: Auto<f64>,
    pub(crate) momentum: f64,
    pub(crate) beta_1: f64,
    pub(crate) beta_2: f64,
    pub(crate) bias_lr_mult: f64,
    pub(crate) bias_wd_mult: f64,
    pub(crate) use_bias: bool,
    pub(crate) use_lr_scheduler: bool,
    pub(crate) lr_scheduler_step: Auto<usize>,
    pub(crate) lr_scheduler_factor: Auto<f64>,
    pub(crate) lr_scheduler_minimum_lr: Auto<f64>,
    pub(crate) init_method: InitMethod,
    pub(crate) init_scale: f64,
    pub(crate) init_sigma: f64,
    pub(crate) init_bias: f64,
    pub(crate) normalize_data: bool,
    pub(crate) normalize_label: bool,
    pub(crate) unbias_data: bool,
    pub(crate) unbias_label: bool,
    pub(crate) num_point_for_scaler: usize,
    pub(crate) early_stopping_patience: usize,
    pub(crate) early_stopping_tolerance: f64,
    pub(crate) criterion: Criterion,
    pub(crate) target_recall: f64,
    pub(crate) target_precision: f64,
    pub(crate) f_beta: f64,
    pub(crate) positive_example_weight_mult: PositiveWeight,
    pub(crate) num_calibration_samples: usize,
    pub(crate) margin: f64,
    pub(crate) quantile: f64,
    pub(crate) loss_insensitivity: f64,
    pub(crate) huber_delta: f64,
    pub(crate) accuracy_top_k: usize,
    pub(crate) balance_multiclass_weights: bool,
    /// The merged configuration (defaults overlaid by the job's values), as logged.
    pub(crate) final_configuration: BTreeMap<String, String>,
}

macro_rules! getters {
    ($($name:ident: $t:ty,)*) => {
        impl Params {
            $(
                #[doc = concat!("The checked `", stringify!($name), "`.")]
                pub fn $name(&self) -> $t {
                    self.$name
                }
            )*
            /// The merged configuration (defaults overlaid by the job's values), as logged.
            pub fn final_configuration(&self) -> &BTreeMap<String, String> {
                &self.final_configuration
            }
        }
    };
}

getters! {
    predictor_type: PredictorType,
    num_classes: usize,
    feature_dim: Auto<usize>,
    mini_batch_size: usize,
    epochs: usize,
    num_models: usize,
    loss: Loss,
    optimizer: Auto<Optimizer>,
    learning_rate: Auto<f64>,
    wd: Auto<f64>,
    l1: Auto<f64>,
    momentum: f64,
    beta_1: f64,
    beta_2: f64,
    bias_lr_mult: f64,
    bias_wd_mult: f64,
    use_bias: bool,
    use_lr_scheduler: bool,
    lr_scheduler_step: Auto<usize>,
    lr_scheduler_factor: Auto<f64>,
    lr_scheduler_minimum_lr: Auto<f64>,
    init_method: InitMethod,
    init_scale: f64,
    init_sigma: f64,
    init_bias: f64,
    normalize_data: bool,
    normalize_label: bool,
    unbias_data: bool,
    unbias_label: bool,
    num_point_for_scaler: usize,
    early_stopping_patience: usize,
    early_stopping_tolerance: f64,
    criterion: Criterion,
    target_recall: f64,
    target_precision: f64,
    f_beta: f64,
    positive_example_weight_mult: PositiveWeight,
    num_calibration_samples: usize,
    margin: f64,
    quantile: f64,
    loss_insensitivity: f64,
    huber_delta: f64,
    accuracy_top_k: usize,
    balance_multiclass_weights: bool,
}

/// Hyperparameters as a job gives them: unchecked strings. [`HyperParameters::check`] (or
/// [`Params::check`] on a map) turns them into [`Params`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HyperParameters(BTreeMap<String, String>);

impl HyperParameters {
    /// `predictor_type` set, everything else at its default.
    pub fn new(predictor_type: PredictorType) -> Self {
        HyperParameters::default().set("predictor_type", predictor_type.as_str())
    }
    /// Sets one hyperparameter (checked later, by [`HyperParameters::check`]).
    pub fn set(mut self, name: &str, value: impl ToString) -> Self {
        self.0.insert(name.to_string(), value.to_string());
        self
    }
    /// The map as given.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
    /// Checks every value; the only way to a [`Params`].
    pub fn check(&self) -> Result<Params, ParamError> {
        Params::check(&self.0)
    }
}

impl From<BTreeMap<String, String>> for HyperParameters {
    fn from(m: BTreeMap<String, String>) -> Self {
        HyperParameters(m)
    }
}

fn bad(name: &'static str, value: &str, allowed: &str) -> ParamError {
    ParamError::Invalid {
        name,
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}

struct Reader<'a> {
    map: &'a BTreeMap<String, String>,
}

impl Reader<'_> {
    fn raw(&self, name: &str) -> &str {
        self.map.get(name).map(|s| s.trim()).unwrap_or("")
    }
    fn is_auto(&self, name: &str) -> bool {
        self.raw(name).eq_ignore_ascii_case("auto")
    }
    fn int(
        &self,
        name: &'static str,
        min: i64,
        max: i64,
        allowed: &str,
    ) -> Result<usize, ParamError> {
        let v = self.raw(name);
        match v.parse::<i64>() {
            Ok(n) if n >= min && n <= max => usize::try_from(n).map_err(|_| bad(name, v, allowed)),
            _ => Err(bad(name, v, allowed)),
        }
    }
    fn int_auto(
        &self,
        name: &'static str,
        min: i64,
        allowed: &str,
    ) -> Result<Option<usize>, ParamError> {
        if self.is_auto(name) {
            Ok(None)
        } else {
            self.int(name, min, i64::MAX, allowed).map(Some)
        }
    }
    fn float(
        &self,
        name: &'static str,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<f64, ParamError> {
        let v = self.raw(name);
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && ok(x) => Ok(x),
            _ => Err(bad(name, v, allowed)),
        }
    }
    fn float_auto(
        &self,
        name: &'static str,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<Option<f64>, ParamError> {
        if self.is_auto(name) {
            Ok(None)
        } else {
            self.float(name, ok, allowed).map(Some)
        }
    }
    fn boolean(&self, name: &'static str) -> Result<bool, ParamError> {
        let v = self.raw(name);
        match v.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad(name, v, "'true' or 'false'")),
        }
    }
    fn bool_auto(&self, name: &'static str) -> Result<Option<bool>, ParamError> {
        if self.is_auto(name) {
            Ok(None)
        } else {
            self.boolean(name).map(Some)
        }
    }
}

impl Params {
    /// Checks the job's hyperparameters, resolving what can be resolved without data: the only way
    /// to get a [`Params`]. Refuses values whose memory need is over [`JOB_MEMORY_BUDGET`] on one
    /// host with the dimension known so far (`feature_dim`, or 1 when `auto`); [`crate::fit`]
    /// checks again with the dimension and host count of the data.
    pub fn check(hp: &BTreeMap<String, String>) -> Result<Params, ParamError> {
        for key in hp.keys() {
            if key != "predictor_type" && !DEFAULTS.iter().any(|(k, _)| k == key) {
                return Err(ParamError::Unknown(key.clone()));
            }
        }
        if !hp.contains_key("predictor_type") {
            return Err(ParamError::Missing("predictor_type"));
        }
        let mut merged: BTreeMap<String, String> = DEFAULTS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        for (k, v) in hp {
            merged.insert(k.clone(), v.clone());
        }
        let r = Reader { map: &merged };

        let pt_raw = r.raw("predictor_type");
        let predictor_type = PredictorType::parse(pt_raw).ok_or_else(|| {
            bad(
                "predictor_type",
                pt_raw,
                "'binary_classifier', 'multiclass_classifier' or 'regressor'",
            )
        })?;
        let num_classes = match predictor_type {
            PredictorType::MulticlassClassifier => {
                if !hp.contains_key("num_classes") {
                    return Err(ParamError::MissingWhen {
                        name: "num_classes",
                        condition: "predictor_type is 'multiclass_classifier'",
                    });
                }
                r.int(
                    "num_classes",
                    3,
                    1_000_000,
                    "an integer from 3 to 1000000 for multiclass_classifier",
                )?
            }
            _ => {
                r.int("num_classes", 1, 1_000_000, "an integer from 1 to 1000000")?;
                1
            }
        };
        let feature_dim = r.int_auto("feature_dim", 1, "'auto' or an integer greater than 0")?;
        let mini_batch_size = r.int("mini_batch_size", 1, i64::MAX, "an integer greater than 0")?;
        let epochs = r.int("epochs", 1, i64::MAX, "an integer greater than 0")?;
        let num_models = r
            .int_auto("num_models", 1, "'auto' or an integer greater than 0")?
            .unwrap_or(AUTO_NUM_MODELS);

        let loss_raw = r.raw("loss");
        let allowed_losses = Loss::allowed_for(predictor_type);
        let loss = if loss_raw.eq_ignore_ascii_case("auto") {
            allowed_losses[match predictor_type {
                PredictorType::Regressor => 0,
                PredictorType::BinaryClassifier => 0,
                PredictorType::MulticlassClassifier => 0,
            }]
        } else {
            let allowed_text = format!(
                "'auto' or one of {} for predictor_type '{}'",
                allowed_losses
                    .iter()
                    .map(|l| format!("'{}'", l.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
                predictor_type.as_str()
            );
            match Loss::parse(loss_raw) {
                Some(l) if allowed_losses.contains(&l) => l,
                _ => return Err(bad("loss", loss_raw, &allowed_text)),
            }
        };
        let opt_raw = r.raw("optimizer");
        let optimizer = match opt_raw {
            "auto" => None,
            "sgd" => Some(Optimizer::Sgd),
            "adam" => Some(Optimizer::Adam),
            "rmsprop" => Some(Optimizer::Rmsprop),
            _ => {
                return Err(bad(
                    "optimizer",
                    opt_raw,
                    "'auto', 'sgd', 'adam' or 'rmsprop'",
                ));
            }
        };
        let pos = |x: f64| x > 0.0;
        let nonneg = |x: f64| x >= 0.0;
        let unit_half_open = |x: f64| (0.0..1.0).contains(&x);
        let open_unit = |x: f64| x > 0.0 && x < 1.0;
        let learning_rate =
            r.float_auto("learning_rate", pos, "'auto' or a float greater than 0")?;
        let wd = r.float_auto("wd", nonneg, "'auto' or a float greater than or equal to 0")?;
        let l1 = r.float_auto("l1", nonneg, "'auto' or a float greater than or equal to 0")?;
        let momentum = r
            .float_auto("momentum", unit_half_open, "'auto' or a float in [0, 1)")?
            .unwrap_or(0.0);
        let beta_1 = r
            .float_auto("beta_1", unit_half_open, "'auto' or a float in [0, 1)")?
            .unwrap_or(0.9);
        let beta_2 = r
            .float_auto("beta_2", unit_half_open, "'auto' or a float in [0, 1)")?
            .unwrap_or(0.999);
        let bias_lr_mult = r
            .float_auto("bias_lr_mult", pos, "'auto' or a float greater than 0")?
            .unwrap_or(1.0);
        let bias_wd_mult = r
            .float_auto(
                "bias_wd_mult",
                nonneg,
                "'auto' or a float greater than or equal to 0",
            )?
            .unwrap_or(0.0);
        let use_bias = r.boolean("use_bias")?;
        let use_lr_scheduler = r.boolean("use_lr_scheduler")?;
        let lr_scheduler_step = r.int_auto(
            "lr_scheduler_step",
            1,
            "'auto' or an integer greater than 0",
        )?;
        let lr_scheduler_factor = r.float_auto(
            "lr_scheduler_factor",
            open_unit,
            "'auto' or a float in (0, 1)",
        )?;
        let lr_scheduler_minimum_lr = r.float_auto(
            "lr_scheduler_minimum_lr",
            pos,
            "'auto' or a float greater than 0",
        )?;
        let init_raw = r.raw("init_method");
        let init_method = match init_raw {
            "uniform" => InitMethod::Uniform,
            "normal" => InitMethod::Normal,
            _ => return Err(bad("init_method", init_raw, "'uniform' or 'normal'")),
        };
        let init_scale = r.float("init_scale", pos, "a float greater than 0")?;
        let init_sigma = r.float("init_sigma", pos, "a float greater than 0")?;
        let init_bias = r.float("init_bias", |_| true, "a float")?;
        let normalize_data = r.bool_auto("normalize_data")?.unwrap_or(true);
        let is_reg = predictor_type == PredictorType::Regressor;
        let normalize_label = r.bool_auto("normalize_label")?.unwrap_or(is_reg) && is_reg;
        let unbias_data =
            r.bool_auto("unbias_data")?.unwrap_or(use_bias) && use_bias && normalize_data;
        let unbias_label = r.bool_auto("unbias_label")?.unwrap_or(use_bias) && use_bias && is_reg;
        let num_point_for_scaler = r.int(
            "num_point_for_scaler",
            1,
            i64::MAX,
            "an integer greater than 0",
        )?;
        let early_stopping_patience = r.int(
            "early_stopping_patience",
            1,
            i64::MAX,
            "an integer greater than 0",
        )?;
        let early_stopping_tolerance =
            r.float("early_stopping_tolerance", pos, "a float greater than 0")?;
        let crit_raw = r.raw("binary_classifier_model_selection_criteria");
        let criterion = match crit_raw {
            "accuracy" => Criterion::Accuracy,
            "f_beta" | "f1" => Criterion::FBeta,
            "precision_at_target_recall" => Criterion::PrecisionAtTargetRecall,
            "recall_at_target_precision" => Criterion::RecallAtTargetPrecision,
            "loss_function" | "cross_entropy_loss" => Criterion::LossFunction,
            _ => {
                return Err(bad(
                    "binary_classifier_model_selection_criteria",
                    crit_raw,
                    "'accuracy', 'f_beta', 'precision_at_target_recall', 'recall_at_target_precision' or 'loss_function'",
                ));
            }
        };
        let target_recall = r.float("target_recall", open_unit, "a float in (0, 1)")?;
        let target_precision = r.float("target_precision", open_unit, "a float in (0, 1)")?;
        let f_beta = r.float("f_beta", pos, "a float greater than 0")?;
        let pw_raw = r.raw("positive_example_weight_mult");
        let positive_example_weight_mult = match pw_raw {
            "auto" => PositiveWeight::Fixed(1.0),
            "balanced" => PositiveWeight::Balanced,
            _ => PositiveWeight::Fixed(r.float(
                "positive_example_weight_mult",
                pos,
                "'auto', 'balanced' or a float greater than 0",
            )?),
        };
        let num_calibration_samples = r
            .int_auto(
                "num_calibration_samples",
                1,
                "'auto' or an integer greater than 0",
            )?
            .unwrap_or(10_000_000);
        let margin = r.float("margin", nonneg, "a float greater than or equal to 0")?;
        let quantile = r.float("quantile", open_unit, "a float in (0, 1)")?;
        let loss_insensitivity = r.float("loss_insensitivity", pos, "a float greater than 0")?;
        let huber_delta = r.float("huber_delta", pos, "a float greater than 0")?;
        let accuracy_top_k = r.int("accuracy_top_k", 1, i64::MAX, "an integer greater than 0")?;
        let balance_multiclass_weights = r.boolean("balance_multiclass_weights")?;
        let log_level = r.raw("_log_level");
        if !["info", "debug", "warning", "error", "critical"].contains(&log_level) {
            return Err(bad(
                "_log_level",
                log_level,
                "'info', 'debug', 'warning', 'error' or 'critical'",
            ));
        }
        let p = Params {
            predictor_type,
            num_classes,
            feature_dim,
            mini_batch_size,
            epochs,
            num_models,
            loss,
            optimizer,
            learning_rate,
            wd,
            l1,
            momentum,
            beta_1,
            beta_2,
            bias_lr_mult,
            bias_wd_mult,
            use_bias,
            use_lr_scheduler,
            lr_scheduler_step,
            lr_scheduler_factor,
            lr_scheduler_minimum_lr,
            init_method,
            init_scale,
            init_sigma,
            init_bias,
            normalize_data,
            normalize_label,
            unbias_data,
            unbias_label,
            num_point_for_scaler,
            early_stopping_patience,
            early_stopping_tolerance,
            criterion,
            target_recall,
            target_precision,
            f_beta,
            positive_example_weight_mult,
            num_calibration_samples,
            margin,
            quantile,
            loss_insensitivity,
            huber_delta,
            accuracy_top_k,
            balance_multiclass_weights,
            final_configuration: merged,
        };
        memory::check(&p, p.feature_dim.unwrap_or(1), 1)?;
        Ok(p)
    }

    /// [`Params::check`] with the error as the job's [`TrainError`].
    pub fn from_hyperparameters(hp: &BTreeMap<String, String>) -> Result<Params, TrainError> {
        Params::check(hp).map_err(TrainError::from)
    }

    /// Number of score outputs per model (num_classes for multiclass, else 1).
    pub fn outputs_per_model(&self) -> usize {
        if self.predictor_type == PredictorType::MulticlassClassifier {
            self.num_classes
        } else {
            1
        }
    }

    /// The settings of every parallel model (model 0 = the user's settings with `auto` resolved).
    pub fn model_grid(&self) -> Vec<ModelSettings> {
        let opts: Vec<Optimizer> = match self.optimizer {
            Some(o) => vec![o],
            None => vec![Optimizer::Adam, Optimizer::Sgd],
        };
        let lr_mults: Vec<f64> = match self.learning_rate {
            Some(_) => vec![1.0],
            None => vec![1.0, 0.1, 0.01, 0.5],
        };
        let wds: Vec<f64> = match self.wd {
            Some(w) => vec![w],
            None => vec![0.0, 1e-4],
        };
        let l1s: Vec<f64> = match self.l1 {
            Some(w) => vec![w],
            None => vec![0.0, 1e-4],
        };
        let scheds: Vec<(usize, f64, f64)> = {
            let step: Vec<usize> = match self.lr_scheduler_step {
                Some(s) => vec![s],
                None => vec![100, 10],
            };
            let factor = self.lr_scheduler_factor;
            let min_lr = self.lr_scheduler_minimum_lr;
            step.iter()
                .enumerate()
                .map(|(i, &s)| {
                    let f = factor.unwrap_or(0.99);
                    let m = min_lr.unwrap_or(if i == 0 { 1e-5 } else { 1e-4 });
                    (s, f, m)
                })
                .collect()
        };
        // Mixed radix, fastest first: learning rate, wd, optimizer, scheduler, l1.
        let radices = [
            lr_mults.len(),
            wds.len(),
            opts.len(),
            scheds.len(),
            l1s.len(),
        ];
        let total: usize = radices.iter().product();
        (0..self.num_models)
            .map(|m| {
                let mut c = m % total;
                let mut idx = [0usize; 5];
                for (i, r) in radices.iter().enumerate() {
                    idx[i] = c % r;
                    c /= r;
                }
                let optimizer = opts[idx[2]];
                let learning_rate = match self.learning_rate {
                    Some(lr) => lr,
                    None => optimizer.auto_learning_rate() * lr_mults[idx[0]],
                };
                let (step, factor, min_lr) = scheds[idx[3]];
                ModelSettings {
                    optimizer,
                    learning_rate,
                    wd: wds[idx[1]],
                    l1: l1s[idx[4]],
                    lr_scheduler_step: step,
                    lr_scheduler_factor: factor,
                    lr_scheduler_minimum_lr: min_lr,
                }
            })
            .collect()
    }
}

/// What varies between the parallel models.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSettings {
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    pub wd: f64,
    pub l1: f64,
    pub lr_scheduler_step: usize,
    pub lr_scheduler_factor: f64,
    pub lr_scheduler_minimum_lr: f64,
}

impl ModelSettings {
    /// The `Best model found for hyperparameters: {...}` JSON.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"lr_scheduler_step\": {}, \"wd\": {}, \"optimizer\": \"{}\", \"lr_scheduler_factor\": {}, \"l1\": {}, \"learning_rate\": {}, \"lr_scheduler_minimum_lr\": {}}}",
            self.lr_scheduler_step,
            py_float(self.wd),
            self.optimizer.as_str(),
            py_float(self.lr_scheduler_factor),
            py_float(self.l1),
            py_float(self.learning_rate),
            py_float(self.lr_scheduler_minimum_lr)
        )
    }
}

/// Formats a float the way Python's `repr` does for the common cases (`0.0`, `0.1`, `1e-05`).
pub fn py_float(x: f64) -> String {
    if x == 0.0 {
        return "0.0".to_string();
    }
    let a = x.abs();
    if !(1e-4..1e16).contains(&a) {
        let s = format!("{x:e}");
        // Rust: 1e-5 → "1e-5"; Python: "1e-05".
        if let Some((m, e)) = s.split_once('e') {
            let (sign, digits) = if let Some(d) = e.strip_prefix('-') {
                ("-", d)
            } else {
                ("+", e)
            };
            return format!("{m}e{sign}{digits:0>2}");
        }
        return s;
    }
    let s = format!("{x}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

#[cfg(test)]
mod tests;
