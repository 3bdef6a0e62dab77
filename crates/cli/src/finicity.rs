//! `fintra finicity …`: reads and resets the fleet state of a partner in Redis.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fintra_finicity::auth::{BudgetRecord, MAX_LOCKOUT_THRESHOLD, RedisAdmin, TOKEN_LIFETIME};
use serde::Serialize;

use crate::args::{FinicityCommand, LockoutCommand, Target, TokenCommand};

/// The default budget of the client (`TokenSettings::default()`).
const DEFAULT_BUDGET: u32 = 3;

/// The token age after which clients stop using it (`TokenSettings::default().max_age`).
const CLIENT_MAX_AGE: Duration = Duration::from_secs(115 * 60);

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn when(t: SystemTime) -> String {
    httpdate::fmt_http_date(t)
}

fn secs(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}m{:02}s", s / 60, s % 60)
}

#[derive(Serialize)]
struct Lockout {
    partner_id: String,
    redis: String,
    key: String,
    failures: u32,
    in_flight: u32,
    account_locked: bool,
    last_attempt_unix_ms: Option<u64>,
    last_rotation_unix_ms: Option<u64>,
    default_budget: u32,
    spent_at_default_budget: bool,
}

impl Lockout {
    fn new(
        admin: &RedisAdmin,
        partner_id: &str,
        budget: BudgetRecord,
        rotation: Option<u64>,
    ) -> Self {
        Lockout {
            partner_id: partner_id.to_owned(),
            redis: admin.url().to_owned(),
            key: admin.budget_key().to_owned(),
            failures: budget.failures,
            in_flight: budget.in_flight,
            account_locked: budget.locked,
            last_attempt_unix_ms: budget.last_attempt_at.map(millis),
            last_rotation_unix_ms: rotation,
            default_budget: DEFAULT_BUDGET,
            spent_at_default_budget: budget.locked || budget.used() >= DEFAULT_BUDGET,
        }
    }

    fn print(&self, json: bool, heading: &str) -> Result<(), String> {
        if json {
            return print_json(self);
        }
        println!("{heading}");
        println!("  partner id:       {}", self.partner_id);
        println!(
            "  recorded in:      redis key {} at {}",
            self.key, self.redis
        );
        println!("  failed attempts:  {}", self.failures);
        println!("  in flight:        {}", self.in_flight);
        println!(
            "  account locked:   {}",
            if self.account_locked {
                "yes (Finicity answered 24302: ask Finicity support to unlock it first)"
            } else {
                "no"
            }
        );
        if let Some(ms) = self.last_attempt_unix_ms {
            println!(
                "  last attempt:     {}",
                when(UNIX_EPOCH + Duration::from_millis(ms))
            );
        }
        if let Some(ms) = self.last_rotation_unix_ms {
            println!(
                "  secret rotated:   {}",
                when(UNIX_EPOCH + Duration::from_millis(ms))
            );
        }
        println!(
            "  budget:           clients stop at failures + in flight >= their budget \
             (default {DEFAULT_BUDGET}, at most {MAX_LOCKOUT_THRESHOLD}; Finicity locks at 5): {}",
            if self.spent_at_default_budget {
                "SPENT"
            } else {
                "available"
            }
        );
        Ok(())
    }
}

#[derive(Serialize)]
struct Token {
    partner_id: String,
    redis: String,
    present: bool,
    generation: Option<u64>,
    issued_unix_ms: Option<u64>,
    age_secs: Option<u64>,
    finicity_expiry_unix_ms: Option<u64>,
    clients_stop_using_unix_ms: Option<u64>,
    redis_ttl_secs: Option<u64>,
}

fn print_json(value: &impl Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

/// Runs a `fintra finicity` command.
pub async fn run(command: FinicityCommand) -> Result<(), String> {
    match command {
        FinicityCommand::Lockout(LockoutCommand::Status(target)) => status(&target).await,
        FinicityCommand::Lockout(LockoutCommand::Reset(target)) => reset(&target).await,
        FinicityCommand::Token(TokenCommand::Status(target)) => token(&target).await,
    }
}

async fn admin(target: &Target) -> Result<RedisAdmin, String> {
    if target.partner_id.trim().is_empty() {
        return Err("the partner id is empty: pass --partner-id or set FINICITY_PARTNER_ID".into());
    }
    RedisAdmin::connect(&target.redis_url, &target.partner_id)
        .await
        .map_err(|e| format!("{e}; check --redis-url / FINTRA_REDIS_URL"))
}

async fn lockout(admin: &RedisAdmin, target: &Target) -> Result<Lockout, String> {
    let budget = admin.budget().await.map_err(|e| e.to_string())?;
    let rotation = admin.rotation().await.map_err(|e| e.to_string())?;
    Ok(Lockout::new(
        admin,
        &target.partner_id,
        budget,
        rotation.map(|r| millis(r.rotated_at)),
    ))
}

async fn status(target: &Target) -> Result<(), String> {
    let admin = admin(target).await?;
    lockout(&admin, target)
        .await?
        .print(target.json, "Finicity lockout budget")
}

async fn reset(target: &Target) -> Result<(), String> {
    let admin = admin(target).await?;
    let before = lockout(&admin, target).await?;
    admin.reset_budget().await.map_err(|e| e.to_string())?;
    let after = lockout(&admin, target).await?;
    if target.json {
        return print_json(&serde_json::json!({ "before": before, "after": after }));
    }
    println!(
        "reset the Finicity lockout budget of partner {} ({} failed, {} in flight, locked: {})",
        target.partner_id,
        before.failures,
        before.in_flight,
        if before.account_locked { "yes" } else { "no" }
    );
    after.print(false, "now")
}

async fn token(target: &Target) -> Result<(), String> {
    let admin = admin(target).await?;
    let info = admin.token_info().await.map_err(|e| e.to_string())?;
    let now = SystemTime::now();
    let view = Token {
        partner_id: target.partner_id.clone(),
        redis: admin.url().to_owned(),
        present: info.is_some(),
        generation: info.map(|i| i.generation),
        issued_unix_ms: info.map(|i| millis(i.issued_at)),
        age_secs: info.map(|i| {
            now.duration_since(i.issued_at)
                .unwrap_or_default()
                .as_secs()
        }),
        finicity_expiry_unix_ms: info.map(|i| millis(i.issued_at + TOKEN_LIFETIME)),
        clients_stop_using_unix_ms: info.map(|i| millis(i.issued_at + CLIENT_MAX_AGE)),
        redis_ttl_secs: info.and_then(|i| i.ttl).map(|t| t.as_secs()),
    };
    if target.json {
        return print_json(&view);
    }
    println!("Finicity shared token (the token itself is sealed and never shown)");
    println!("  partner id:   {}", view.partner_id);
    println!("  redis:        {}", view.redis);
    let Some(info) = info else {
        println!("  no token stored: the next call of any client fetches one");
        return Ok(());
    };
    println!("  generation:   {}", info.generation);
    println!("  issued:       {}", when(info.issued_at));
    println!(
        "  age:          {}",
        secs(now.duration_since(info.issued_at).unwrap_or_default())
    );
    println!(
        "  expires:      {} (Finicity: 2 h)",
        when(info.issued_at + TOKEN_LIFETIME)
    );
    println!(
        "  replaced by:  {} at the latest (clients stop using it after 115 min)",
        when(info.issued_at + CLIENT_MAX_AGE)
    );
    Ok(())
}
