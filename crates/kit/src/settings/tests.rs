use super::*;

const STANDIN: &str = "http://127.0.0.1:19200";
const META: &str = r#"{"ResourceArn":"arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/ws","ResourceName":"ws"}"#;

fn facts() -> Facts {
    Facts::default()
}

fn err(env: &Env, f: &Facts) -> SettingsError {
    resolve(env, f).expect_err("should be refused")
}

#[test]
fn offline_defaults_need_the_stand_ins_endpoint() {
    let env = Env::of([("AWS_ENDPOINT_URL", STANDIN)]);
    assert_eq!(target(&env), Ok(Target::Offline));
    assert!(!needs(&env, None).unwrap().account);
    let s = resolve(&env, &facts()).unwrap();
    assert_eq!(s.target, Target::Offline);
    assert_eq!(s.region, "us-east-1");
    assert_eq!(s.bucket, OFFLINE_BUCKET);
    assert_eq!(s.role_arn, "arn:aws:iam::123456789012:role/SageMakerRole");
    assert_eq!(
        s.training_image,
        "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
    );
    assert_eq!(s.prefix, DEFAULT_PREFIX);
    assert_eq!(s.jobs_file, PathBuf::from("../out/jobs.json"));
    assert_eq!(
        s.s3_uri("train"),
        format!("s3://{OFFLINE_BUCKET}/{DEFAULT_PREFIX}/train/")
    );

    // The stand-in in another region: that region's image.
    let env = Env::of([
        ("AWS_ENDPOINT_URL", "http://localhost:19201"),
        ("AWS_REGION", "eu-west-1"),
    ]);
    let s = resolve(&env, &facts()).unwrap();
    assert_eq!(s.region, "eu-west-1");
    assert!(
        s.training_image
            .starts_with("438346466558.dkr.ecr.eu-west-1.")
    );

    // KIT_TARGET=offline without an endpoint would send offline values to real AWS.
    let e = err(&Env::of([("KIT_TARGET", "offline")]), &facts());
    assert_eq!(e.setting, "AWS_ENDPOINT_URL");
}

#[test]
fn kit_variables_win_on_both_targets() {
    for ep in [STANDIN, "https://api.sagemaker.eu-west-1.amazonaws.com"] {
        let env = Env::of([
            ("AWS_ENDPOINT_URL", ep),
            ("AWS_REGION", "eu-west-1"),
            ("KIT_BUCKET", "s3://my-bucket/"),
            (
                "KIT_ROLE_ARN",
                "arn:aws:iam::111122223333:role/service-role/R",
            ),
            (
                "KIT_TRAINING_IMAGE",
                "111122223333.dkr.ecr.eu-west-1.amazonaws.com/ll:1",
            ),
            ("KIT_PREFIX", "/p/q/"),
            ("KIT_JOBS_FILE", "/tmp/j.json"),
        ]);
        let n = needs(&env, Some(META)).unwrap();
        assert!(
            !n.account && !n.metadata && n.notebook_instance.is_none(),
            "{n:?}"
        );
        let s = resolve(&env, &facts()).unwrap();
        assert_eq!(s.bucket, "my-bucket");
        assert_eq!(s.role_arn, "arn:aws:iam::111122223333:role/service-role/R");
        assert_eq!(
            s.training_image,
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com/ll:1"
        );
        assert_eq!(s.prefix, "p/q");
        assert_eq!(s.jobs_file, PathBuf::from("/tmp/j.json"));
    }
}

