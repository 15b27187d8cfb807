//! hcprov's entry point: parse arguments, set up logging, run the command.

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Environment variables that make the AWS SDK log request or response
/// bodies in full at trace level: with them, a trace would hold the Redis
/// AUTH token hcprov passes to ElastiCache. hcprov never honours them.
const SDK_BODY_LOGGING: &[&str] = &["LOG_SIGNABLE_BODY", "LOG_SENSITIVE_BODIES"];

fn main() -> std::process::ExitCode {
    for v in SDK_BODY_LOGGING {
        // Single-threaded here: nothing else reads the environment yet.
        std::env::remove_var(v);
    }
    let cli = hcprov::cli::Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "hcprov=info,warn",
        _ => "hcprov=debug,info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("HCPROV_LOG").unwrap_or_else(|_| EnvFilter::new(level)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .with_target(false)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    std::process::ExitCode::from(rt.block_on(hcprov::cli::run(cli)))
}
