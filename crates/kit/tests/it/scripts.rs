//! `scripts/replicated.sh` and `sharded.sh` keep the `aws sagemaker create-training-job` command as
//! the workshop prints it; this runs them with `KIT_AWS` pointing at a recording stand-in for the
//! AWS CLI, parses the recorded flags (the CLI's shorthand) and requires them to be exactly
//! `kit::request::workshop_request` for the same settings.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use kit::settings::{Env, Facts};
use kit::{Kind, request};
use serde_json::{Map, Value};

use crate::{kit_bin, repo_root};

/// A fake `aws`: records each call's arguments (one per line, calls separated by a `--END--`
/// line) and answers the calls the scripts make.
const FAKE_AWS: &str = r#"#!/usr/bin/env bash
{ printf '%s\n' "$@"; echo --END--; } >>"$FAKE_AWS_LOG"
case " $* " in
  *" get-caller-identity "*)
    [[ -n "${FAKE_NO_CREDENTIALS:-}" ]] && { echo 'Unable to locate credentials. You can configure credentials by running "aws configure".' >&2; exit 255; }
    printf '111122223333\tarn:aws:iam::111122223333:user/workshop\n' ;;
  *" describe-notebook-instance "*) echo arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-1 ;;
  *" get-bucket-location "*)
    [[ -n "${FAKE_BUCKET_REGION:-}" ]] || { echo 'An error occurred (NoSuchBucket)' >&2; exit 254; }
    echo "$FAKE_BUCKET_REGION" ;;
  *" configure get region "*) exit 1 ;;
  *" create-training-job "*) echo '{"TrainingJobArn": "arn:aws:sagemaker:eu-west-1:111122223333:training-job/x"}' ;;
  *) echo "fake aws: unexpected call: $*" >&2; exit 2 ;;
esac
"#;

struct Run {
    out: Output,
    calls: Vec<Vec<String>>,
}

fn run_script(dir: &Path, script: &str, env: &[(&str, &str)]) -> Run {
    let fake = dir.join("aws");
    std::fs::write(&fake, FAKE_AWS).expect("write fake aws");
    let mut perm = std::fs::metadata(&fake).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&fake, perm).expect("chmod");
    let log = dir.join("calls.log");
    let _ = std::fs::remove_file(&log);
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts").join(script))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("KIT_AWS", &fake)
        .env("KIT_BIN", kit_bin())
        .env("FAKE_AWS_LOG", &log)
        .env("KIT_OUT", dir.join("out"))
        .env(
            "SAGEMAKER_OFFLINE_METADATA_FILE",
            dir.join("no-such-metadata.json"),
        );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run script");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let mut calls = vec![Vec::new()];
    for line in text.lines() {
        if line == "--END--" {
            calls.push(Vec::new());
        } else if let Some(c) = calls.last_mut() {
            c.push(line.to_string());
        }
    }
    calls.retain(|c| !c.is_empty());
    Run { out, calls }
}

/// The AWS CLI shorthand `A=x,B={C=y,D=z}` as a JSON object of strings.
fn shorthand(s: &str) -> Value {
    fn parse(s: &str, i: &mut usize) -> Map<String, Value> {
        let b = s.as_bytes();
        let mut m = Map::new();
        while *i < b.len() && b[*i] != b'}' {
            let start = *i;
            while b[*i] != b'=' {
                *i += 1;
            }
            let key = s[start..*i].to_string();
            *i += 1;
            let value = if b.get(*i) == Some(&b'{') {
                *i += 1;
                let inner = parse(s, i);
                *i += 1; // '}'
                Value::Object(inner)
            } else {
                let start = *i;
                while *i < b.len() && b[*i] != b',' && b[*i] != b'}' {
                    *i += 1;
                }
                Value::String(s[start..*i].to_string())
            };
            m.insert(key, value);
            if b.get(*i) == Some(&b',') {
                *i += 1;
            }
        }
        m
    }
    Value::Object(parse(s, &mut 0))
}

