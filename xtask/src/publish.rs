//! `release publish`: publishing workspace crates in dependency order.

use std::path::PathBuf;

use crate::metadata::{Metadata, Package};
use crate::{Error, cmd};

/// Options of `release publish`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Only print the plan; never run `cargo publish`.
    pub dry_run: bool,
    /// Root `Cargo.toml` of the workspace.
    pub manifest_path: PathBuf,
}

/// Whether a `name@version` exists on crates.io.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryStatus {
    /// The exact version is on crates.io.
    Published,
    /// crates.io does not have this version.
    NotPublished,
    /// The registry could not be queried (e.g. no network); the reason.
    Unknown(String),
}

/// The crates to publish, in order, and the members that are skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'a> {
    /// Publishable members, each after its internal dependencies.
    pub order: Vec<&'a Package>,
    /// Names of members that are never published (`xtask`,
    /// `publish = false`).
    pub skipped: Vec<&'a str>,
}

/// Computes the publish [`Plan`] from workspace metadata.
pub fn plan(meta: &Metadata) -> Result<Plan<'_>, Error> {
    let mut order = Vec::new();
    let mut skipped = Vec::new();
    for name in meta.publish_order()? {
        let Some(pkg) = meta.package(&name) else {
            continue;
        };
        if pkg.publishable && pkg.name != "xtask" {
            order.push(pkg);
        } else {
            skipped.push(pkg.name.as_str());
        }
    }
    skipped.sort_unstable();
    Ok(Plan { order, skipped })
}

/// Interprets the result of `cargo info <name>@<version> --registry
/// crates-io`. `offline` says cargo was told not to use the network, in
/// which case "could not find" proves nothing.
pub fn classify_info(
    success: bool,
    stdout: &str,
    stderr: &str,
    version: &str,
    offline: bool,
) -> RegistryStatus {
    if success {
        // e.g. "version: 1.0.100 (latest 1.0.229)"
        let found = stdout.lines().any(|line| {
            line.strip_prefix("version:")
                .and_then(|rest| rest.split_whitespace().next())
                == Some(version)
        });
        return if found {
            RegistryStatus::Published
        } else {
            RegistryStatus::NotPublished
        };
    }
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| stderr.lines().last().unwrap_or("no output"))
        .trim()
        .to_owned();
    if error.contains("could not find") && !offline {
        RegistryStatus::NotPublished
    } else if offline {
        RegistryStatus::Unknown(format!("cargo is offline ({error})"))
    } else {
        RegistryStatus::Unknown(error)
    }
}

/// Asks crates.io (through `cargo info`) whether `name@version` exists.
fn registry_status(name: &str, version: &str) -> Result<RegistryStatus, Error> {
    let mut command = cmd::cargo();
    // Run outside the workspace so cargo reports the registry's package,
    // not the local member of the same name.
    command.current_dir(std::env::temp_dir()).args([
        "info",
        &format!("{name}@{version}"),
        "--registry",
        "crates-io",
    ]);
    let out = cmd::output(&mut command)?;
    let offline = std::env::var("CARGO_NET_OFFLINE").is_ok_and(|v| v == "true" || v == "1");
    Ok(classify_info(
        out.status.success(),
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
        version,
        offline,
    ))
}

/// Runs `release publish`.
pub fn run(opts: &Options) -> Result<(), Error> {
    let meta = Metadata::load(&opts.manifest_path)?;
    let plan = plan(&meta)?;
    let root = crate::workspace_dir(&opts.manifest_path);
    if opts.dry_run {
        println!("publish plan (dry run, nothing is published):");
    } else {
        println!("publishing {} crate(s):", plan.order.len());
    }
    for (i, pkg) in plan.order.iter().enumerate() {
        let (name, version) = (&pkg.name, &pkg.version);
        let status = registry_status(name, version)?;
        let step = format!("{:>3}. {name} {version}", i + 1);
        match (status, opts.dry_run) {
            (RegistryStatus::Published, true) => {
                println!("{step}: already published, would skip");
            }
            (RegistryStatus::Published, false) => {
                println!("{step}: already published, skipping");
            }
            (RegistryStatus::NotPublished, true) => {
                println!("{step}: would run `cargo publish -p {name}`");
            }
            (RegistryStatus::Unknown(why), true) => {
                println!(
                    "{step}: would run `cargo publish -p {name}` unless already \
                     published (could not query crates.io: {why})"
                );
            }
            (RegistryStatus::Unknown(why), false) => {
                return Err(Error::new(format!(
                    "cannot tell whether {name} {version} is on crates.io: {why}; \
                     stopping (nothing after this crate was published)"
                )));
            }
            (RegistryStatus::NotPublished, false) => {
                println!("{step}: publishing");
                let mut command = cmd::cargo();
                command
                    .current_dir(&root)
                    .args(["publish", "-p", name, "--manifest-path"])
                    .arg(&opts.manifest_path);
                cmd::run(&mut command)
                    .map_err(|e| Error::new(format!("publishing {name} {version} failed: {e}")))?;
            }
        }
    }
    if !plan.skipped.is_empty() {
        println!(
            "not published (publish = false): {}",
            plan.skipped.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::tests::SAMPLE_METADATA;

    #[test]
    fn plan_orders_and_skips() {
        let meta = Metadata::from_json(SAMPLE_METADATA).unwrap();
        let plan = plan(&meta).unwrap();
        let names: Vec<&str> = plan.order.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["core", "mid", "top"]);
        assert_eq!(plan.skipped, ["private", "xtask"]);
    }

    #[test]
    fn classifies_cargo_info_output() {
        let info = "serde #serde\nA framework\nversion: 1.0.100 (latest 1.0.229)\nlicense: MIT\n";
        assert_eq!(
            classify_info(true, info, "", "1.0.100", false),
            RegistryStatus::Published
        );
        assert_eq!(
            classify_info(true, info, "", "1.0.10", false),
            RegistryStatus::NotPublished
        );
        let missing = "    Updating crates.io index\nerror: could not find `x@0.1.0` in registry `crates-io`\n";
        assert_eq!(
            classify_info(false, "", missing, "0.1.0", false),
            RegistryStatus::NotPublished
        );
        assert!(matches!(
            classify_info(false, "", missing, "0.1.0", true),
            RegistryStatus::Unknown(why) if why.contains("offline")
        ));
        let net = "warning: spurious network error\nerror: download of config.json failed\n\nCaused by:\n  [7] Could not connect\n";
        assert_eq!(
            classify_info(false, "", net, "0.1.0", false),
            RegistryStatus::Unknown("error: download of config.json failed".into())
        );
    }
}
