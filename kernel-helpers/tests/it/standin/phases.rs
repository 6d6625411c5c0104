//! The child side of the `standin` tests: each phase runs in a process of its own, configured only
//! by its environment (see the parent module), and panics on the first thing that is not as
//! expected; the parent reports the child's failure.

use kernel_helpers::aws::{
    block_on, download_object, ensure_bucket, list_objects, redirect_region, s3_client, sdk_config,
    upload_object,
};
use kernel_helpers::data::{load_year, prepare_and_upload, prepare_test_year, top_event_codes};
use kernel_helpers::hosting::{
    cleanup_hosting, create_endpoint_configs, create_endpoints, create_models, delete_endpoint,
    endpoints_table, hosting_plan,
};
use kernel_helpers::logs::{host_throughput, log_timing_minutes};
use kernel_helpers::sagemaker::{
    find_jobs, list_training_jobs, training_time_ratio, wait_for_jobs,
};
use kernel_helpers::scoring::predict_batches;
use kernel_helpers::settings::Settings;
use kernel_helpers::stats::ErrorSummary;
use kernel_helpers::training::{StoppingCondition, start_training_jobs};
use kit::request::{Kind, workshop_request};

use super::year;

pub(super) fn child(phase: &str) {
    match phase {
        "credentials-any-source" => {
            // S3 through aws-sdk-s3, SageMaker through kernel_helpers::json11: one chain.
            ensure_bucket("kit-creds").unwrap();
            upload_object("kit-creds", "k", b"abc".to_vec()).unwrap();
            assert_eq!(list_objects("kit-creds", "").unwrap().len(), 1);
            assert!(list_training_jobs("DEMO").unwrap().is_empty());
            let region =
                block_on(async { kernel_helpers::aws::region_of(&sdk_config().await) }).unwrap();
            assert_eq!(region, "eu-west-1");
        }
        "credentials-sso-not-logged-in" => {
            let msg = list_training_jobs("DEMO").unwrap_err().to_string();
            assert!(!msg.contains("feature"), "{msg}");
            assert!(msg.contains("aws sso login"), "{msg}");
            let msg = list_objects("kit-creds", "").unwrap_err().to_string();
            assert!(!msg.contains("feature"), "{msg}");
        }
        "regions" => regions(),
        "notebook-instance-rehearsal" => rehearsed_notebook_1(),
        "notebook-instance" => {
            use kernel_helpers::prelude::{FromEnv, Settings};
            let s = Settings::from_env().unwrap();
            let account = std::env::var("EXPECT_ACCOUNT").unwrap();
            assert_eq!(s.bucket, format!("sagemaker-eu-west-1-{account}"));
            assert_eq!(
                s.role_arn,
                "arn:aws:iam::111122223333:role/service-role/Exec"
            );
            assert_eq!(s.region, "eu-west-1");
            assert_eq!(
                s.training_image,
                "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
            );
        }
        "settings-refused" => {
            use kernel_helpers::prelude::{FromEnv, Settings};
            let want = std::env::var("EXPECT").unwrap();
            let msg = Settings::from_env().unwrap_err().to_string();
            assert!(msg.contains(&want), "{msg}");
        }
        "bucket-forbidden" => {
            let msg = ensure_bucket("kit-work").unwrap_err().to_string();
            assert!(msg.contains("403") && msg.contains("KIT_BUCKET"), "{msg}");
        }
        "always-throttled-2" => {
            let msg = list_training_jobs("DEMO").unwrap_err().to_string();
            assert!(
                msg.contains("ThrottlingException") && msg.contains("after 2 attempts"),
                "{msg}"
            );
        }
        "always-throttled-1" => {
            let msg = list_training_jobs("DEMO").unwrap_err().to_string();
            assert!(msg.contains("ThrottlingException"), "{msg}");
            assert!(!msg.contains("attempts"), "{msg}");
        }
        "sometimes-throttled" => {
            for _ in 0..8 {
                assert!(list_training_jobs("DEMO").unwrap().is_empty());
            }
            assert!(ensure_bucket("kit-work").unwrap());
            for i in 0..5 {
                upload_object("kit-work", &format!("k{i}"), vec![b'x'; 10]).unwrap();
            }
            assert_eq!(list_objects("kit-work", "").unwrap().len(), 5);
            assert_eq!(
                download_object("gdelt-open-data", "events/1979.csv").unwrap(),
                year()
            );
        }
        "workshop" => workshop(),
        other => panic!("unknown phase {other}"),
    }
}

