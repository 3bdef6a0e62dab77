//! `fintra`: operator commands for a fleet of fintra clients.
//!
//! ```text
//! fintra finicity lockout status --partner-id P --redis-url redis://host:6379 [--json]
//! fintra finicity lockout reset  --partner-id P --redis-url redis://host:6379 [--json]
//! fintra finicity token status   --partner-id P --redis-url redis://host:6379 [--json]
//! ```
//!
//! `--partner-id` and `--redis-url` also come from `FINICITY_PARTNER_ID` and
//! `FINTRA_REDIS_URL`. No credential is needed or read. Exit status 0 on success, 1 on an
//! error (printed to stderr), 2 on a usage error.

mod args;
mod finicity;

use clap::Parser;

use crate::args::{Cli, Provider};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fintra: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Provider::Finicity(command) => finicity::run(command).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fintra: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
