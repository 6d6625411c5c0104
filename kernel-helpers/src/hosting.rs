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

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sagemaker_api::JsonOperation;
use sagemaker_api::sagemaker::{
    ContainerDefinition, CreateEndpointConfigInput, CreateEndpointInput, CreateModelInput,
    DeleteEndpointConfigInput, DeleteEndpointInput, DeleteModelInput, DescribeEndpointConfigInput,
    DescribeEndpointInput, DescribeEndpointOutput, DescribeModelInput, EndpointStatus,
    ProductionVariant, ProductionVariantInstanceType,
};

use crate::aws::block_on;
use crate::display::Table;
use crate::error::{KitError, KitResult};
use crate::json11::{is_not_found, service_error};
use crate::sagemaker::{TrainingJob, describe_training_job, poll_interval, sm};
use crate::settings::Settings;

/// The workshop's name for the model, endpoint configuration and endpoint of `kind`
/// (`replicated` or `sharded`).
pub fn workshop_name(kind: &str) -> String {
    match kit::Kind::parse(kind) {
        Some(k) => kit::names::hosting_name(k),
        None => format!("distributed-{kind}"),
    }
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
fn describe<R: JsonOperation>(request: &R, name: &str) -> KitResult<Option<R::Output>> {
    match block_on(sm(request))? {
        Ok(v) => Ok(Some(v)),
        Err(e) if service_error(&e).is_some_and(is_not_found) => Ok(None),
        Err(e) => Err(e.context(format!("{} {name}", R::OPERATION))),
    }
}

fn describe_endpoint(name: &str) -> KitResult<Option<DescribeEndpointOutput>> {
    let request = DescribeEndpointInput {
        endpoint_name: Some(name.into()),
    };
    describe(&request, name)
}

/// The model a configuration's first variant serves, or `None` if the configuration is gone.
fn config_model(config: &str) -> KitResult<Option<String>> {
    let request = DescribeEndpointConfigInput {
        endpoint_config_name: Some(config.into()),
    };
    Ok(describe(&request, config)?.map(|c| {
        c.production_variants
            .first()
            .and_then(|v| v.model_name.clone())
            .unwrap_or_default()
    }))
}

/// The artifact a model serves, or `None` if the model is gone.
fn model_artifact(model: &str) -> KitResult<Option<String>> {
    let request = DescribeModelInput {
        model_name: Some(model.into()),
    };
    Ok(describe(&request, model)?.map(|m| {
        m.primary_container
            .and_then(|c| c.model_data_url)
            .unwrap_or_default()
    }))
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
    if let Some(has) = model_artifact(&h.model)? {
        if has != job.model_artifacts {
            return Err(taken("model", &h.model, &has, &job.model_artifacts));
        }
        println!(
            "{}: model {} exists for this job; reusing it",
            h.kind, h.model
        );
        return Ok(());
    }
    let arn = create_model(settings, &h.model, job)?;
    println!(
        "{}: model {arn}\n  artifact {}",
        h.kind, job.model_artifacts
    );
    Ok(())
}

/// CreateModel serving `job`'s artifact with the job's own training image (Linear Learner's
/// training image also serves; the configured image only when the job does not name one);
/// returns the ModelArn.
pub fn create_model(settings: &Settings, model_name: &str, job: &TrainingJob) -> KitResult<String> {
    // The job's own image, never the configured one (that may be another region's or version).
    if job.training_image.is_empty() || job.model_artifacts.is_empty() {
        return Err(KitError::msg(format!(
            "training job {} has no AlgorithmSpecification.TrainingImage or \
             ModelArtifacts.S3ModelArtifacts: only a completed job with an image can be hosted",
            job.name
        )));
    }
    let image = job.training_image.clone();
    let request = CreateModelInput {
        model_name: Some(model_name.into()),
        execution_role_arn: Some(settings.role_arn.clone()),
        primary_container: Some(ContainerDefinition {
            image: Some(image),
            model_data_url: Some(job.model_artifacts.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let out =
        block_on(sm(&request))?.map_err(|e| e.context(format!("creating model {model_name}")))?;
    Ok(out.model_arn)
}

/// CreateEndpointConfig with one `AllTraffic` variant on one `instance_type` (the settings'
/// `endpoint_instance_type`: `KIT_ENDPOINT_INSTANCE_TYPE`, default ml.m4.xlarge, the original
/// notebook's; the same value `scripts/deploy.sh` uses); returns the ARN.
pub fn create_endpoint_config(
    config_name: &str,
    model_name: &str,
    instance_type: &str,
) -> KitResult<String> {
    let request = CreateEndpointConfigInput {
        endpoint_config_name: Some(config_name.into()),
        production_variants: Some(vec![ProductionVariant {
            variant_name: Some("AllTraffic".into()),
            model_name: Some(model_name.into()),
            initial_instance_count: Some(1),
            instance_type: Some(ProductionVariantInstanceType::from(instance_type)),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let out = block_on(sm(&request))?
        .map_err(|e| e.context(format!("creating endpoint config {config_name}")))?;
    Ok(out.endpoint_config_arn)
}

/// CreateEndpoint; returns the ARN.
pub fn create_endpoint(endpoint_name: &str, config_name: &str) -> KitResult<String> {
    let request = CreateEndpointInput {
        endpoint_name: Some(endpoint_name.into()),
        endpoint_config_name: Some(config_name.into()),
        ..Default::default()
    };
    let out = block_on(sm(&request))?
        .map_err(|e| e.context(format!("creating endpoint {endpoint_name}")))?;
    Ok(out.endpoint_arn)
}

/// DescribeEndpoint → EndpointStatus (an error if the endpoint does not exist).
pub fn describe_endpoint_status(endpoint_name: &str) -> KitResult<String> {
    let request = DescribeEndpointInput {
        endpoint_name: Some(endpoint_name.into()),
    };
    let out = block_on(sm(&request))??;
    Ok(out.endpoint_status.to_string())
}

/// Polls until every endpoint is InService (fails on Failed or after `timeout`), printing changes.
pub fn wait_for_endpoints(names: &[&str], poll: Duration, timeout: Duration) -> KitResult<()> {
    let start = Instant::now();
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut all = true;
        for name in names {
            let st = describe_endpoint_status(name)?;
            if last.get(*name) != Some(&st) {
                println!("[{:>5.0} s] {name}: {st}", start.elapsed().as_secs_f64());
                last.insert(name.to_string(), st.clone());
            }
            match EndpointStatus::from(st.as_str()) {
                EndpointStatus::Failed => {
                    return Err(KitError::msg(format!("endpoint {name} failed to start")));
                }
                EndpointStatus::InService => {}
                _ => all = false,
            }
        }
        if all {
            return Ok(());
        }
        if start.elapsed() > timeout {
            return Err(KitError::msg(format!(
                "endpoints not InService after {} s: {last:?}",
                timeout.as_secs()
            )));
        }
        std::thread::sleep(poll);
    }
}

/// Deletes an endpoint, its config and its model (each step tolerates "not found", and only that:
/// any other refusal, such as an endpoint that cannot be deleted yet, is an error).
pub fn delete_endpoint(endpoint_name: &str, config_name: &str, model_name: &str) -> KitResult<()> {
    /// One delete: done, already gone, or the error.
    fn delete<R: JsonOperation>(request: R, name: &str) -> KitResult<()> {
        match block_on(sm(&request))? {
            Ok(_) => println!("{} {name}: done", R::OPERATION),
            Err(e) if service_error(&e).is_some_and(is_not_found) => {
                println!("{} {name}: already gone", R::OPERATION)
            }
            Err(e) => return Err(e.context(R::OPERATION)),
        }
        Ok(())
    }
    let endpoint = DeleteEndpointInput {
        endpoint_name: Some(endpoint_name.into()),
    };
    delete(endpoint, endpoint_name)?;
    let config = DeleteEndpointConfigInput {
        endpoint_config_name: Some(config_name.into()),
    };
    delete(config, config_name)?;
    let model = DeleteModelInput {
        model_name: Some(model_name.into()),
    };
    delete(model, model_name)
}

/// CreateModel for every planned model (artifact and image from DescribeTrainingJob).
pub fn create_models(settings: &Settings, plan: &[Hosting]) -> KitResult<()> {
    for h in plan {
        let job = describe_training_job(&h.job)?;
        if !job.is_completed() {
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
/// `settings.endpoint_instance_type`, default ml.m4.xlarge as the original notebook), reusing one
/// that already serves the planned model.
pub fn create_endpoint_configs(settings: &Settings, plan: &[Hosting]) -> KitResult<()> {
    for h in plan {
        if let Some(has) = config_model(&h.config)? {
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
            create_endpoint_config(&h.config, &h.model, &settings.endpoint_instance_type)?
        );
    }
    Ok(())
}

/// CreateEndpoint for every planned endpoint (reusing one that already uses the planned
/// configuration), then waits until all are InService.
pub fn create_endpoints(plan: &[Hosting]) -> KitResult<()> {
    for h in plan {
        if let Some(ep) = describe_endpoint(&h.endpoint)? {
            let has = ep.endpoint_config_name.unwrap_or_default();
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
                h.kind, h.endpoint, ep.endpoint_status
            );
            continue;
        }
        println!(
            "{}: endpoint {}",
            h.kind,
            create_endpoint(&h.endpoint, &h.config)?
        );
    }
    let names: Vec<&str> = plan.iter().map(|h| h.endpoint.as_str()).collect();
    wait_for_endpoints(&names, poll_interval(), Duration::from_secs(3600))
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
        let Some(ep) = describe_endpoint(name)? else {
            return Err(KitError::msg(format!(
                "there is no endpoint named {name:?}: create it (scripts/deploy.sh, the Host cells \
                 above, or the SageMaker console), or type the name of your endpoint in this cell"
            )));
        };
        if ep.endpoint_status != EndpointStatus::InService {
            return Err(KitError::msg(format!(
                "endpoint {name} is {}, not InService: wait for it (or look at its \
                 FailureReason: {})",
                ep.endpoint_status,
                ep.failure_reason.as_deref().unwrap_or("none given")
            )));
        }
        let status = ep.endpoint_status.to_string();
        let config = ep.endpoint_config_name.unwrap_or_default();
        let model = if config.is_empty() {
            String::new()
        } else {
            config_model(&config)?.unwrap_or_default()
        };
        let artifact = if model.is_empty() {
            String::new()
        } else {
            model_artifact(&model)?.unwrap_or_default()
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
        delete_endpoint(&h.endpoint, &h.config, &h.model)?;
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