#[test]
fn the_target_is_never_guessed_from_credentials() {
    // No endpoint: AWS, whatever the credentials (none are read by the rule).
    assert_eq!(target(&Env::default()), Ok(Target::Aws));
    assert_eq!(
        target(&Env::of([("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")])),
        Ok(Target::Aws)
    );
    // A non-loopback endpoint is AWS (or something AWS-like), a loopback one the stand-in.
    assert_eq!(
        target(&Env::of([("AWS_ENDPOINT_URL", "https://example.com")])),
        Ok(Target::Aws)
    );
    assert_eq!(
        target(&Env::of([(
            "AWS_ENDPOINT_URL_SAGEMAKER",
            "http://[::1]:1/"
        )])),
        Ok(Target::Offline)
    );
    // The SageMaker-specific endpoint wins over the global one.
    assert_eq!(
        target(&Env::of([
            ("AWS_ENDPOINT_URL", STANDIN),
            (
                "AWS_ENDPOINT_URL_SAGEMAKER",
                "https://api.sagemaker.us-east-1.amazonaws.com"
            )
        ])),
        Ok(Target::Aws)
    );
    assert_eq!(
        target(&Env::of([
            ("AWS_ENDPOINT_URL", STANDIN),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
        ])),
        Ok(Target::Aws)
    );
    // KIT_TARGET decides, also against a loopback endpoint (the offline rehearsal of AWS).
    assert_eq!(
        target(&Env::of([
            ("KIT_TARGET", "aws"),
            ("AWS_ENDPOINT_URL", STANDIN)
        ])),
        Ok(Target::Aws)
    );
    assert_eq!(
        target(&Env::of([("KIT_TARGET", "cloud")]))
            .unwrap_err()
            .setting,
        "KIT_TARGET"
    );
    assert!(!is_loopback_url("http://127.0.0.1.example.com"));
    assert!(!is_loopback_url("http://10.0.0.1"));
    assert!(is_loopback_url("http://127.0.0.1"));
}

#[test]
fn aws_on_a_notebook_instance_like_the_sdk() {
    let env = Env::of([("AWS_REGION", "eu-west-1")]);
    let n = needs(&env, Some(META)).unwrap();
    assert_eq!(n.target, Some(Target::Aws));
    assert!(n.account && n.metadata);
    assert_eq!(n.notebook_instance.as_deref(), Some("ws"));
    let f = Facts {
        account: Some(Ok("111122223333".into())),
        metadata: Some(META.into()),
        described_role: Some(Ok(
            "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-1".into(),
        )),
        ..facts()
    };
    let s = resolve(&env, &f).unwrap();
    assert_eq!(s.target, Target::Aws);
    assert_eq!(s.bucket, "sagemaker-eu-west-1-111122223333");
    assert_eq!(
        s.role_arn,
        "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-1"
    );
    assert_eq!(
        s.training_image,
        "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
    );
    assert_eq!(
        s.sources["role_arn"],
        "notebook instance ws's role (DescribeNotebookInstance)"
    );
    assert_eq!(s.endpoint_instance_type, "ml.m4.xlarge");

    // The region from the caller's configuration chain (profile, instance metadata).
    let s = resolve(
        &Env::default(),
        &Facts {
            region: Some("ap-northeast-3".into()),
            ..f.clone()
        },
    )
    .unwrap();
    assert_eq!(s.bucket, "sagemaker-ap-northeast-3-111122223333");
    assert!(
        s.training_image
            .starts_with("867004704886.dkr.ecr.ap-northeast-3.amazonaws.com/")
    );

    // China: the partition's hosts.
    let s = resolve(
        &Env::of([("AWS_REGION", "cn-north-1")]),
        &Facts {
            described_role: Some(Ok("arn:aws-cn:iam::111122223333:role/R".into())),
            ..f.clone()
        },
    )
    .unwrap();
    assert_eq!(
        s.training_image,
        "390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/linear-learner:1"
    );
    assert_eq!(s.role_arn, "arn:aws-cn:iam::111122223333:role/R");

    // ExecutionRoleArn in the metadata is used as is (no DescribeNotebookInstance).
    let meta = r#"{"ResourceName":"ws","ExecutionRoleArn":"arn:aws:iam::111122223333:role/X"}"#;
    assert_eq!(needs(&env, Some(meta)).unwrap().notebook_instance, None);
    let s = resolve(
        &env,
        &Facts {
            metadata: Some(meta.into()),
            described_role: None,
            ..f
        },
    )
    .unwrap();
    assert_eq!(s.role_arn, "arn:aws:iam::111122223333:role/X");
}

