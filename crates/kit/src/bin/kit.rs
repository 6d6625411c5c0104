//! `kit`: the scripts' way into the kit library (scripts/common.sh calls it). Arguments are parsed
//! by hand to keep the library's dependency tree small.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use kit::settings::{self, Env, Facts};
use kit::{Kind, jobs_file, json_path, names, request};

const USAGE: &str = "\
usage:
  kit settings target                     offline | aws (KIT_TARGET, else a loopback endpoint = offline)
  kit settings needs                      what to look up before `export` (shell assignments:
                                          KIT_NEED_ACCOUNT, KIT_NEED_METADATA, KIT_NOTEBOOK_INSTANCE)
  kit settings export|json [FACTS]        the resolved settings as `export NAME='value'` lines / JSON
      FACTS: --region R  --account ID | --account-error MSG  --caller-arn ARN  --described-role ARN |
             --described-role-error MSG  --bucket-region R
  kit image REGION                        the region's Linear Learner image
  kit jobs set KEY VALUE [KEY VALUE ...]  locked read-modify-write of $KIT_JOBS_FILE (dotted keys)
  kit jobs get KEY                        prints the key's value (nothing if absent)
  kit json PATH                           prints PATH (dotted, list indexes, -1 = last) of the JSON on stdin
  kit name hosting replicated|sharded     distributed-replicated / distributed-sharded
  kit name check-job NAME                 fails, naming KIT_JOB_NAME, unless NAME is a valid TrainingJobName
  kit request replicated|sharded NAME     the workshop's CreateTrainingJob request (JSON) for the settings
  kit summary JOBS_DIR OUT_JSON [NOTEBOOK ...]
                                          the summary of $KIT_JOBS_FILE and the descriptions saved in
                                          JOBS_DIR: writes OUT_JSON, prints the table
The notebook-instance metadata file is /opt/ml/metadata/resource-metadata.json (tests and
rehearsals only: $SAGEMAKER_OFFLINE_METADATA_FILE).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn read_metadata(env: &Env) -> Result<Option<String>, String> {
    let p = settings::metadata_path(env);
    match std::fs::read_to_string(&p) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("reading {}: {e}", p.display())),
    }
}

fn facts(env: &Env, args: &[String]) -> Result<Facts, String> {
    let mut f = Facts {
        metadata: read_metadata(env)?,
        ..Facts::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--region" => f.region = Some(value()?).filter(|v| !v.is_empty()),
            "--account" => f.account = Some(Ok(value()?.trim().to_string())),
            "--account-error" => f.account = Some(Err(value()?.trim().to_string())),
            "--caller-arn" => {
                f.caller_arn = Some(value()?.trim().to_string()).filter(|v| !v.is_empty())
            }
            "--described-role" => f.described_role = Some(Ok(value()?.trim().to_string())),
            "--described-role-error" => {
                f.described_role = Some(Err(value()?.trim().to_string()));
            }
            "--bucket-region" => f.bucket_region = Some(value()?).filter(|v| !v.is_empty()),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    Ok(f)
}

fn jobs_path(env: &Env) -> PathBuf {
    settings::jobs_file(env)
}

fn run(args: &[String]) -> Result<(), String> {
    let env = Env::from_process();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["settings", "target"] => {
            println!(
                "{}",
                settings::target(&env).map_err(|e| e.message)?.as_str()
            );
            Ok(())
        }
        ["settings", "needs"] => {
            let n =
                settings::needs(&env, read_metadata(&env)?.as_deref()).map_err(|e| e.message)?;
            println!("KIT_NEED_ACCOUNT={}", u8::from(n.account));
            println!("KIT_NEED_METADATA={}", u8::from(n.metadata));
            println!(
                "KIT_NOTEBOOK_INSTANCE={}",
                quote(n.notebook_instance.as_deref().unwrap_or(""))
            );
            Ok(())
        }
        ["settings", how @ ("export" | "json"), rest @ ..] => {
            let f = facts(&env, &args[2..rest.len() + 2])?;
            let s = settings::resolve(&env, &f).map_err(|e| e.message)?;
            if *how == "json" {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?
                );
            } else {
                for (k, v) in s.exports() {
                    println!("export {k}={}", quote(&v));
                }
            }
            Ok(())
        }
        ["image", region] => kit::images::linear_learner_image(region)
            .map(|i| println!("{i}"))
            .ok_or_else(|| format!("no Linear Learner image known for region '{region}'")),
        ["jobs", "set", pairs @ ..] if !pairs.is_empty() && pairs.len() % 2 == 0 => {
            let kv: Vec<(&str, &str)> = pairs.chunks(2).map(|c| (c[0], c[1])).collect();
            jobs_file::set(&jobs_path(&env), &kv).map_err(|e| e.to_string())
        }
        ["jobs", "get", key] => {
            if let Some(v) = jobs_file::get(&jobs_path(&env), key).map_err(|e| e.to_string())? {
                println!("{v}");
            }
            Ok(())
        }
        ["json", path] => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("reading stdin: {e}"))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("kit json: stdin is not JSON ({e})"))?;
            if let Some(t) = json_path::at(&v, path).and_then(json_path::text) {
                println!("{t}");
            }
            Ok(())
        }
        ["name", "hosting", kind] => {
            let k = Kind::parse(kind).ok_or_else(|| format!("unknown kind '{kind}'"))?;
            println!("{}", names::hosting_name(k));
            Ok(())
        }
        ["name", "check-job", name] => names::check_job_name(name, "KIT_JOB_NAME"),
        ["request", kind, name] => {
            let k = Kind::parse(kind).ok_or_else(|| format!("unknown kind '{kind}'"))?;
            let f = facts(&env, &[])?;
            let s = settings::resolve(&env, &f).map_err(|e| e.message)?;
            let r = request::workshop_request(&s, name, k);
            println!(
                "{}",
                serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        ["summary", jobs_dir, out, notebooks @ ..] => {
            let names = notebooks
                .iter()
                .map(|n| {
                    std::path::Path::new(n)
                        .file_name()
                        .map_or_else(|| n.to_string(), |f| f.to_string_lossy().into_owned())
                })
                .collect();
            let s = kit::summary::build(
                &jobs_path(&env),
                std::path::Path::new(jobs_dir),
                names,
                std::time::SystemTime::now(),
            )
            .map_err(|e| e.to_string())?;
            let mut text = serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?;
            text.push('\n');
            std::fs::write(out, text).map_err(|e| format!("writing {out}: {e}"))?;
            print!("{}", kit::summary::render_text(&s));
            Ok(())
        }
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("kit: unknown command\n{USAGE}")),
    }
}
