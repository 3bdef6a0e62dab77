//! `fintra-sandbox`: runs the provider sandbox until Ctrl-C (or SIGTERM).

use std::process::ExitCode;

use fintra_sandbox::{
    APP_PORTAL_UNKNOWN_APP_ID, FINICITY_MFA_INSTITUTION_LOGIN_ID, FINICITY_UNKNOWN_INSTITUTION_ID,
    Provider, Sandbox, SandboxConfig,
};

const USAGE: &str = "usage: fintra-sandbox [--port N] [--finicity-port N] [--app-portal-port N] \
[--snaptrade-port N] [--json]

Runs local fakes of the Finicity, Svix app-portal and SnapTrade APIs on 127.0.0.1 until
Ctrl-C. Each provider is served at the root of its own listener; --port is the control
listener (GET / lists everything, /_sandbox/... is the control API). With --port N, the
providers default to N+1 (Finicity), N+2 (app portal) and N+3 (SnapTrade); without it every
port defaults to 0, a free port. --json prints the base URLs and credentials as one JSON line
on stdout.";

/// Parsed command line.
#[derive(Debug, Default, PartialEq, Eq)]
struct Args {
    port: u16,
    finicity: u16,
    app_portal: u16,
    snaptrade: u16,
    json: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut out = Args::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg.as_str(), None),
        };
        let slot = match name {
            "-h" | "--help" => return Err(String::new()),
            "--json" if inline.is_none() => {
                out.json = true;
                continue;
            }
            "-p" | "--port" => &mut out.port,
            "--finicity-port" => &mut out.finicity,
            "--app-portal-port" => &mut out.app_portal,
            "--snaptrade-port" => &mut out.snaptrade,
            _ => {
                return Err(format!(
                    "unknown argument `{arg}`; expected --port, --finicity-port, \
                     --app-portal-port, --snaptrade-port, --json or --help"
                ));
            }
        };
        let value = inline
            .or_else(|| iter.next().map(String::as_str))
            .ok_or_else(|| format!("{name} needs a value"))?;
        *slot = value
            .parse()
            .map_err(|_| format!("{name} must be a number from 0 to 65535, not `{value}`"))?;
    }
    if out.port != 0 {
        // Fixed control port: the providers take the next three unless given their own.
        for (offset, slot) in [
            (1, &mut out.finicity),
            (2, &mut out.app_portal),
            (3, &mut out.snaptrade),
        ] {
            if *slot == 0 {
                *slot = out.port.checked_add(offset).ok_or_else(|| {
                    format!(
                        "--port {} leaves no room for the provider ports (port + 1 to + 3): \
                         choose a lower port or set --finicity-port, --app-portal-port and \
                         --snaptrade-port",
                        out.port
                    )
                })?;
            }
        }
    }
    Ok(out)
}

/// The base URLs and credentials, machine-readable.
fn json_summary(sandbox: &Sandbox) -> serde_json::Value {
    let c = sandbox.credentials();
    serde_json::json!({
        "control_url": sandbox.base_url(),
        "finicity": {
            "base_url": sandbox.finicity_url(),
            "partner_id": c.finicity_partner_id,
            "partner_secret": c.finicity_partner_secret,
            "app_key": c.finicity_app_key,
            "mfa_institution_login_id": FINICITY_MFA_INSTITUTION_LOGIN_ID,
            "unknown_institution_id": FINICITY_UNKNOWN_INSTITUTION_ID,
        },
        "app_portal": {
            "base_url": sandbox.app_portal_url(),
            "token": c.app_portal_token,
            "unknown_app_id": APP_PORTAL_UNKNOWN_APP_ID,
        },
        "snaptrade": {
            "base_url": sandbox.snaptrade_root_url(),
            "legacy_base_url": sandbox.snaptrade_url(),
            "client_id": c.snaptrade_client_id,
            "consumer_key": c.snaptrade_consumer_key,
        },
    })
}

fn print_human(sandbox: &Sandbox) {
    let c = sandbox.credentials();
    println!(
        "fintra-sandbox: control and index at {}",
        sandbox.base_url()
    );
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
    println!(
        "SnapTrade   {} (legacy {})",
        sandbox.snaptrade_root_url(),
        sandbox.snaptrade_url()
    );
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
}

/// Installs the Ctrl-C and (on Unix) SIGTERM handlers now, and returns a future that ends
/// when either arrives. Installing before the base URLs are printed means a supervisor that
/// reads them and sends SIGTERM at once still gets a clean shutdown.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let ctrl_c = tokio::signal::ctrl_c();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&args) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = SandboxConfig::new()
        .port(args.port)
        .provider_port(Provider::Finicity, args.finicity)
        .provider_port(Provider::AppPortal, args.app_portal)
        .provider_port(Provider::SnapTrade, args.snaptrade);
    let sandbox = match config.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = stop_signal();
    if args.json {
        println!("{}", json_summary(&sandbox));
    } else {
        print_human(&sandbox);
    }
    stop.await;
    sandbox.shutdown().await;
    if !args.json {
        println!("stopped");
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::{Args, parse_args};

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_arguments() {
        assert_eq!(parse_args(&args(&[])), Ok(Args::default()));
        assert_eq!(
            parse_args(&args(&["--port", "8080"])),
            Ok(Args {
                port: 8080,
                finicity: 8081,
                app_portal: 8082,
                snaptrade: 8083,
                json: false
            })
        );
        let a = parse_args(&args(&["--port=9", "--app-portal-port=7"])).unwrap();
        assert_eq!(
            (a.port, a.finicity, a.app_portal, a.snaptrade),
            (9, 10, 7, 12)
        );
        let err = parse_args(&args(&["--port", "65534"])).unwrap_err();
        assert!(err.contains("--finicity-port"), "{err}");
        assert_eq!(
            parse_args(&args(&[
                "--finicity-port=1",
                "--app-portal-port",
                "2",
                "--snaptrade-port",
                "3",
                "--json"
            ])),
            Ok(Args {
                port: 0,
                finicity: 1,
                app_portal: 2,
                snaptrade: 3,
                json: true
            })
        );
        assert!(parse_args(&args(&["--port"])).is_err());
        let err = parse_args(&args(&["--port", "x"])).unwrap_err();
        assert!(err.contains("`x`"), "{err}");
        let err = parse_args(&args(&["--bogus"])).unwrap_err();
        assert!(err.contains("--snaptrade-port"), "{err}");
        assert!(parse_args(&args(&["--json=1"])).is_err());
        assert_eq!(parse_args(&args(&["--help"])), Err(String::new()));
    }
}
