//! The hyperparameters' enumerated values (predictor type, loss, optimizer, …) and their spellings.

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
    pub(crate) fn allowed_for(pt: PredictorType) -> &'static [Loss] {
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
