//! The trained model, its prediction rule, and the `model.tar.gz` artifact.
//!
//! Layout as in SageMaker: `model.tar.gz` holds one member `model_algo-1`, itself a zip with
//! `additional-params.json`, `manifest.json`, `mx-mod-symbol.json` and `mx-mod-0000.params`.
//! The real `mx-mod-0000.params` is MXNet's binary NDArray format; ours is JSON (documented below),
//! because only our own inference side reads it and JSON is inspectable:
//!
//! ```json
//! {"fc0_weight": {"shape": [K, D], "values": [...]}, "fc0_bias": {"shape": [K], "values": [...]}}
//! ```
//!
//! `fc0_weight` is row-major K×D. Feature/label scaling is folded into these weights, so the network
//! output `fc0 = W·x + b` is already in label units (regressor) or raw score units (classifiers).
//! `additional-params.json` carries what the prediction rule needs besides the network: predictor type,
//! loss (whether a binary score is σ(s) or the raw hinge score), the calibrated threshold, num_classes
//! and the selected model's hyperparameters. All archive timestamps are fixed, so the same model gives
//! the same bytes.

use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};

use crate::fit::engine::sigmoid;
use crate::hyperparams::{Loss, PredictorType};
use crate::{AlgorithmError, TrainError};

/// A trained model, loadable for prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub(crate) feature_dim: usize,
    pub(crate) predictor_type: PredictorType,
    /// Outputs: num_classes for multiclass, else 1.
    pub(crate) outputs: usize,
    /// Row-major outputs × feature_dim.
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
    pub(crate) loss: Loss,
    pub(crate) threshold: f32,
    pub(crate) hyperparameters: String,
}

/// One prediction.
#[derive(Debug, Clone, PartialEq)]
pub enum Prediction {
    /// Regressor: `score`.
    Regression { score: f32 },
    /// Binary: `score` (probability with logistic loss) and `predicted_label`.
    Binary { score: f32, predicted_label: u32 },
    /// Multiclass: per-class `score` and `predicted_label`.
    Multiclass {
        score: Vec<f32>,
        predicted_label: u32,
    },
}

#[derive(Serialize, Deserialize)]
struct Tensor {
    shape: Vec<usize>,
    values: Vec<f32>,
}

#[derive(Serialize, Deserialize)]
struct ParamsFile {
    fc0_weight: Tensor,
    fc0_bias: Tensor,
}

#[derive(Serialize, Deserialize)]
struct Additional {
    predictor_type: String,
    loss: String,
    threshold: f32,
    num_classes: usize,
    feature_dim: usize,
    best_model_hyperparameters: serde_json::Value,
}

const MEMBERS: [&str; 4] = [
    "additional-params.json",
    "manifest.json",
    "mx-mod-symbol.json",
    "mx-mod-0000.params",
];

impl Model {
    /// A regressor `score = weights·x + bias` with squared loss, as if trained — for tools and
    /// benchmarks that need a model without a training run.
    pub fn linear_regressor(weights: Vec<f32>, bias: f32) -> Self {
        Self {
            feature_dim: weights.len(),
            predictor_type: PredictorType::Regressor,
            outputs: 1,
            weights,
            bias: vec![bias],
            loss: Loss::Squared,
            threshold: 0.5,
            hyperparameters: "{}".into(),
        }
    }

    /// Number of features the model expects.
    pub fn feature_dim(&self) -> usize {
        self.feature_dim
    }
    /// The predictor type.
    pub fn predictor_type(&self) -> PredictorType {
        self.predictor_type
    }
    /// Decision threshold on the binary score (0.5 for probabilities unless calibrated).
    pub fn threshold(&self) -> f32 {
        self.threshold
    }
    /// Row-major outputs × feature_dim weights, in label units.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }
    /// One bias per output.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// Predicts every row of a row-major `rows × feature_dim` matrix.
    pub fn predict(&self, x: &[f32]) -> Result<Vec<Prediction>, String> {
        let d = self.feature_dim;
        if d == 0 || !x.len().is_multiple_of(d) {
            return Err(format!(
                "{} values is not a whole number of rows of {d} features",
                x.len()
            ));
        }
        Ok(x.chunks_exact(d).map(|row| self.predict_row(row)).collect())
    }