fn regions() {
    // The configured (eu-west-1) client alone gets the 301; the kit follows it.
    let redirect = block_on(async {
        let conf = sdk_config().await;
        let e = s3_client(&conf)
            .get_object()
            .bucket("gdelt-open-data")
            .key("events/1979.csv")
            .send()
            .await
            .unwrap_err();
        redirect_region(&e)
    })
    .unwrap();
    assert_eq!(redirect.as_deref(), Some("us-east-1"));
    assert_eq!(
        download_object("gdelt-open-data", "events/1979.csv").unwrap(),
        year()
    );

    // The workshop bucket is created in the session's region and used from it.
    assert!(ensure_bucket("kit-work").unwrap());
    assert!(!ensure_bucket("kit-work").unwrap());
    upload_object("kit-work", "train/a", b"abc".to_vec()).unwrap();
    assert_eq!(list_objects("kit-work", "train/").unwrap().len(), 1);
    // A bucket of another region is a message naming the settings, not a failed CreateBucket.
    let msg = ensure_bucket("elsewhere").unwrap_err().to_string();
    assert!(
        msg.contains("us-east-1") && msg.contains("KIT_BUCKET") && msg.contains("AWS_REGION"),
        "{msg}"
    );

    // Deletes: "Could not find" is already gone; another ValidationException surfaces.
    delete_endpoint("DEMO-gone-endpoint", "DEMO-gone-config", "DEMO-gone-model").unwrap();
    let msg = delete_endpoint("bad_name", "DEMO-gone-config", "DEMO-gone-model")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("ValidationException"), "{msg}");
    assert!(!msg.contains("Could not find"), "{msg}");
}

/// The workshop's steps at tiny scale (3,000 rows a year; the two jobs on 5 instances each).
fn workshop() {
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        bucket: "kit-work".into(),
        prefix: "sagemaker/data_distribution_types".into(),
        jobs_file: out.path().join("jobs.json"),
        role_arn: "arn:aws:iam::123456789012:role/SageMakerRole".into(),
        training_image: "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1".into(),
        gdelt_bucket: "gdelt-open-data".into(),
        target: kernel_helpers::settings::Target::Offline,
        region: "eu-west-1".into(),
        endpoint_instance_type: "ml.m4.xlarge".into(),
        sources: Default::default(),
    };
    // Notebook 1: the top-20 codes of 1979, every year prepared and uploaded with them.
    assert!(ensure_bucket(&settings.bucket).unwrap());
    let codes = top_event_codes(&load_year(&settings, 1979).unwrap(), 20).unwrap();
    assert_eq!(codes.len(), 20);
    let reports = prepare_and_upload(&settings, &[1979], &codes).unwrap();
    assert!(reports[0].train_rows > reports[0].validation_rows && reports[0].validation_rows > 0);

    // Notebook 2: the workshop's two requests (kit's canonical one, which differs between the jobs
    // only in the train channel's distribution), with a smaller model and batch for 3,000 rows.
    let request = |name: &str, kind: Kind| {
        let mut r = workshop_request(&settings, name, kind);
        let hps = r.hyper_parameters.get_or_insert_with(Default::default);
        hps.insert("mini_batch_size".into(), "100".into());
        hps.insert("num_models".into(), "4".into());
        r.stopping_condition = Some(StoppingCondition {
            max_runtime_in_seconds: Some(600),
            ..Default::default()
        });
        r
    };
    let replicated = request("DEMO-linear-replicated-t", Kind::Replicated);
    let sharded = request("DEMO-linear-sharded-t", Kind::Sharded);
    let jobs = start_training_jobs(&settings, &replicated, &sharded).unwrap();
    assert_eq!(find_jobs(&settings).unwrap(), jobs);
    let done = wait_for_jobs(
        &[jobs.replicated.as_str(), jobs.sharded.as_str()],
        std::time::Duration::from_millis(200),
    )
    .unwrap();
    assert_eq!(done[1].train_distribution, "ShardedByS3Key");
    assert!(
        done.iter()
            .all(|j| j.instance_count == 5 && j.training_seconds().is_some())
    );
    assert!(training_time_ratio(&done).is_some_and(|r| r > 0.0));
    assert!(log_timing_minutes(&jobs.sharded).unwrap() >= 0.0);
    assert_eq!(host_throughput(&jobs.replicated).unwrap().len(), 5);
    assert!(list_training_jobs("DEMO-linear").unwrap().len() >= 2);

    // Notebook 3: host both under the workshop's names, score the test year, clean up.
    let plan = hosting_plan(&jobs);
    create_models(&settings, &plan).unwrap();
    create_endpoint_configs(&settings, &plan).unwrap();
    create_endpoints(&plan).unwrap();
    // A second run reuses what belongs to these jobs.
    create_models(&settings, &plan).unwrap();
    let names: Vec<&str> = plan.iter().map(|h| h.endpoint.as_str()).collect();
    let table = endpoints_table(&names).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert!(
        table.rows[0][4].ends_with("model.tar.gz"),
        "{:?}",
        table.rows
    );
    let test = prepare_test_year(&settings, 1984, &codes).unwrap();
    for h in &plan {
        let scores = predict_batches(&h.endpoint, &test, 2).unwrap();
        let summary = ErrorSummary::new(&h.kind, &test.labels, &scores).unwrap();
        assert!(
            summary.mse.is_finite() && summary.mae > 0.0,
            "{}",
            summary.line()
        );
    }
    let msg = endpoints_table(&["distributed-nope"])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no endpoint named"), "{msg}");
    cleanup_hosting(&plan).unwrap();
    assert!(endpoints_table(&names[..1]).is_err());

    // Notebook 4: two experiments run together (one object on 3 sharded instances: two hosts get
    // nothing), their logs read, scored on temporary endpoints that are gone afterwards, saved.
    use kernel_helpers::experiments::{
        Experiment, ExperimentsFile, Setting, collect_results, load_results, price_for,
        run_experiments, save_results,
    };
    let grid = [
        Setting::new(Kind::Sharded, 3, 2),
        Setting::new(Kind::Replicated, 1, 3),
    ];
    let experiments: Vec<Experiment> = grid
        .iter()
        .map(|s| {
            let name = s.job_name("t");
            let mut r = request(&name, s.kind());
            r.resource_config.as_mut().unwrap().instance_count = Some(s.instances as i32);
            r.hyper_parameters
                .as_mut()
                .unwrap()
                .insert("epochs".into(), s.epochs.to_string());
            Experiment::new(s.clone(), r)
        })
        .collect();
    let runs = run_experiments(
        settings.target,
        &experiments,
        std::time::Duration::from_millis(200),
    )
    .unwrap();
    assert!(runs.iter().all(|r| r.is_completed()), "{runs:?}");
    let results = collect_results(&settings, &runs, &test).unwrap();
    let sharded = &results[0];
    assert_eq!(sharded.hosts.len(), 3, "{:?}", sharded.hosts);
    assert!(sharded.hosts[0].records_per_epoch > 0 && !sharded.hosts[0].no_data_warning);
    assert!(
        sharded.hosts[1..]
            .iter()
            .all(|h| h.no_data_warning && h.records_per_epoch == 0)
    );
    assert_eq!(
        results[1].hosts[0].records_per_epoch,
        sharded.hosts[0].records_per_epoch
    );
    for r in &results {
        assert!(r.test_mae.is_some_and(f64::is_finite), "{r:?}");
        assert!(!r.validation_loss_by_epoch.is_empty(), "{r:?}");
        assert!(r.compute_usd.is_some_and(|c| c > 0.0), "{r:?}");
        // The temporary endpoint is gone.
        assert!(endpoints_table(&[r.job.as_str()]).is_err());
    }
    let file = ExperimentsFile {
        generated_at: "t".into(),
        target: "offline".into(),
        region: settings.region.clone(),
        instance_type: "ml.c4.2xlarge".into(),
        price: price_for(&settings.region, "ml.c4.2xlarge").unwrap().0,
        test_year: 1984,
        test_rows: test.n_rows(),
        train_rows: 0,
        train_objects: 1,
        wall_seconds: None,
        results,
    };
    let path = out.path().join("experiments.json");
    save_results(&path, &file).unwrap();
    // serde_json reads floats back to within an ulp, not bit for bit: compare what is exact.
    let back = load_results(&path).unwrap();
    for (a, b) in back.results.iter().zip(&file.results) {
        assert_eq!((&a.job, &a.status, &a.hosts), (&b.job, &b.status, &b.hosts));
        assert!((a.test_mae.unwrap() - b.test_mae.unwrap()).abs() < 1e-12);
    }
    assert_eq!(back.results.len(), 2);
}

