//! Command-line arguments (clap derive).

use clap::{Args, Parser, Subcommand};

/// fintra operator commands.
#[derive(Debug, Parser)]
#[command(name = "fintra", version, about = "fintra operator commands")]
pub struct Cli {
    /// The provider.
    #[command(subcommand)]
    pub command: Provider,
}

/// Providers with operator commands.
#[derive(Debug, Subcommand)]
pub enum Provider {
    /// Finicity: the fleet's lockout budget and shared token (Redis store).
    #[command(subcommand)]
    Finicity(FinicityCommand),
}

/// `fintra finicity …`
#[derive(Debug, Subcommand)]
pub enum FinicityCommand {
    /// The lockout budget: failed authentication attempts recorded for the partner.
    #[command(subcommand)]
    Lockout(LockoutCommand),
    /// The fleet's shared access token.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `fintra finicity lockout …`
#[derive(Debug, Subcommand)]
pub enum LockoutCommand {
    /// Shows the recorded failures, attempts in flight, the account-locked mark and the
    /// last secret rotation.
    Status(Target),
    /// Clears the budget (failures, attempts in flight, account-locked mark) so that the
    /// fleet may call CreateToken again. Fix the credentials first (see the runbook).
    Reset(Target),
}

/// `fintra finicity token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Shows the token's age, expiry and generation (never the token).
    Status(Target),
}

/// Which partner, where, and how to print.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// The Finicity partner id.
    #[arg(long, env = "FINICITY_PARTNER_ID")]
    pub partner_id: String,
    /// The Redis URL of the fleet's store, e.g. `redis://127.0.0.1:6379`.
    #[arg(long, env = "FINTRA_REDIS_URL")]
    pub redis_url: String,
    /// Prints JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
