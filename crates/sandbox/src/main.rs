//! `fintra-sandbox [--port N]`: runs the provider sandbox until Ctrl-C.

use std::process::ExitCode;

use fintra_sandbox::{
    APP_PORTAL_UNKNOWN_APP_ID, FINICITY_MFA_INSTITUTION_LOGIN_ID, FINICITY_UNKNOWN_INSTITUTION_ID,
    SandboxConfig,
};

const USAGE: &str = "usage: fintra-sandbox [--port N]\n\n\
Runs local fakes of the Finicity, Svix app-portal and SnapTrade APIs on 127.0.0.1\n\
until Ctrl-C. Without --port a free port is chosen.";

fn parse_port(args: &[String]) -> Result<u16, String> {
    let mut port = 0;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let value = match arg.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "-p" | "--port" => iter.next().map(String::as_str),
            other => match other.strip_prefix("--port=") {
                Some(v) => Some(v),
                None => return Err(format!("unknown argument `{other}`")),
            },
        };
        port = value
            .ok_or("--port needs a value")?
            .parse()
            .map_err(|_| "--port must be a number from 0 to 65535".to_owned())?;
    }
    Ok(port)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match parse_port(&args) {
        Ok(p) => p,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match SandboxConfig::new().port(port).start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let c = sandbox.credentials();
    println!("fintra-sandbox listening on {}", sandbox.base_url());
    println!();
    println!("Finicity    {}", sandbox.finicity_url());
    println!("  Finicity-App-Key  {}", c.finicity_app_key);
    println!("  partnerId         {}", c.finicity_partner_id);
    println!("  partnerSecret     {}", c.finicity_partner_secret);
    println!(
        "  MFA institution_login_id {FINICITY_MFA_INSTITUTION_LOGIN_ID}, unknown institution_id {FINICITY_UNKNOWN_INSTITUTION_ID}"
    );
    println!("App portal  {}", sandbox.app_portal_url());
    println!("  bearer token      {}", c.app_portal_token);
    println!("  unknown app_id    {APP_PORTAL_UNKNOWN_APP_ID}");
    println!("SnapTrade   {}", sandbox.snaptrade_url());
    println!("  clientId          {}", c.snaptrade_client_id);
    println!("  consumerKey       {}", c.snaptrade_consumer_key);
    println!();
    println!(
        "Control: POST {0}/_sandbox/faults, DELETE {0}/_sandbox/faults, GET {0}/_sandbox/stats,",
        sandbox.base_url()
    );
    println!(
        "         POST {0}/_sandbox/reset, POST {0}/_sandbox/clock/advance {{\"seconds\":N}}",
        sandbox.base_url()
    );
    println!("Press Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    sandbox.shutdown().await;
    println!("stopped");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse_port;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_ports() {
        assert_eq!(parse_port(&args(&[])), Ok(0));
        assert_eq!(parse_port(&args(&["--port", "8080"])), Ok(8080));
        assert_eq!(parse_port(&args(&["--port=9"])), Ok(9));
        assert!(parse_port(&args(&["--port"])).is_err());
        assert!(parse_port(&args(&["--port", "x"])).is_err());
        assert!(parse_port(&args(&["--bogus"])).is_err());
        assert_eq!(parse_port(&args(&["--help"])), Err(String::new()));
    }
}
