//! The `sagemaker-offline` command line: `serve`, `env`, `seed-gdelt`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::keys::{Credentials, DEFAULT_PORT, DEFAULT_REGION, Instance, env_exports};
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
    /// Serve S3, SageMaker, the SageMaker runtime and CloudWatch Logs on 127.0.0.1.
    Serve {
        #[command(flatten)]
        state: StateArgs,
        /// Port on 127.0.0.1.
        #[arg(long, env = "SAGEMAKER_OFFLINE_PORT", default_value_t = DEFAULT_PORT)]
        port: u16,
        /// Region reported in ARNs and printed by `env`.
        #[arg(long, env = "SAGEMAKER_OFFLINE_REGION", default_value = DEFAULT_REGION)]
        region: String,
        /// Size of the seeded GDELT files as a fraction of the real row counts.
        #[arg(long, env = "SAGEMAKER_OFFLINE_GDELT_SCALE", default_value_t = 1.0)]
        gdelt_scale: f64,
        /// Do not seed `gdelt-open-data` at start-up.
        #[arg(long)]
        no_seed: bool,
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
                std::fs::create_dir_all(state_dir)?;
                let path = Credentials::path(state_dir);
                std::fs::write(&path, serde_json::to_vec_pretty(&creds)?)
                    .with_context(|| format!("storing the key pair in {}", path.display()))?;
            }
            Ok(creds)
        }
        _ => Ok(Credentials::load_or_create(state_dir)?),
    }
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
            region,
            gdelt_scale,
            no_seed,
            access_key,
            secret_key,
        } => {
            let credentials = credentials_for(&state.state_dir, access_key, secret_key)?;
            let seed_gdelt = (!no_seed).then(|| SeedConfig {
                scale: gdelt_scale,
                ..SeedConfig::default()
            });
            let config = ServerConfig {
                state_dir: state.state_dir.clone(),
                port,
                region: region.clone(),
                credentials,
                seed_gdelt,
            };
            let server = start(config).await.context("starting sagemaker-offline")?;
            Instance {
                port: server.addr.port(),
                region,
            }
            .store(&server.ctx.state_dir)?;
            println!("sagemaker-offline listening on {}", server.endpoint_url());
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
                crate::seed::seed_all(&objects, &cfg, &mut |line| println!("{line}"))
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
    }
}