/// Notebook 1's settings and data cells, as the notebook makes the calls (child side).
fn rehearsed_notebook_1() {
    use kernel_helpers::prelude::{FromEnv, Settings};
    let kit_vars: Vec<String> = std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("KIT_") || k.starts_with("AWS_ENDPOINT_URL"))
        .collect();
    assert!(
        kit_vars.is_empty(),
        "the rehearsal must not set {kit_vars:?}"
    );
    let account = std::env::var("EXPECT_ACCOUNT").unwrap();
    // The settings cell.
    let settings = Settings::from_env().unwrap();
    assert_eq!(settings.target, kernel_helpers::settings::Target::Aws);
    assert_eq!(settings.region, "eu-west-1");
    assert_eq!(settings.bucket, format!("sagemaker-eu-west-1-{account}"));
    assert_eq!(
        settings.role_arn,
        sagemaker_offline::sagemaker::notebook::execution_role(&account)
    );
    assert_eq!(
        settings.training_image,
        "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
    );
    assert_eq!(settings.endpoint_instance_type, "ml.m4.xlarge");
    println!("rehearsal settings: {:?}", settings.sources);
    assert!(ensure_bucket(&settings.bucket).unwrap());
    // The data cells: GDELT from us-east-1 (the 301), the top codes, prepared and uploaded.
    let events_1979 = load_year(&settings, 1979).unwrap();
    let codes = top_event_codes(&events_1979, 20).unwrap();
    let reports = prepare_and_upload(&settings, &[1979], &codes).unwrap();
    assert!(reports[0].train_rows > 0 && reports[0].validation_rows > 0);
    let listed = list_objects(&settings.bucket, &settings.prefix).unwrap();
    let keys: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            settings.data_key("train", 1979),
            settings.data_key("validation", 1979)
        ],
        "{keys:?}"
    );
}
