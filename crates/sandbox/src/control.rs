//! The `/_sandbox/` control API used by the binary (and by anything that cannot call the
//! library API): faults, stats, clock and reset.

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::faults::Fault;
use crate::state::Shared;
use crate::wire::{Reply, Request};

fn error(status: StatusCode, message: &str) -> Reply {
    Reply::json(status, &json!({ "error": message }))
}

/// Handles a request below `/_sandbox`.
pub(crate) fn handle(shared: &Shared, req: &Request) -> Reply {
    let sub = req.path.trim_start_matches("/_sandbox");
    match (sub, &req.method) {
        ("/faults", &Method::POST) => match Fault::from_json(&req.body) {
            Ok(fault) => {
                shared.faults().push(fault);
                Reply::empty(StatusCode::NO_CONTENT)
            }
            Err(e) => error(StatusCode::BAD_REQUEST, &format!("invalid fault: {e}")),
        },
        ("/faults", &Method::DELETE) => {
            shared.faults().clear();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        ("/stats", &Method::GET) => {
            Reply::json(StatusCode::OK, &shared.counters().snapshot().to_json())
        }
        ("/reset", &Method::POST) => {
            shared.reset_state();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        ("/clock/advance", &Method::POST) => {
            let seconds = serde_json::from_slice::<Value>(&req.body)
                .ok()
                .and_then(|v| v.get("seconds").and_then(Value::as_u64));
            match seconds {
                Some(s) => {
                    shared.advance_time(Duration::from_secs(s));
                    Reply::empty(StatusCode::NO_CONTENT)
                }
                None => error(
                    StatusCode::BAD_REQUEST,
                    "expected {\"seconds\": <non-negative integer>}",
                ),
            }
        }
        ("/faults" | "/stats" | "/reset" | "/clock/advance", _) => {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => error(StatusCode::NOT_FOUND, "unknown control endpoint"),
    }
}
