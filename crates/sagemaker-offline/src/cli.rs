//! The `sagemaker-offline` command line: `serve`, `env`, `seed-gdelt`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::config::{DEFAULT_PORT, DEFAULT_REGION};
use crate::keys::{Credentials, Instance, env_exports};
use crate::seed::{SeedConfig, parse_years};
use crate::server::{ServerConfig, start};

/// Local stand-in for S3, SageMaker training/hosting, the SageMaker runtime and CloudWatch Logs.
#[derive(Debug, Parser)]
#[command(name = "sagemaker-offline", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct StateArgs {
    /// State directory (objects, jobs, endpoints, logs, key pair).
    #[arg(
        long,
        env = "SAGEMAKER_OFFLINE_STATE_DIR",
        default_value = ".sagemaker-offline"
    )]
    state_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve S3, SageMaker, the SageMaker runtime and CloudWatch Logs (on 127.0.0.1 by default).
    Serve {
        #[command(flatten)]
        state: StateArgs,
        /// Port to listen on.
        #[arg(long, env = "SAGEMAKER_OFFLINE_PORT", default_value_t = DEFAULT_PORT)]
        port: u16,
        /// Address to listen on. Anything but a loopback address also needs --allow-non-loopback:
        /// the stand-in has one key pair and no TLS, so other machines should not reach it by accident.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Accept a non-loopback --bind (prints a warning at start-up).
        #[arg(long)]
        allow_non_loopback: bool,
        /// Region the stand-in runs in: reported in ARNs and printed by `env`; SageMaker, Logs and
        /// the runtime refuse requests signed for another region, as AWS's regional endpoints do.
        /// (S3 buckets keep their own regions: gdelt-open-data is in us-east-1.)
        #[arg(long, env = "SAGEMAKER_OFFLINE_REGION", default_value = DEFAULT_REGION)]
        region: String,
        /// Refuse this fraction (0 to 1) of the requests as throttled (S3: 503 SlowDown; SageMaker,
        /// Logs, runtime: ThrottlingException; STS: Throttling), to test clients' retries.
        #[arg(long, env = "SAGEMAKER_OFFLINE_THROTTLE", value_parser = crate::throttle::parse_rate)]
        inject_throttling: Option<f64>,
        /// Seed of the throttled requests' sequence (the same seed refuses the same requests).
        #[arg(long, env = "SAGEMAKER_OFFLINE_THROTTLE_SEED", default_value_t = 0)]
        throttle_seed: u64,
        /// Record every SageMaker, Logs and runtime call (request and answer, JSON lines) into
        /// files in this directory, for the conformance check (scripts/check-conformance.py).
        #[arg(long, env = "SAGEMAKER_OFFLINE_RECORD")]
        record: Option<PathBuf>,
        /// Size of the seeded GDELT files as a fraction of the real row counts.
        #[arg(long, env = "SAGEMAKER_OFFLINE_GDELT_SCALE", default_value_t = 1.0)]
        gdelt_scale: f64,
        /// Do not seed `gdelt-open-data` at start-up.
        #[arg(long)]
        no_seed: bool,
        /// Answer DescribeNotebookInstance for a notebook instance of this name (repeatable), whose
        /// RoleArn is the stand-in account's AmazonSageMaker-ExecutionRole-sagemaker-offline: what
        /// the kit reads on a notebook instance (the notebook-instance rehearsal).
        #[arg(long = "notebook-instance", value_name = "NAME")]
        notebook_instances: Vec<String>,
        /// Access key id to accept (stored in the state dir; default: generated once).
        #[arg(long, env = "SAGEMAKER_OFFLINE_ACCESS_KEY", requires = "secret_key")]
        access_key: Option<String>,
        /// Secret access key to accept.
        #[arg(
            long,
            env = "SAGEMAKER_OFFLINE_SECRET_KEY",
            requires = "access_key",
            hide_env_values = true
        )]
        secret_key: Option<String>,
    },
    /// Print `export AWS_…` lines for this instance: `eval "$(sagemaker-offline env)"`.
    Env {
        #[command(flatten)]
        state: StateArgs,
        /// Port (default: the one the last `serve` in this state dir used, else 18999).
        #[arg(long, env = "SAGEMAKER_OFFLINE_PORT")]
        port: Option<u16>,
    },
    /// Write synthetic GDELT year files to s3://gdelt-open-data/events/YYYY.csv.
    SeedGdelt {
        #[command(flatten)]
        state: StateArgs,
        /// Size as a fraction of the real row counts.
        #[arg(long, env = "SAGEMAKER_OFFLINE_GDELT_SCALE", default_value_t = 1.0)]
        gdelt_scale: f64,
        /// Years, e.g. 1979-1984 or 1983.
        #[arg(long, default_value = "1979-1984")]
        years: String,
    },
}

fn credentials_for(
    state_dir: &Path,
    access: Option<String>,
    secret: Option<String>,
) -> anyhow::Result<Credentials> {
    match (access, secret) {
        (Some(access_key_id), Some(secret_access_key)) => {
            let creds = Credentials {
                access_key_id,
                secret_access_key,
            };
            if Credentials::load_or_create(state_dir).ok().as_ref() != Some(&creds) {
                creds.store(state_dir).context("storing the key pair")?;
            }
            Ok(creds)
        }
        _ => Ok(Credentials::load_or_create(state_dir)?),
    }
}

