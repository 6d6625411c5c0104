//! Hyperparameters exactly as a job receives them (strings), validated into typed [`Params`].
//!
//! This exists because SageMaker hands the container a `map<string,string>`; the container checks
//! every key and value against its schema and fails the job with a `ClientError` naming the offender.
//! The table [`DEFAULTS`] is Linear Learner's `default-input.json` (documented defaults, `auto` where
//! the container resolves the value itself). Validation follows the "params → checked params" style
//! of linfa: [`Params::from_hyperparameters`] is the only way to get a [`Params`].

use std::collections::BTreeMap;

use crate::TrainError;

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

/// The problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredictorType {
    /// Real-valued label.
    Regressor,
    /// Label 0 or 1.
    BinaryClassifier,
    /// Label 0..num_classes-1.
    MulticlassClassifier,
}

impl PredictorType {
    /// The hyperparameter spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PredictorType::Regressor => "regressor",
            PredictorType::BinaryClassifier => "binary_classifier",
            PredictorType::MulticlassClassifier => "multiclass_classifier",
        }
    }
    /// Parses the hyperparameter spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "regressor" => Some(PredictorType::Regressor),
            "binary_classifier" => Some(PredictorType::BinaryClassifier),
            "multiclass_classifier" => Some(PredictorType::MulticlassClassifier),
            _ => None,
        }
    }
}

/// Training loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// r².
    Squared,
    /// |r|.
    Absolute,
    /// max(|r|−ε,0)².
    EpsInsensitiveSquared,
    /// max(|r|−ε,0).
    EpsInsensitiveAbsolute,
    /// Pinball loss at `quantile`.
    Quantile,
    /// Huber loss with `huber_delta`.
    Huber,
    /// Binary cross-entropy on σ(s).
    Logistic,
    /// max(0, margin − ỹ·s).
    Hinge,
    /// Multiclass cross-entropy.
    Softmax,
}

impl Loss {
    /// The hyperparameter spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Loss::Squared => "squared_loss",
            Loss::Absolute => "absolute_loss",
            Loss::EpsInsensitiveSquared => "eps_insensitive_squared_loss",
            Loss::EpsInsensitiveAbsolute => "eps_insensitive_absolute_loss",
            Loss::Quantile => "quantile_loss",
            Loss::Huber => "huber_loss",
            Loss::Logistic => "logistic",
            Loss::Hinge => "hinge_loss",
            Loss::Softmax => "softmax_loss",
        }
    }
    /// Parses the hyperparameter spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "squared_loss" => Loss::Squared,
            "absolute_loss" => Loss::Absolute,
            "eps_insensitive_squared_loss" => Loss::EpsInsensitiveSquared,
            "eps_insensitive_absolute_loss" => Loss::EpsInsensitiveAbsolute,
            "quantile_loss" => Loss::Quantile,
            "huber_loss" => Loss::Huber,
            "logistic" => Loss::Logistic,
            "hinge_loss" => Loss::Hinge,
            "softmax_loss" => Loss::Softmax,
            _ => return None,
        })
    }
    /// Name of the objective metric in the logs (`mse_objective`, `binary_classification_cross_entropy_objective`, …).
    pub fn objective_name(self) -> &'static str {
        match self {
            Loss::Squared => "mse_objective",
            Loss::Absolute => "absolute_loss_objective",
            Loss::EpsInsensitiveSquared => "eps_insensitive_squared_loss_objective",
            Loss::EpsInsensitiveAbsolute => "eps_insensitive_absolute_loss_objective",
            Loss::Quantile => "quantile_loss_objective",
            Loss::Huber => "huber_loss_objective",
            Loss::Logistic => "binary_classification_cross_entropy_objective",
            Loss::Hinge => "binary_classification_hinge_loss_objective",
            Loss::Softmax => "multiclass_cross_entropy_objective",
        }
    }
    fn allowed_for(pt: PredictorType) -> &'static [Loss] {
        match pt {
            PredictorType::Regressor => &[
                Loss::Squared,
                Loss::Absolute,
                Loss::EpsInsensitiveSquared,
                Loss::EpsInsensitiveAbsolute,
                Loss::Quantile,
                Loss::Huber,
            ],
            PredictorType::BinaryClassifier => &[Loss::Logistic, Loss::Hinge],
            PredictorType::MulticlassClassifier => &[Loss::Softmax],
        }
    }
}

/// Optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimizer {
    /// SGD with optional momentum.
    Sgd,
    /// Adam.
    Adam,
    /// RMSprop.
    Rmsprop,
}

impl Optimizer {
    /// The hyperparameter spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Adam => "adam",
            Optimizer::Rmsprop => "rmsprop",
        }
    }
    /// What `learning_rate = auto` means for this optimizer (see docs/SEMANTICS.md).
    pub fn auto_learning_rate(self) -> f64 {
        match self {
            Optimizer::Sgd => 0.1,
            Optimizer::Adam => 0.1,
            Optimizer::Rmsprop => 0.01,
        }
    }
}

/// Weight initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitMethod {
    /// Uniform in (−init_scale, init_scale).
    Uniform,
    /// Normal(0, init_sigma).
    Normal,
}

/// binary_classifier_model_selection_criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// Accuracy at the calibrated threshold.
    Accuracy,
    /// F-beta at the calibrated threshold.
    FBeta,
    /// Precision at recall ≥ target_recall.
    PrecisionAtTargetRecall,
    /// Recall at precision ≥ target_precision.
    RecallAtTargetPrecision,
    /// The loss function (threshold 0.5 on probability / 0 on hinge score).
    LossFunction,
}