fn pascal(flag: &str) -> String {
    flag.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The create-training-job call's flags as a request (JSON), shaped like `canonical`
/// (a member that is a list there takes every value of its flag as an item), plus `--region`.
fn request_from_cli(args: &[String], canonical: &Value) -> (Option<String>, Value) {
    let pos = args
        .iter()
        .position(|a| a == "create-training-job")
        .expect("a create-training-job call");
    let region = args[..pos]
        .iter()
        .position(|a| a == "--region")
        .map(|i| args[i + 1].clone());
    let mut m = Map::new();
    let mut i = pos + 1;
    while i < args.len() {
        let flag = args[i].strip_prefix("--").expect("a --flag");
        let member = pascal(flag);
        let mut values = Vec::new();
        i += 1;
        while i < args.len() && !args[i].starts_with("--") {
            values.push(args[i].clone());
            i += 1;
        }
        let one = |v: &str| {
            if v.contains('=') {
                shorthand(v)
            } else {
                Value::String(v.to_string())
            }
        };
        let value = if canonical.get(&member).is_some_and(Value::is_array) {
            Value::Array(values.iter().map(|v| one(v)).collect())
        } else {
            assert_eq!(values.len(), 1, "--{flag} {values:?}");
            one(&values[0])
        };
        m.insert(member, value);
    }
    (region, Value::Object(m))
}

fn check_against_canonical(run: &Run, kind: Kind, env: &[(&str, &str)], facts: &Facts) {
    assert!(
        run.out.status.success(),
        "script failed: {}",
        String::from_utf8_lossy(&run.out.stderr)
    );
    let create = run
        .calls
        .iter()
        .find(|c| c.iter().any(|a| a == "create-training-job"))
        .expect("the script called create-training-job");
    let mut e: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    e.entry("KIT_OUT".into())
        .or_insert_with(|| "/unused".into());
    let settings = kit::settings::resolve(&Env(e), facts).expect("settings");
    let name = create
        .iter()
        .position(|a| a == "--training-job-name")
        .map(|i| create[i + 1].clone())
        .expect("a job name");
    assert_eq!(name, format!("DEMO-linear-{}-test", kind.as_str()));
    let canonical =
        serde_json::to_value(request::workshop_request(&settings, &name, kind)).expect("json");
    let (region, cli) = request_from_cli(create, &canonical);
    assert_eq!(region.as_deref(), Some(settings.region.as_str()));
    assert_eq!(
        request::leaves(&cli),
        request::leaves(&canonical),
        "{}.sh's flags differ from kit::request::workshop_request",
        kind.as_str()
    );
    // The job was recorded with the kit's writer.
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert_eq!(stdout.trim(), name);
}

#[test]
fn the_scripts_flags_are_the_canonical_request_offline() {
    for kind in Kind::BOTH {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = format!("DEMO-linear-{}-test", kind.as_str());
        let env = [
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_REGION", "eu-west-1"),
            ("KIT_BUCKET", "s3://my-bucket"),
            ("KIT_JOB_NAME", name.as_str()),
        ];
        let run = run_script(dir.path(), &format!("{}.sh", kind.as_str()), &env);
        check_against_canonical(&run, kind, &env, &Facts::default());
        // Offline: no look-ups at all.
        assert_eq!(run.calls.len(), 1, "{:?}", run.calls);
        let jobs = dir.path().join("out/jobs.json");
        assert_eq!(
            kit::jobs_file::get(&jobs, kind.as_str())
                .expect("jobs file")
                .as_deref(),
            Some(name.as_str())
        );
    }
}

#[test]
fn on_aws_the_scripts_find_the_default_bucket_and_the_notebook_role() {
    let dir = tempfile::tempdir().expect("tempdir");
    let meta = dir.path().join("resource-metadata.json");
    std::fs::write(
        &meta,
        r#"{"ResourceArn":"arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/ws","ResourceName":"ws"}"#,
    )
    .expect("metadata");
    let meta = meta.to_string_lossy().into_owned();
    let env = [
        ("KIT_TARGET", "aws"),
        ("AWS_REGION", "eu-west-1"),
        ("KIT_JOB_NAME", "DEMO-linear-sharded-test"),
        ("SAGEMAKER_OFFLINE_METADATA_FILE", meta.as_str()),
        ("FAKE_BUCKET_REGION", "eu-west-1"),
    ];
    let run = run_script(dir.path(), "sharded.sh", &env);
    let facts = Facts {
        account: Some(Ok("111122223333".into())),
        metadata: Some(std::fs::read_to_string(&meta).expect("read")),
        described_role: Some(Ok(
            "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole-1".into(),
        )),
        ..Facts::default()
    };
    check_against_canonical(&run, Kind::Sharded, &env, &facts);
    let ops: Vec<&str> = run
        .calls
        .iter()
        .map(|c| {
            c.iter()
                .find(|a| {
                    matches!(
                        a.as_str(),
                        "get-caller-identity"
                            | "describe-notebook-instance"
                            | "get-bucket-location"
                            | "create-training-job"
                    )
                })
                .map_or("?", String::as_str)
        })
        .collect();
    assert_eq!(
        ops,
        [
            "get-caller-identity",
            "describe-notebook-instance",
            "get-bucket-location",
            "create-training-job"
        ]
    );
    let create = run.calls.last().expect("calls").join(" ");
    assert!(
        create.contains("s3://sagemaker-eu-west-1-111122223333/"),
        "{create}"
    );
    assert!(create.contains("438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"));
}

#[test]
fn on_aws_bad_input_stops_before_any_job_naming_the_setting() {
    let long_name = format!("DEMO-linear-replicated-{}", "x".repeat(41));
    let cases: [(&[(&str, &str)], &str); 5] = [
        // No credentials: the default bucket cannot be named.
        (
            &[
                ("FAKE_NO_CREDENTIALS", "1"),
                ("KIT_ROLE_ARN", "arn:aws:iam::111122223333:role/R"),
            ],
            "KIT_BUCKET",
        ),
        // Not a notebook instance and no role.
        (&[("KIT_BUCKET", "b")], "KIT_ROLE_ARN"),
        // A bucket in another region.
        (
            &[
                ("FAKE_BUCKET_REGION", "us-east-1"),
                ("KIT_BUCKET", "b"),
                ("KIT_ROLE_ARN", "arn:aws:iam::111122223333:role/R"),
            ],
            "KIT_BUCKET",
        ),
        // An unknown region.
        (
            &[
                ("AWS_REGION", "eu-nowhere-9"),
                ("KIT_BUCKET", "b"),
                ("KIT_ROLE_ARN", "arn:aws:iam::111122223333:role/R"),
            ],
            "AWS_REGION",
        ),
        // A job name over SageMaker's 63 characters (64 here).
        (
            &[
                ("KIT_JOB_NAME", long_name.as_str()),
                ("FAKE_BUCKET_REGION", "eu-west-1"),
                ("KIT_BUCKET", "b"),
                ("KIT_ROLE_ARN", "arn:aws:iam::111122223333:role/R"),
            ],
            "KIT_JOB_NAME",
        ),
    ];
    for (extra, setting) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut env = vec![("KIT_TARGET", "aws"), ("AWS_REGION", "eu-west-1")];
        env.extend_from_slice(extra);
        let run = run_script(dir.path(), "replicated.sh", &env);
        let err = String::from_utf8_lossy(&run.out.stderr);
        assert!(!run.out.status.success(), "{extra:?}: {err}");
        assert!(
            err.contains(setting),
            "{extra:?} should name {setting}: {err}"
        );
        assert!(
            !run.calls
                .iter()
                .any(|c| c.iter().any(|a| a == "create-training-job")),
            "{extra:?}: a job was created"
        );
        assert_eq!(
            err.lines().filter(|l| l.contains("error:")).count(),
            1,
            "{err}"
        );
    }
    // Offline values are never used against AWS: KIT_TARGET=offline without the stand-in's endpoint.
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_script(dir.path(), "replicated.sh", &[("KIT_TARGET", "offline")]);
    assert!(!run.out.status.success());
    assert!(run.calls.is_empty(), "{:?}", run.calls);
}
