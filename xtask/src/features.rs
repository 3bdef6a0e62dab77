//! Which features `cargo xtask test` turns on: every feature of every
//! workspace member except those that need a system library.

use std::collections::BTreeSet;

use crate::metadata::{Metadata, Package};

/// Features left out of the test command because they link a system library:
/// `native-tls` builds `openssl-sys` (needs `libssl-dev` and `pkg-config`).
/// CI tests them in a separate step that installs those packages.
pub const EXCLUDED: &[&str] = &["native-tls"];

/// The `--features` list for `cargo test --workspace`: `package/feature` for
/// every feature of every member, except `default` (on anyway) and any
/// feature that is, or transitively enables, one of [`EXCLUDED`] (in the
/// package itself or, through `dep/feature`, in a dependency).
///
/// The result is sorted, so the printed command is stable.
pub fn test_features(meta: &Metadata) -> Vec<String> {
    features_where(meta, false)
}

/// The features [`test_features`] leaves out, as `package/feature`, for the
/// report printed by `cargo xtask test`.
pub fn excluded_features(meta: &Metadata) -> Vec<String> {
    features_where(meta, true)
}

/// Every non-`default` feature, as `package/feature`, whose exclusion is
/// `excluded`; sorted.
fn features_where(meta: &Metadata, excluded: bool) -> Vec<String> {
    let mut list: Vec<String> = meta
        .packages
        .iter()
        .flat_map(|package| {
            package
                .features
                .keys()
                .filter(move |feature| {
                    *feature != "default" && enables_excluded(package, feature) == excluded
                })
                .map(|feature| format!("{}/{feature}", package.name))
        })
        .collect();
    list.sort();
    list
}

/// Whether `feature` of `package` is excluded or turns on an excluded
/// feature, directly or through other features of the same package.
fn enables_excluded(package: &Package, feature: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![feature.to_owned()];
    while let Some(current) = stack.pop() {
        if !seen.insert(current.clone()) {
            continue;
        }
        if is_excluded_name(&current) {
            return true;
        }
        // A plain name is another feature of the package; `dep:x` enables
        // nothing further; `x/f` and `x?/f` were judged by name above.
        stack.extend(
            package
                .features
                .get(&current)
                .into_iter()
                .flatten()
                .cloned(),
        );
    }
    false
}

/// `native-tls`, `dep/native-tls` or `dep?/native-tls`.
fn is_excluded_name(entry: &str) -> bool {
    let name = entry.rsplit_once('/').map_or(entry, |(_, f)| f);
    EXCLUDED.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Features of a workspace shaped like fintra's: TLS features forwarded
    /// through optional provider dependencies, and an umbrella feature.
    const METADATA: &str = r#"{"packages": [
      {"name": "core", "version": "0.1.0", "dependencies": [],
       "features": {"default": ["rustls"], "rustls": ["dep:rustls"],
                    "native-tls": ["reqwest/native-tls"], "test-util": []}},
      {"name": "umbrella", "version": "0.1.0", "dependencies": [],
       "features": {"default": ["rustls"],
                    "rustls": ["core/rustls", "provider?/rustls"],
                    "native-tls": ["core/native-tls", "provider?/native-tls"],
                    "provider": ["dep:provider"],
                    "full": ["provider"],
                    "system-tls": ["native-tls"],
                    "everything": ["full", "system-tls"]}},
      {"name": "sandbox", "version": "0.1.0", "dependencies": [], "features": {}},
      {"name": "old-cargo", "version": "0.1.0", "dependencies": []}
    ]}"#;

    fn meta() -> Metadata {
        Metadata::from_json(METADATA).unwrap()
    }

    #[test]
    fn selects_every_feature_but_native_tls_and_default() {
        assert_eq!(
            test_features(&meta()),
            [
                "core/rustls",
                "core/test-util",
                "umbrella/full",
                "umbrella/provider",
                "umbrella/rustls",
            ]
        );
    }

    #[test]
    fn features_that_enable_native_tls_are_excluded_too() {
        // `system-tls` enables `native-tls`; `everything` enables it through
        // `system-tls`.
        assert_eq!(
            excluded_features(&meta()),
            [
                "core/native-tls",
                "umbrella/everything",
                "umbrella/native-tls",
                "umbrella/system-tls",
            ]
        );
    }

    #[test]
    fn a_new_feature_is_picked_up() {
        let json = METADATA.replace(r#""test-util": []"#, r#""test-util": [], "tracing": []"#);
        let meta = Metadata::from_json(&json).unwrap();
        assert!(test_features(&meta).contains(&"core/tracing".to_owned()));
    }

    #[test]
    fn dependency_feature_syntax_is_recognised() {
        assert!(is_excluded_name("native-tls"));
        assert!(is_excluded_name("reqwest/native-tls"));
        assert!(is_excluded_name("provider?/native-tls"));
        assert!(!is_excluded_name("dep:native-tls-crate"));
        assert!(!is_excluded_name("rustls"));
    }

    #[test]
    fn feature_cycles_terminate() {
        let json = r#"{"packages": [{"name": "a", "version": "0.1.0", "dependencies": [],
            "features": {"x": ["y"], "y": ["x"]}}]}"#;
        let meta = Metadata::from_json(json).unwrap();
        assert_eq!(test_features(&meta), ["a/x", "a/y"]);
    }
}
