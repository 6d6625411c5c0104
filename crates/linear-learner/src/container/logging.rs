//! A fit's [`Event`]s as Linear Learner's log lines, on the host that writes each of them in the
//! container (every data host for its own epoch figures, the validation host for validation
//! figures, the lead host for selection).

use super::log_lines::{HostLog, MetricLine, metrics_json, records_json, text};
use crate::fit::{Event, Progress};
use crate::hyperparams::Params;

/// Logs a fit's events through one [`HostLog`] per host (indexed like the fit's hosts).
pub(super) struct LogProgress<'a, 'b> {
    pub logs: &'a [HostLog<'b>],
    pub p: &'a Params,
}

impl Progress for LogProgress<'_, '_> {
    fn event(&self, e: &Event<'_>) {
        let obj_name = self.p.loss().objective_name();
        let host = |i: usize| self.logs[i].host();
        match *e {
            Event::Scaled {
                hosts,
                std,
                mean,
                label,
            } => {
                let line = text::scaler(std, mean, label);
                for &i in hosts {
                    self.logs[i].info(&line);
                }
            }
            Event::EpochTrained { epoch, hosts } => {
                for st in hosts {
                    if st.rows == 0 {
                        continue;
                    }
                    let l = &self.logs[st.host];
                    let batches = st.rows.div_ceil(self.p.mini_batch_size().max(1) as u64);
                    l.info(&records_json(host(st.host), epoch, st.rows, batches));
                    let rows = st.rows as f64;
                    for (mi, v) in st.loss_sums.iter().enumerate() {
                        l.info(&metrics_json(
                            host(st.host),
                            &format!("train_{obj_name}"),
                            v / rows,
                            mi,
                            epoch,
                            "training",
                        ));
                    }
                    l.info(
                        &MetricLine::epoch_quality(
                            host(st.host),
                            epoch,
                            "train",
                            obj_name,
                            st.loss_sums[0] / rows,
                        )
                        .to_string(),
                    );
                }
            }
            Event::EpochValidated {
                epoch,
                host: vi,
                loss_per_model,
            } => {
                let l = &self.logs[vi];
                for (mi, val) in loss_per_model.iter().enumerate() {
                    l.info(&metrics_json(
                        host(vi),
                        &format!("validation_{obj_name}"),
                        *val,
                        mi,
                        epoch,
                        "training",
                    ));
                }
                l.info(
                    &MetricLine::epoch_quality(
                        host(vi),
                        epoch,
                        "validation",
                        obj_name,
                        loss_per_model[0],
                    )
                    .to_string(),
                );
            }
            Event::EpochEnded {
                epoch,
                lead,
                criterion,
                improved,
                epochs_without_improvement,
                hosts,
            } => {
                let l = &self.logs[lead];
                l.info(
                    &MetricLine::EarlyStoppingCriteria {
                        host: host(lead).to_string(),
                        epoch,
                        criteria: obj_name.to_string(),
                        value: criterion,
                    }
                    .to_string(),
                );
                l.info(&text::epoch_verdict(
                    epoch,
                    improved,
                    epochs_without_improvement,
                ));
                for st in hosts {
                    let hl = &self.logs[st.host];
                    hl.info(
                        &MetricLine::Progress {
                            host: host(st.host).to_string(),
                            percent: 100 * (epoch + 1) / self.p.epochs(),
                        }
                        .to_string(),
                    );
                    let tp = if st.seconds > 0.0 {
                        st.rows as f64 / st.seconds
                    } else {
                        0.0
                    };
                    hl.info(
                        &MetricLine::Throughput {
                            host: host(st.host).to_string(),
                            records_per_second: tp,
                        }
                        .to_string(),
                    );
                }
            }
            Event::EarlyStopped {
                lead,
                epoch,
                epochs_without_improvement,
            } => self.logs[lead].info(&text::early_stop(
                epoch,
                epochs_without_improvement,
                self.p.early_stopping_tolerance(),
            )),
            Event::FinalTrainObjective { lead, value } => self.logs[lead]
                .info(&MetricLine::quality(host(lead), "train", obj_name, value).to_string()),
            Event::FinalScores {
                split,
                host: hi,
                metrics,
            } => {
                let l = &self.logs[hi];
                for (name, v) in metrics {
                    l.info(
                        &MetricLine::Score {
                            split: split.to_string(),
                            host: host(hi).to_string(),
                            name: name.clone(),
                            value: *v,
                        }
                        .to_string(),
                    );
                }
                for (name, v) in metrics {
                    l.info(&MetricLine::quality(host(hi), split, name, *v).to_string());
                }
            }
            Event::Selected {
                lead,
                hyperparameters,
            } => {
                self.logs[lead].info(&text::best_model(hyperparameters));
                self.logs[lead].info(text::SAVED_CHECKPOINT);
            }
            Event::NoTestData { lead } => self.logs[lead].info(text::NO_TEST_DATA),
        }
    }
}