    /// Predicts one row of `feature_dim` values.
    pub fn predict_row(&self, row: &[f32]) -> Prediction {
        let d = self.feature_dim;
        let output = |k: usize| {
            self.bias[k]
                + self.weights[k * d..(k + 1) * d]
                    .iter()
                    .zip(row)
                    .map(|(w, x)| w * x)
                    .sum::<f32>()
        };
        if self.predictor_type == PredictorType::Regressor {
            return Prediction::Regression { score: output(0) };
        }
        let raw: Vec<f32> = (0..self.outputs).map(output).collect();
        match self.predictor_type {
            PredictorType::Regressor => Prediction::Regression { score: raw[0] },
            PredictorType::BinaryClassifier => {
                let score = if self.loss == Loss::Logistic {
                    sigmoid(raw[0])
                } else {
                    raw[0]
                };
                Prediction::Binary {
                    score,
                    predicted_label: u32::from(score >= self.threshold),
                }
            }
            PredictorType::MulticlassClassifier => {
                let mx = raw.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let e: Vec<f32> = raw.iter().map(|s| (s - mx).exp()).collect();
                let z: f32 = e.iter().sum();
                let score: Vec<f32> = e.iter().map(|v| v / z).collect();
                let mut best = 0usize;
                for (i, &v) in score.iter().enumerate() {
                    if v > score[best] {
                        best = i;
                    }
                }
                Prediction::Multiclass {
                    score,
                    predicted_label: best as u32,
                }
            }
        }
    }

    fn zip_bytes(&self) -> Result<Vec<u8>, String> {
        let e = |e: &dyn std::fmt::Display| e.to_string();
        let params = ParamsFile {
            fc0_weight: Tensor {
                shape: vec![self.outputs, self.feature_dim],
                values: self.weights.clone(),
            },
            fc0_bias: Tensor {
                shape: vec![self.outputs],
                values: self.bias.clone(),
            },
        };
        let best: serde_json::Value =
            serde_json::from_str(&self.hyperparameters).unwrap_or(serde_json::Value::Null);
        let additional = Additional {
            predictor_type: self.predictor_type.as_str().to_string(),
            loss: self.loss.as_str().to_string(),
            threshold: self.threshold,
            num_classes: self.outputs,
            feature_dim: self.feature_dim,
            best_model_hyperparameters: best,
        };
        let manifest = serde_json::json!({
            "format": "sagemaker-offline linear-learner model",
            "format_version": 1,
            "params_encoding": "json: fc0_weight (row-major [outputs, feature_dim]) and fc0_bias, scaling folded in",
            "files": MEMBERS,
        });
        let symbol = serde_json::json!({
            "nodes": [
                {"op": "null", "name": "data", "inputs": []},
                {"op": "null", "name": "fc0_weight", "attrs": {"num_hidden": self.outputs.to_string()}, "inputs": []},
                {"op": "null", "name": "fc0_bias", "attrs": {"num_hidden": self.outputs.to_string()}, "inputs": []},
                {"op": "FullyConnected", "name": "fc0", "attrs": {"num_hidden": self.outputs.to_string()},
                 "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]}
            ],
            "arg_nodes": [0, 1, 2],
            "heads": [[3, 0, 0]]
        });
        let contents: [Vec<u8>; 4] = [
            serde_json::to_vec(&additional).map_err(|x| e(&x))?,
            serde_json::to_vec(&manifest).map_err(|x| e(&x))?,
            serde_json::to_vec(&symbol).map_err(|x| e(&x))?,
            serde_json::to_vec(&params).map_err(|x| e(&x))?,
        ];
        let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for (name, body) in MEMBERS.iter().zip(contents.iter()) {
            zw.start_file(*name, opts).map_err(|x| e(&x))?;
            zw.write_all(body).map_err(|x| e(&x))?;
        }
        Ok(zw.finish().map_err(|x| e(&x))?.into_inner())
    }

    /// Serialises as SageMaker's `model.tar.gz` (one member `model_algo-1`).
    pub fn to_model_tar_gz(&self) -> Result<Vec<u8>, TrainError> {
        let alg = |m: String| {
            TrainError::Algorithm(AlgorithmError::Artifact(format!(
                "writing model.tar.gz: {m}"
            )))
        };
        let zip = self.zip_bytes().map_err(alg)?;
        let gz = flate2::GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), flate2::Compression::default());
        let mut tb = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(zip.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        tb.append_data(&mut h, "model_algo-1", zip.as_slice())
            .map_err(|e| alg(e.to_string()))?;
        let gz = tb.into_inner().map_err(|e| alg(e.to_string()))?;
        gz.finish().map_err(|e| alg(e.to_string()))
    }

