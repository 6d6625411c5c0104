//! `Settings::from_env()`: the look-ups the kit's settings rule asks for ([`kit::settings::needs`]),
//! made with the notebooks' own clients, then the rule itself ([`kit::settings::resolve`]). Here,
//! in the control-plane layer, because the look-ups are calls: the region from the AWS
//! configuration chain, STS GetCallerIdentity, DescribeNotebookInstance and HeadBucket.

use crate::aws::{block_on, redirect_region, s3_client, sdk_config};
use crate::error::KitResult;
use crate::settings::{Env, Facts, FromEnv, Settings, Target, metadata, refused};

impl FromEnv for Settings {
    fn from_env() -> KitResult<Settings> {
        resolve_from_env()
    }
}

/// The rule over the process environment, with the look-ups done here.
pub fn resolve_from_env() -> KitResult<Settings> {
    let env = Env::from_process();
    let meta = metadata(&env)?;
    let needs = kit::settings::needs(&env, meta.as_deref()).map_err(refused)?;
    let aws = needs.target == Some(Target::Aws);
    let mut facts = Facts {
        metadata: meta,
        ..Facts::default()
    };
    block_on(async {
        if aws && kit::settings::env_region(&env).is_none() {
            facts.region = crate::aws::region_chain()
                .region()
                .await
                .map(|r| r.as_ref().to_string());
        }
        if aws {
            let conf = sdk_config().await;
            if needs.account {
                let sts = aws_sdk_sts::Client::new(&conf);
                facts.account = Some(match sts.get_caller_identity().send().await {
                    Ok(out) => {
                        facts.caller_arn = out.arn().map(str::to_string);
                        Ok(out.account().unwrap_or_default().to_string())
                    }
                    Err(e) => Err(crate::aws::sdk_error("GetCallerIdentity", e).to_string()),
                });
            }
            if let Some(name) = &needs.notebook_instance {
                let request = sagemaker_api::sagemaker::DescribeNotebookInstanceInput {
                    notebook_instance_name: Some(name.clone()),
                };
                facts.described_role = Some(match crate::sagemaker::sm(&request).await {
                    Ok(out) => Ok(out.role_arn.unwrap_or_default()),
                    Err(e) => Err(e.to_string()),
                });
            }
        }
        let settings = kit::settings::resolve(&env, &facts).map_err(refused)?;
        if !aws {
            return Ok(settings);
        }
        // A bucket in another region fails every training job: say so now, naming the setting.
        let conf = sdk_config().await;
        if let Err(e) = s3_client(&conf)
            .head_bucket()
            .bucket(&settings.bucket)
            .send()
            .await
            && let Some(there) = redirect_region(&e)
        {
            facts.bucket_region = Some(there);
            return kit::settings::resolve(&env, &facts).map_err(refused);
        }
        Ok(settings)
    })?
}
