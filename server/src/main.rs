//! `cairn`: the Cairn clinic portal server and its admin commands.

use clap::Parser;
use server::{cli::Cli, config::Config, telemetry};
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the same pages for less CPU (see
/// the README's load benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // An optional .env supplies variables not already set in the environment.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    if let Some(code) = server::cli::without_configuration(&cli) {
        return code;
    }
    let config = match Config::from_env(cli.production) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("cairn: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_filter);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cairn: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(server::cli::run(cli, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("cairn: {error:#}");
            ExitCode::FAILURE
        }
    }
}