    /// Loads a `model.tar.gz` written by [`Model::to_model_tar_gz`].
    pub fn from_model_tar_gz(bytes: &[u8]) -> Result<Self, String> {
        let gz = flate2::read::GzDecoder::new(bytes);
        let mut ar = tar::Archive::new(gz);
        let mut zip_bytes = None;
        for entry in ar
            .entries()
            .map_err(|e| format!("model.tar.gz is not a gzip tar: {e}"))?
        {
            let mut entry = entry.map_err(|e| format!("model.tar.gz: {e}"))?;
            let path = entry
                .path()
                .map_err(|e| format!("model.tar.gz: {e}"))?
                .to_string_lossy()
                .into_owned();
            if path.trim_start_matches("./") == "model_algo-1" {
                let mut v = Vec::new();
                entry
                    .read_to_end(&mut v)
                    .map_err(|e| format!("model.tar.gz member model_algo-1: {e}"))?;
                zip_bytes = Some(v);
            }
        }
        let zip_bytes = zip_bytes.ok_or("model.tar.gz has no member 'model_algo-1'")?;
        let mut za = zip::ZipArchive::new(Cursor::new(zip_bytes))
            .map_err(|e| format!("model_algo-1 is not a zip archive: {e}"))?;
        let mut read = |name: &str| -> Result<Vec<u8>, String> {
            let mut f = za
                .by_name(name)
                .map_err(|e| format!("model_algo-1 lacks {name}: {e}"))?;
            let mut v = Vec::new();
            f.read_to_end(&mut v)
                .map_err(|e| format!("model_algo-1/{name}: {e}"))?;
            Ok(v)
        };
        let params: ParamsFile = serde_json::from_slice(&read("mx-mod-0000.params")?)
            .map_err(|e| format!("model_algo-1/mx-mod-0000.params: {e}"))?;
        let add: Additional = serde_json::from_slice(&read("additional-params.json")?)
            .map_err(|e| format!("model_algo-1/additional-params.json: {e}"))?;
        let predictor_type = PredictorType::parse(&add.predictor_type).ok_or_else(|| {
            format!(
                "additional-params.json: unknown predictor_type '{}'",
                add.predictor_type
            )
        })?;
        let loss = Loss::parse(&add.loss)
            .ok_or_else(|| format!("additional-params.json: unknown loss '{}'", add.loss))?;
        let (k, d) = match params.fc0_weight.shape.as_slice() {
            [k, d] => (*k, *d),
            s => {
                return Err(format!(
                    "mx-mod-0000.params: fc0_weight shape {s:?} is not 2-D"
                ));
            }
        };
        if params.fc0_weight.values.len() != k * d
            || params.fc0_bias.values.len() != k
            || k == 0
            || d == 0
        {
            return Err(format!(
                "mx-mod-0000.params: sizes do not match shape [{k}, {d}] ({} weights, {} biases)",
                params.fc0_weight.values.len(),
                params.fc0_bias.values.len()
            ));
        }
        if d != add.feature_dim {
            return Err(format!(
                "feature_dim {} in additional-params.json but weights have {d}",
                add.feature_dim
            ));
        }
        Ok(Model {
            feature_dim: d,
            predictor_type,
            outputs: k,
            weights: params.fc0_weight.values,
            bias: params.fc0_bias.values,
            loss,
            threshold: add.threshold,
            hyperparameters: add.best_model_hyperparameters.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(pt: PredictorType, loss: Loss, outputs: usize) -> Model {
        let d = 3;
        Model {
            feature_dim: d,
            predictor_type: pt,
            outputs,
            weights: (0..outputs * d).map(|i| i as f32 * 0.25 - 0.5).collect(),
            bias: (0..outputs).map(|i| 0.1 * i as f32).collect(),
            loss,
            threshold: 0.4,
            hyperparameters: "{\"optimizer\": \"adam\"}".into(),
        }
    }

    #[test]
    fn artifact_round_trip_and_layout() {
        for m in [
            sample(PredictorType::Regressor, Loss::Squared, 1),
            sample(PredictorType::BinaryClassifier, Loss::Hinge, 1),
            sample(PredictorType::MulticlassClassifier, Loss::Softmax, 4),
        ] {
            let bytes = m.to_model_tar_gz().expect("tar");
            assert_eq!(
                bytes,
                m.to_model_tar_gz().expect("tar"),
                "deterministic bytes"
            );
            let back = Model::from_model_tar_gz(&bytes).expect("load");
            assert_eq!(
                back,
                Model {
                    hyperparameters: "{\"optimizer\":\"adam\"}".into(),
                    ..m.clone()
                }
            );
            // layout: one member model_algo-1, a zip with the four files
            let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
            let names: Vec<String> = ar
                .entries()
                .expect("entries")
                .map(|e| {
                    e.expect("entry")
                        .path()
                        .expect("path")
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            assert_eq!(names, vec!["model_algo-1"]);
            let zip = m.zip_bytes().expect("zip");
            let za = zip::ZipArchive::new(Cursor::new(zip)).expect("zip");
            let mut files: Vec<&str> = za.file_names().collect();
            files.sort();
            let mut want = MEMBERS.to_vec();
            want.sort();
            assert_eq!(files, want);
        }
    }

    #[test]
    fn corrupt_artifacts_are_errors() {
        assert!(Model::from_model_tar_gz(b"not gzip").is_err());
        let gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::default());
        let mut tb = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        tb.append_data(&mut h, "other", &b"abc"[..])
            .expect("append");
        let bytes = tb.into_inner().expect("tar").finish().expect("gz");
        let e = Model::from_model_tar_gz(&bytes).expect_err("no member");
        assert!(e.contains("model_algo-1"), "{e}");
    }

    #[test]
    fn predictions_per_type() {
        let r = sample(PredictorType::Regressor, Loss::Squared, 1);
        // w = [-0.5, -0.25, 0], b = 0
        assert_eq!(
            r.predict(&[1.0, 2.0, 3.0]).expect("p"),
            vec![Prediction::Regression { score: -1.0 }]
        );
        let b = sample(PredictorType::BinaryClassifier, Loss::Logistic, 1);
        match &b.predict(&[-2.0, 0.0, 0.0]).expect("p")[0] {
            Prediction::Binary {
                score,
                predicted_label,
            } => {
                assert!((score - sigmoid(1.0)).abs() < 1e-6);
                assert_eq!(*predicted_label, 1);
            }
            p => panic!("{p:?}"),
        }
        let m = sample(PredictorType::MulticlassClassifier, Loss::Softmax, 4);
        match &m.predict(&[1.0, 1.0, 1.0]).expect("p")[0] {
            Prediction::Multiclass {
                score,
                predicted_label,
            } => {
                assert_eq!(score.len(), 4);
                assert!((score.iter().sum::<f32>() - 1.0).abs() < 1e-5);
                assert_eq!(*predicted_label, 3);
            }
            p => panic!("{p:?}"),
        }
        assert!(r.predict(&[1.0, 2.0]).is_err());
    }
}
