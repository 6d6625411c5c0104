//! Notebook 3's hosting: one model, endpoint configuration and endpoint per training job, named as
//! the workshop names them in the console — `distributed-replicated` and `distributed-sharded` for
//! all three — so that the same names work whoever created them: the console (as the workshop
//! does), `scripts/deploy.sh` or the notebook's cells, and `scripts/cleanup.sh` finds them.
//!
//! Because the names are fixed, a name can already be taken by an earlier run. Each create step
//! therefore looks first: a resource that exists and belongs to this job (the model holds this
//! job's artifact, the configuration this model, the endpoint this configuration) is reused; one
//! that belongs to something else stops the cell with a message saying how to remove it, instead
//! of silently evaluating an old model.

use std::time::Duration;

use serde_json::{Value, json};

use crate::aws::block_on;
use crate::display::Table;
use crate::error::{KitError, KitResult};
use crate::sagemaker::{TrainingJob, describe_training_job, poll_interval, sm_call};
use crate::settings::Settings;

/// The workshop's name for the model, endpoint configuration and endpoint of `kind`
/// (`replicated` or `sharded`).
pub fn workshop_name(kind: &str) -> String {
    format!("distributed-{kind}")
}

/// The hosting resources of one trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct Hosting {
    /// `replicated` or `sharded`.
    pub kind: String,
    /// Training job whose artifact is hosted.
    pub job: String,
    /// Model name.
    pub model: String,
    /// Endpoint configuration name.
    pub config: String,
    /// Endpoint name.
    pub endpoint: String,
}

/// The workshop's plan for both jobs: `distributed-replicated` / `distributed-sharded` for the
/// model, the endpoint configuration and the endpoint alike.
pub fn hosting_plan(jobs: &crate::sagemaker::Jobs) -> Vec<Hosting> {
    [("replicated", &jobs.replicated), ("sharded", &jobs.sharded)]
        .into_iter()
        .map(|(kind, job)| Hosting {
            kind: kind.into(),
            job: job.clone(),
            model: workshop_name(kind),
            config: workshop_name(kind),
            endpoint: workshop_name(kind),
        })
        .collect()
}

/// The plan as a table.
pub fn hosting_table(plan: &[Hosting]) -> Table {
    let mut t = Table::new([
        "kind",
        "training job",
        "model",
        "endpoint config",
        "endpoint",
    ]);
    for h in plan {
        t.push([
            h.kind.clone(),
            h.job.clone(),
            h.model.clone(),
            h.config.clone(),
            h.endpoint.clone(),
        ]);
    }
    t
}