/// Refuses a non-loopback address unless the operator opted in; returns the warning to print when
/// they did.
fn check_bind(bind: IpAddr, allow_non_loopback: bool) -> anyhow::Result<Option<String>> {
    if bind.is_loopback() {
        return Ok(None);
    }
    if !allow_non_loopback {
        anyhow::bail!(
            "--bind {bind} is not a loopback address: other machines could reach the stand-in \
             (one key pair, plain HTTP). Add --allow-non-loopback if that is what you want."
        );
    }
    Ok(Some(format!(
        "sagemaker-offline: WARNING: listening on {bind}, not loopback: anyone who can reach this \
         machine and knows the key pair can use it, over plain HTTP"
    )))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            state,
            port,
            bind,
            allow_non_loopback,
            region,
            inject_throttling,
            throttle_seed,
            record,
            gdelt_scale,
            no_seed,
            notebook_instances,
            access_key,
            secret_key,
        } => {
            if let Some(warning) = check_bind(bind, allow_non_loopback)? {
                eprintln!("{warning}");
            }
            let credentials = credentials_for(&state.state_dir, access_key, secret_key)?;
            let seed_gdelt = (!no_seed).then(|| SeedConfig {
                scale: gdelt_scale,
                ..SeedConfig::default()
            });
            let config = ServerConfig {
                state_dir: state.state_dir.clone(),
                bind,
                port,
                region: region.clone(),
                credentials,
                seed_gdelt,
                throttle: inject_throttling.filter(|rate| *rate > 0.0).map(|rate| {
                    crate::throttle::ThrottleConfig {
                        rate,
                        seed: throttle_seed,
                    }
                }),
                record: record.filter(|d| !d.as_os_str().is_empty()),
                notebook_instances,
            };
            let config_throttle = config.throttle;
            let config_record = config.record.clone();
            let server = start(config).await.context("starting sagemaker-offline")?;
            Instance {
                port: server.addr.port(),
                region: region.clone(),
            }
            .store(&server.ctx.state_dir)?;
            println!("sagemaker-offline listening on {}", server.endpoint_url());
            // stdout has exactly the readiness line (scripts wait for it); the rest goes to stderr.
            eprintln!("sagemaker-offline: region {region}");
            if let Some(t) = &config_throttle {
                eprintln!(
                    "sagemaker-offline: refusing {:.0} % of requests as throttled (seed {})",
                    t.rate * 100.0,
                    t.seed
                );
            }
            if let Some(dir) = &config_record {
                eprintln!("sagemaker-offline: recording calls into {}", dir.display());
            }
            let shutdown = server.shutdown.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                eprintln!("sagemaker-offline: shutting down");
                shutdown.shutdown();
            });
            server.wait().await.context("serving")?;
            Ok(())
        }
        Command::Env { state, port } => {
            let creds = Credentials::load_or_create(&state.state_dir)?;
            let inst = Instance::load(&state.state_dir);
            let port = port
                .or(inst.as_ref().map(|i| i.port))
                .unwrap_or(DEFAULT_PORT);
            let region = inst
                .map(|i| i.region)
                .unwrap_or_else(|| DEFAULT_REGION.to_string());
            print!("{}", env_exports(port, &creds, &region));
            Ok(())
        }
        Command::SeedGdelt {
            state,
            gdelt_scale,
            years,
        } => {
            let cfg = SeedConfig {
                scale: gdelt_scale,
                years: parse_years(&years)?,
            };
            let ctx = crate::server::open_ctx(&state.state_dir, DEFAULT_REGION)?;
            let objects = ctx.objects.clone();
            let done = tokio::task::spawn_blocking(move || {
                crate::seed::seed_all(&*objects, &cfg, &mut |line| println!("{line}"))
            })
            .await??;
            let rows: u64 = done.iter().map(|d| d.1).sum();
            println!("seeded {} year files, {rows} rows", done.len());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_parses() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
        let c = Cli::try_parse_from([
            "sagemaker-offline",
            "serve",
            "--port",
            "0",
            "--state-dir",
            "/tmp/x",
            "--gdelt-scale",
            "0.01",
        ])
        .unwrap();
        match c.command {
            Command::Serve {
                port,
                gdelt_scale,
                state,
                ..
            } => {
                assert_eq!(
                    (port, gdelt_scale, state.state_dir),
                    (0, 0.01, PathBuf::from("/tmp/x"))
                );
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(Cli::try_parse_from(["sagemaker-offline", "serve", "--access-key", "A"]).is_err());
        assert!(
            Cli::try_parse_from(["sagemaker-offline", "serve", "--bind", "localhost"]).is_err()
        );
    }

    #[test]
    fn non_loopback_bind_needs_the_flag_and_warns() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let lo6: IpAddr = "::1".parse().unwrap();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        assert!(check_bind(lo, false).unwrap().is_none());
        assert!(check_bind(lo6, false).unwrap().is_none());
        let err = check_bind(any, false).unwrap_err().to_string();
        assert!(err.contains("--allow-non-loopback"), "{err}");
        assert!(err.contains("0.0.0.0"), "{err}");
        let warning = check_bind(any, true).unwrap().unwrap();
        assert!(
            warning.contains("WARNING") && warning.contains("0.0.0.0"),
            "{warning}"
        );
    }
}
