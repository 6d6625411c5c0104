//! `sagemaker-offline` binary: see [`sagemaker_offline::cli`].

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SAGEMAKER_OFFLINE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = sagemaker_offline::cli::Cli::parse();
    match sagemaker_offline::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sagemaker-offline: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