#[test]
fn the_callers_assumed_role_as_the_sdks_get_execution_role() {
    // aws/sagemaker-python-sdk src/sagemaker/session.py, Session.get_caller_identity_arn.
    assert_eq!(
        role_of_assumed_role(
            "arn:aws:sts::111122223333:assumed-role/AmazonSageMaker-ExecutionRole-20240101T000000/SageMaker"
        )
        .as_deref(),
        Some(
            "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000"
        )
    );
    assert_eq!(
        role_of_assumed_role("arn:aws-cn:sts::111122223333:assumed-role/Workshop/alice").as_deref(),
        Some("arn:aws-cn:iam::111122223333:role/Workshop")
    );
    for not_a_role in [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:sts::111122223333:federated-user/alice",
        "arn:aws:iam::111122223333:root",
        "arn:aws:sts::1:assumed-role/R/s",
        "",
    ] {
        assert_eq!(role_of_assumed_role(not_a_role), None, "{not_a_role}");
    }

    let env = Env::of([("AWS_REGION", "eu-west-1")]);
    let studio_caller =
        "arn:aws:sts::111122223333:assumed-role/AmazonSageMaker-ExecutionRole-1/SageMaker";
    let base = Facts {
        account: Some(Ok("111122223333".into())),
        caller_arn: Some(studio_caller.into()),
        ..facts()
    };
    let want = "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-1";
    // The role is unset, so STS is asked even with KIT_BUCKET set (for the caller's ARN).
    let with_bucket = Env::of([("AWS_REGION", "eu-west-1"), ("KIT_BUCKET", "b")]);
    assert!(needs(&with_bucket, None).unwrap().account);
    // Studio without ExecutionRoleArn: the SDK describes the user profile; the kit takes the
    // caller's role (in Studio, the execution role's session).
    let studio = r#"{"DomainId":"d-1","UserProfileName":"u"}"#;
    assert_eq!(needs(&env, Some(studio)).unwrap().notebook_instance, None);
    let s = resolve(
        &env,
        &Facts {
            metadata: Some(studio.into()),
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(s.role_arn, want);
    assert!(
        s.sources["role_arn"].contains("assumed role"),
        "{:?}",
        s.sources
    );
    // Studio with ExecutionRoleArn in the metadata: used as is.
    let s = resolve(
        &env,
        &Facts {
            metadata: Some(
                r#"{"DomainId":"d-1","ExecutionRoleArn":"arn:aws:iam::111122223333:role/S"}"#
                    .into(),
            ),
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(s.role_arn, "arn:aws:iam::111122223333:role/S");
    // DescribeNotebookInstance refused: the caller's role, as the SDK after a ClientError.
    let s = resolve(
        &env,
        &Facts {
            metadata: Some(META.into()),
            described_role: Some(Err("AccessDeniedException".into())),
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(s.role_arn, want);
    // Off an instance with an assumed role (a profile's role_arn, SSO): that role.
    let s = resolve(&env, &base).unwrap();
    assert_eq!(s.role_arn, want);
    // An IAM user: a refusal naming KIT_ROLE_ARN and saying why.
    let e = err(
        &env,
        &Facts {
            caller_arn: Some("arn:aws:iam::111122223333:user/alice".into()),
            ..base
        },
    );
    assert_eq!(e.setting, "KIT_ROLE_ARN");
    assert!(
        e.message.contains("user/alice") && e.message.contains("not a SageMaker notebook instance"),
        "{e}"
    );
}

#[test]
fn the_endpoint_instance_type_is_a_setting() {
    let env = Env::of([("AWS_ENDPOINT_URL", "http://127.0.0.1:1")]);
    let s = resolve(&env, &facts()).unwrap();
    assert_eq!(s.endpoint_instance_type, "ml.m4.xlarge");
    assert!(
        s.exports()
            .contains(&("KIT_ENDPOINT_INSTANCE_TYPE", "ml.m4.xlarge".to_string()))
    );
    let mut env2 = env.clone();
    env2.0
        .insert("KIT_ENDPOINT_INSTANCE_TYPE".into(), "ml.m5.large".into());
    assert_eq!(
        resolve(&env2, &facts()).unwrap().endpoint_instance_type,
        "ml.m5.large"
    );
    for bad in ["m5.large", "ml.m5", "ml.m5.large,x", "ml..large"] {
        let mut e = env.clone();
        e.0.insert("KIT_ENDPOINT_INSTANCE_TYPE".into(), bad.into());
        assert_eq!(
            err(&e, &facts()).setting,
            "KIT_ENDPOINT_INSTANCE_TYPE",
            "{bad}"
        );
    }
}

#[test]
fn bad_input_names_the_setting_to_change() {
    let aws = Env::of([("AWS_REGION", "eu-west-1")]);
    let good = Facts {
        account: Some(Ok("111122223333".into())),
        metadata: Some(META.into()),
        described_role: Some(Ok("arn:aws:iam::111122223333:role/R".into())),
        ..facts()
    };
    assert!(resolve(&aws, &good).is_ok());

    // No region anywhere.
    let e = err(&Env::default(), &good);
    assert_eq!(e.setting, "AWS_REGION");
    assert!(e.message.contains("AWS_REGION"), "{e}");
    // Unknown region, malformed region, a SageMaker region without an image.
    let e = err(&Env::of([("AWS_REGION", "eu-nowhere-9")]), &good);
    assert_eq!(e.setting, "AWS_REGION");
    assert!(e.message.contains("eu-nowhere-9"), "{e}");
    assert_eq!(
        err(&Env::of([("AWS_REGION", "Europe")]), &good).setting,
        "AWS_REGION"
    );
    let e = err(&Env::of([("AWS_REGION", "mx-central-1")]), &good);
    assert_eq!(e.setting, "KIT_TRAINING_IMAGE");
    // ... which KIT_TRAINING_IMAGE fixes.
    let mut env = Env::of([
        ("AWS_REGION", "mx-central-1"),
        (
            "KIT_TRAINING_IMAGE",
            "1.dkr.ecr.mx-central-1.amazonaws.com/ll:1",
        ),
    ]);
    assert!(resolve(&env, &good).is_ok());
    env.0.insert("AWS_REGION".into(), "eu-nowhere-9".into());
    assert!(
        resolve(&env, &good).is_ok(),
        "a new region with an explicit image"
    );

    // No credentials: STS failed → the bucket cannot default.
    let e = err(
        &aws,
        &Facts {
            account: Some(Err("Unable to locate credentials".into())),
            ..good.clone()
        },
    );
    assert_eq!(e.setting, "KIT_BUCKET");
    assert!(
        e.message.contains("Unable to locate credentials") && e.message.contains("KIT_BUCKET"),
        "{e}"
    );

    // Expired credentials: the message says to refresh them, not to set KIT_BUCKET.
    let e = err(
        &aws,
        &Facts {
            account: Some(Err("An error occurred (ExpiredToken) when calling the \
                               GetCallerIdentity operation: The security token included in the \
                               request is expired"
                .into())),
            ..good.clone()
        },
    );
    assert_eq!(e.setting, "AWS_PROFILE");
    assert!(
        e.message.contains("expired") && e.message.contains("aws sso login"),
        "{e}"
    );

    // Absent role: not a notebook instance, Studio, DescribeNotebookInstance refused.
    let e = err(
        &aws,
        &Facts {
            metadata: None,
            ..good.clone()
        },
    );
    assert_eq!(e.setting, "KIT_ROLE_ARN");
    assert!(
        e.message.contains("not a SageMaker notebook instance"),
        "{e}"
    );
    let e = err(
        &aws,
        &Facts {
            metadata: Some(r#"{"DomainId":"d-1","UserProfileName":"u"}"#.into()),
            ..good.clone()
        },
    );
    assert_eq!(e.setting, "KIT_ROLE_ARN");
    let e = err(
        &aws,
        &Facts {
            described_role: Some(Err("AccessDeniedException".into())),
            ..good.clone()
        },
    );
    assert_eq!(e.setting, "KIT_ROLE_ARN");
    assert!(
        e.message.contains("AccessDeniedException") && e.message.contains("ws"),
        "{e}"
    );
    assert_eq!(
        err(
            &aws,
            &Facts {
                metadata: Some("{not json".into()),
                ..good.clone()
            }
        )
        .setting,
        "KIT_ROLE_ARN"
    );

    // Wrong-region bucket.
    let e = err(
        &aws,
        &Facts {
            bucket_region: Some("us-east-1".into()),
            ..good.clone()
        },
    );
    assert_eq!(e.setting, "KIT_BUCKET");
    assert!(
        e.message.contains("us-east-1") && e.message.contains("eu-west-1"),
        "{e}"
    );
    assert!(
        resolve(
            &aws,
            &Facts {
                bucket_region: Some("eu-west-1".into()),
                ..good.clone()
            }
        )
        .is_ok()
    );

    // Never the offline values against a real account.
    let mut env = aws.clone();
    env.0.insert(
        "KIT_ROLE_ARN".into(),
        "arn:aws:iam::123456789012:role/SageMakerRole".into(),
    );
    assert_eq!(err(&env, &good).setting, "KIT_ROLE_ARN");
    let mut env = aws.clone();
    env.0.insert("KIT_ROLE_ARN".into(), "SageMakerRole".into());
    assert_eq!(err(&env, &good).setting, "KIT_ROLE_ARN");
    let mut env = aws;
    env.0.insert("KIT_BUCKET".into(), "my bucket".into());
    assert_eq!(err(&env, &good).setting, "KIT_BUCKET");
}