/// A Describe* call, with "not found" (SageMaker answers ValidationException "Could not find …",
/// [`crate::json11::is_not_found`]) as `None`; any other error is an error.
fn describe(op: &str, key: &str, name: &str) -> KitResult<Option<Value>> {
    match block_on(sm_call(op, json!({ key: name })))? {
        Ok(v) => Ok(Some(v)),
        Err(e) if crate::json11::service_error(&e).is_some_and(crate::json11::is_not_found) => {
            Ok(None)
        }
        Err(e) => Err(e.context(format!("{op} {name}"))),
    }
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn taken(what: &str, name: &str, has: &str, wanted: &str) -> KitError {
    KitError::msg(format!(
        "{what} {name} already exists for {has}, not {wanted}: it is left from an earlier run. \
         Delete it (scripts/cleanup.sh deletes every distributed-* endpoint, configuration and \
         model) and run this cell again"
    ))
}

/// The model of `h`: CreateModel with the job's artifact and training image, unless a model of that
/// name already holds this artifact.
pub fn create_model_for(settings: &Settings, h: &Hosting, job: &TrainingJob) -> KitResult<()> {
    if let Some(v) = describe("DescribeModel", "ModelName", &h.model)? {
        let has = str_at(&v, "/PrimaryContainer/ModelDataUrl");
        if has != job.model_artifacts {
            return Err(taken("model", &h.model, has, &job.model_artifacts));
        }
        println!(
            "{}: model {} exists for this job; reusing it",
            h.kind, h.model
        );
        return Ok(());
    }
    let image = if job.training_image.is_empty() {
        settings.training_image.as_str()
    } else {
        job.training_image.as_str()
    };
    let v = block_on(sm_call(
        "CreateModel",
        json!({
            "ModelName": h.model,
            "ExecutionRoleArn": settings.role_arn,
            "PrimaryContainer": {"Image": image, "ModelDataUrl": job.model_artifacts}
        }),
    ))?
    .map_err(|e| e.context(format!("creating model {}", h.model)))?;
    println!(
        "{}: model {}\n  artifact {}",
        h.kind,
        str_at(&v, "/ModelArn"),
        job.model_artifacts
    );
    Ok(())
}

/// CreateModel for every planned model (artifact and image from DescribeTrainingJob).
pub fn create_models(settings: &Settings, plan: &[Hosting]) -> KitResult<()> {
    for h in plan {
        let job = describe_training_job(&h.job)?;
        if job.status != "Completed" {
            return Err(KitError::msg(format!(
                "training job {} is {}, not Completed: only a completed job has a model to host",
                job.name, job.status
            )));
        }
        create_model_for(settings, h, &job)?;
    }
    Ok(())
}

/// CreateEndpointConfig for every planned configuration (one `AllTraffic` variant on one
/// ml.m4.xlarge, as the original notebook), reusing one that already serves the planned model.
pub fn create_endpoint_configs(plan: &[Hosting]) -> KitResult<()> {
    for h in plan {
        if let Some(v) = describe("DescribeEndpointConfig", "EndpointConfigName", &h.config)? {
            let has = str_at(&v, "/ProductionVariants/0/ModelName");
            if has != h.model {
                return Err(taken(
                    "endpoint config",
                    &h.config,
                    &format!("model {has}"),
                    &format!("model {}", h.model),
                ));
            }
            println!(
                "{}: endpoint config {} exists for model {}; reusing it",
                h.kind, h.config, h.model
            );
            continue;
        }
        println!(
            "{}: endpoint config {}",
            h.kind,
            crate::sagemaker::create_endpoint_config(&h.config, &h.model)?
        );
    }
    Ok(())
}

/// CreateEndpoint for every planned endpoint (reusing one that already uses the planned
/// configuration), then waits until all are InService.
pub fn create_endpoints(plan: &[Hosting]) -> KitResult<()> {
    for h in plan {
        if let Some(v) = describe("DescribeEndpoint", "EndpointName", &h.endpoint)? {
            let has = str_at(&v, "/EndpointConfigName");
            if has != h.config {
                return Err(taken(
                    "endpoint",
                    &h.endpoint,
                    &format!("endpoint config {has}"),
                    &format!("endpoint config {}", h.config),
                ));
            }
            println!(
                "{}: endpoint {} exists ({}); reusing it",
                h.kind,
                h.endpoint,
                str_at(&v, "/EndpointStatus")
            );
            continue;
        }
        println!(
            "{}: endpoint {}",
            h.kind,
            crate::sagemaker::create_endpoint(&h.endpoint, &h.config)?
        );
    }
    let names: Vec<&str> = plan.iter().map(|h| h.endpoint.as_str()).collect();
    crate::sagemaker::wait_for_endpoints(&names, poll_interval(), Duration::from_secs(3600))
}

/// What notebook 3 evaluates: each named endpoint's status, configuration and model artifact.
/// Fails with one message naming what to do when an endpoint does not exist or is not InService.
pub fn endpoints_table(names: &[&str]) -> KitResult<Table> {
    let mut t = Table::new([
        "endpoint",
        "status",
        "endpoint config",
        "model",
        "model artifact",
    ]);
    for name in names {
        let Some(ep) = describe("DescribeEndpoint", "EndpointName", name)? else {
            return Err(KitError::msg(format!(
                "there is no endpoint named {name:?}: create it (scripts/deploy.sh, the Host cells \
                 above, or the SageMaker console), or type the name of your endpoint in this cell"
            )));
        };
        let status = str_at(&ep, "/EndpointStatus").to_string();
        if status != "InService" {
            return Err(KitError::msg(format!(
                "endpoint {name} is {status}, not InService: wait for it (or look at its \
                 FailureReason: {})",
                str_at(&ep, "/FailureReason")
            )));
        }
        let config = str_at(&ep, "/EndpointConfigName").to_string();
        let model = describe("DescribeEndpointConfig", "EndpointConfigName", &config)?
            .map(|c| str_at(&c, "/ProductionVariants/0/ModelName").to_string())
            .unwrap_or_default();
        let artifact = if model.is_empty() {
            String::new()
        } else {
            describe("DescribeModel", "ModelName", &model)?
                .map(|m| str_at(&m, "/PrimaryContainer/ModelDataUrl").to_string())
                .unwrap_or_default()
        };
        t.push([name.to_string(), status, config, model, artifact]);
    }
    Ok(t)
}

/// Whether the clean-up cell keeps the endpoints: `KIT_KEEP_ENDPOINTS=1` or `KIT_CLEANUP=0`.
pub fn keep_endpoints() -> bool {
    std::env::var("KIT_KEEP_ENDPOINTS").is_ok_and(|v| v.trim() == "1")
        || std::env::var("KIT_CLEANUP").is_ok_and(|v| v.trim() == "0")
}

/// Deletes the planned endpoints, configs and models unless [`keep_endpoints`].
pub fn cleanup_hosting(plan: &[Hosting]) -> KitResult<()> {
    if keep_endpoints() {
        for h in plan {
            println!(
                "keeping {} (KIT_KEEP_ENDPOINTS=1 / KIT_CLEANUP=0); scripts/cleanup.sh deletes it",
                h.endpoint
            );
        }
        return Ok(());
    }
    for h in plan {
        crate::sagemaker::delete_endpoint(&h.endpoint, &h.config, &h.model)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workshops_names() {
        let plan = hosting_plan(&crate::sagemaker::Jobs {
            replicated: "DEMO-linear-replicated-1".into(),
            sharded: "DEMO-linear-sharded-1".into(),
        });
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].kind, "replicated");
        assert_eq!(plan[0].job, "DEMO-linear-replicated-1");
        for h in &plan {
            let want = format!("distributed-{}", h.kind);
            assert_eq!((&h.model, &h.config, &h.endpoint), (&want, &want, &want));
        }
        let e = taken("model", "distributed-sharded", "s3://a", "s3://b").to_string();
        assert!(
            e.contains("scripts/cleanup.sh") && e.contains("s3://a"),
            "{e}"
        );
    }
}