/// positive_example_weight_mult.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PositiveWeight {
    /// A fixed multiplier.
    Fixed(f64),
    /// Equalise the classes' impact (estimated on the scaler sample).
    Balanced,
}

/// A value that may be `auto` (None) in the job's hyperparameters.
pub type Auto<T> = Option<T>;

/// Validated hyperparameters. Fields mirror the hyperparameter names; `None` = `auto` still to be resolved.
#[derive(Debug, Clone)]
pub struct Params {
    pub predictor_type: PredictorType,
    /// Number of outputs for multiclass; 1 otherwise.
    pub num_classes: usize,
    pub feature_dim: Auto<usize>,
    pub mini_batch_size: usize,
    pub epochs: usize,
    pub num_models: usize,
    pub loss: Loss,
    /// `None` = auto (the grid varies it; model 0 uses adam).
    pub optimizer: Auto<Optimizer>,
    pub learning_rate: Auto<f64>,
    pub wd: Auto<f64>,
    pub l1: Auto<f64>,
    pub momentum: f64,
    pub beta_1: f64,
    pub beta_2: f64,
    pub bias_lr_mult: f64,
    pub bias_wd_mult: f64,
    pub use_bias: bool,
    pub use_lr_scheduler: bool,
    pub lr_scheduler_step: Auto<usize>,
    pub lr_scheduler_factor: Auto<f64>,
    pub lr_scheduler_minimum_lr: Auto<f64>,
    pub init_method: InitMethod,
    pub init_scale: f64,
    pub init_sigma: f64,
    pub init_bias: f64,
    pub normalize_data: bool,
    pub normalize_label: bool,
    pub unbias_data: bool,
    pub unbias_label: bool,
    pub num_point_for_scaler: usize,
    pub early_stopping_patience: usize,
    pub early_stopping_tolerance: f64,
    pub criterion: Criterion,
    pub target_recall: f64,
    pub target_precision: f64,
    pub f_beta: f64,
    pub positive_example_weight_mult: PositiveWeight,
    pub num_calibration_samples: usize,
    pub margin: f64,
    pub quantile: f64,
    pub loss_insensitivity: f64,
    pub huber_delta: f64,
    pub accuracy_top_k: usize,
    pub balance_multiclass_weights: bool,
    /// The merged configuration (defaults overlaid by the job's values), as logged.
    pub final_configuration: BTreeMap<String, String>,
}

fn err(message: String) -> TrainError {
    TrainError::Client(format!(
        "Unable to initialize the algorithm. Failed to validate input hyperparameters. (caused by ValidationError) Caused by: {message}"
    ))
}

fn bad(name: &str, value: &str, allowed: &str) -> TrainError {
    err(format!(
        "invalid value '{value}' for hyperparameter '{name}': allowed {allowed}"
    ))
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
    fn int(&self, name: &str, min: i64, max: i64, allowed: &str) -> Result<usize, TrainError> {
        let v = self.raw(name);
        match v.parse::<i64>() {
            Ok(n) if n >= min && n <= max => usize::try_from(n).map_err(|_| bad(name, v, allowed)),
            _ => Err(bad(name, v, allowed)),
        }
    }
    fn int_auto(&self, name: &str, min: i64, allowed: &str) -> Result<Option<usize>, TrainError> {
        if self.is_auto(name) {
            Ok(None)
        } else {
            self.int(name, min, i64::MAX, allowed).map(Some)
        }
    }
    fn float(
        &self,
        name: &str,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<f64, TrainError> {
        let v = self.raw(name);
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && ok(x) => Ok(x),
            _ => Err(bad(name, v, allowed)),
        }
    }
    fn float_auto(
        &self,
        name: &str,
        ok: impl Fn(f64) -> bool,
        allowed: &str,
    ) -> Result<Option<f64>, TrainError> {
        if self.is_auto(name) {
            Ok(None)
        } else {
            self.float(name, ok, allowed).map(Some)
        }
    }
    fn boolean(&self, name: &str) -> Result<bool, TrainError> {
        let v = self.raw(name);
        match v.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad(name, v, "'true' or 'false'")),
        }
    }
    fn bool_auto(&self, name: &str) -> Result<Option<bool>, TrainError> {
        if self.is_auto(name) {
            Ok(None)
        } else {
            self.boolean(name).map(Some)
        }
    }
}

impl Params {
    /// Validates the job's hyperparameters, resolving what can be resolved without data.
    pub fn from_hyperparameters(hp: &BTreeMap<String, String>) -> Result<Params, TrainError> {
        for key in hp.keys() {
            if key != "predictor_type" && !DEFAULTS.iter().any(|(k, _)| k == key) {
                return Err(err(format!(
                    "Additional properties are not allowed ('{key}' was unexpected)"
                )));
            }
        }
        if !hp.contains_key("predictor_type") {
            return Err(err("'predictor_type' is a required property".to_string()));
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
                    return Err(err(
                        "'num_classes' is a required property when predictor_type is 'multiclass_classifier'"
                            .to_string(),
                    ));
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
        Ok(Params {
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
        })
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
mod tests {
    use super::*;

    fn hp(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn client_msg(r: Result<Params, TrainError>) -> String {
        match r {
            Err(TrainError::Client(m)) => m,
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
}
