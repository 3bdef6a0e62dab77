//! The subset of `cargo metadata --format-version 1 --no-deps` the release
//! tooling needs, and the publish-order topological sort.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::{Error, cmd};

/// Kind of a dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

/// One dependency declaration of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// Name of the depended-on package (not the rename).
    pub name: String,
    /// Version requirement; `"*"` when the manifest gives none.
    pub req: String,
    /// Which dependency table it comes from.
    pub kind: DepKind,
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Current version string.
    pub version: String,
    /// `false` for `publish = false` (metadata `"publish": []`) or a
    /// registry list that does not include crates.io.
    pub publishable: bool,
    /// `package.description`.
    pub description: Option<String>,
    /// `package.license`.
    pub license: Option<String>,
    /// `package.license-file`.
    pub license_file: Option<String>,
    /// `package.repository`.
    pub repository: Option<String>,
    /// All dependency declarations.
    pub dependencies: Vec<Dependency>,
    /// `[package.metadata.docs.rs] all-features = true`: docs.rs documents
    /// every feature.
    pub docs_rs_all_features: bool,
    /// `[features]`: each feature and what it enables (`"dep:x"`, `"x/f"`,
    /// `"x?/f"` or another feature of the package).
    pub features: BTreeMap<String, Vec<String>>,
}

impl Package {
    /// Names of other workspace members this package needs at publish time
    /// (normal and build dependencies; dev-dependencies are not needed).
    pub fn internal_publish_deps<'a>(
        &'a self,
        members: &'a BTreeSet<&'a str>,
    ) -> impl Iterator<Item = &'a Dependency> + 'a {
        self.dependencies.iter().filter(move |d| {
            d.kind != DepKind::Dev && d.name != self.name && members.contains(d.name.as_str())
        })
    }
}

/// Workspace members as reported by `cargo metadata --no-deps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The members, in metadata order.
    pub packages: Vec<Package>,
}

impl Metadata {
    /// Runs `cargo metadata --format-version 1 --no-deps` on `manifest_path`
    /// and parses its output. Works offline (nothing is resolved).
    pub fn load(manifest_path: &Path) -> Result<Self, Error> {
        let mut command = cmd::cargo();
        command
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--manifest-path",
            ])
            .arg(manifest_path);
        Self::from_json(&cmd::stdout(&mut command)?)
    }

    /// Parses `cargo metadata` JSON output.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let root: Value = serde_json::from_str(json)
            .map_err(|e| Error::new(format!("invalid cargo metadata JSON: {e}")))?;
        let packages = root
            .get("packages")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::new("cargo metadata: missing `packages` array"))?
            .iter()
            .map(parse_package)
            .collect::<Result<_, _>>()?;
        Ok(Self { packages })
    }

    /// Names of all members.
    pub fn member_names(&self) -> BTreeSet<&str> {
        self.packages.iter().map(|p| p.name.as_str()).collect()
    }

    /// Looks a member up by name.
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// All members ordered so that every member comes after the members it
    /// depends on (normal + build dependencies). Errors on a cycle.
    pub fn publish_order(&self) -> Result<Vec<String>, Error> {
        let members = self.member_names();
        let graph = self
            .packages
            .iter()
            .map(|p| {
                let deps = p
                    .internal_publish_deps(&members)
                    .map(|d| d.name.clone())
                    .collect();
                (p.name.clone(), deps)
            })
            .collect();
        topo_sort(&graph)
    }
}

/// Parses one element of `packages`.
fn parse_package(pkg: &Value) -> Result<Package, Error> {
    let name = str_field(pkg, "name")
        .ok_or_else(|| Error::new("cargo metadata: package without a name"))?;
    let version = str_field(pkg, "version")
        .ok_or_else(|| Error::new(format!("cargo metadata: `{name}` has no version")))?;
    // `null`: publishable anywhere; `[]`: publish = false; `[..]`: only the
    // listed registries.
    let publishable = match pkg.get("publish") {
        None | Some(Value::Null) => true,
        Some(Value::Array(registries)) => registries.iter().any(|r| r == "crates-io"),
        Some(other) => {
            return Err(Error::new(format!(
                "cargo metadata: `{name}` has unexpected `publish` value {other}"
            )));
        }
    };
    let dependencies = pkg
        .get("dependencies")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|dep| parse_dependency(&name, dep))
        .collect::<Result<_, _>>()?;
    let features = match pkg.get("features") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(feature, enables)| {
                let enables = enables
                    .as_array()
                    .map(|list| {
                        list.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .ok_or_else(|| {
                        Error::new(format!(
                            "cargo metadata: feature `{feature}` of `{name}` is not a list"
                        ))
                    })?;
                Ok((feature.clone(), enables))
            })
            .collect::<Result<_, Error>>()?,
        Some(other) => {
            return Err(Error::new(format!(
                "cargo metadata: `{name}` has unexpected `features` value {other}"
            )));
        }
    };
    let docs_rs_all_features = pkg
        .pointer("/metadata/docs/rs/all-features")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Package {
        publishable,
        docs_rs_all_features,
        features,
        description: str_field(pkg, "description"),
        license: str_field(pkg, "license"),
        license_file: str_field(pkg, "license_file"),
        repository: str_field(pkg, "repository"),
        dependencies,
        name,
        version,
    })
}

/// Parses one element of a package's `dependencies`.
fn parse_dependency(package: &str, dep: &Value) -> Result<Dependency, Error> {
    let name = str_field(dep, "name").ok_or_else(|| {
        Error::new(format!(
            "cargo metadata: `{package}` has a dependency without a name"
        ))
    })?;
    let kind = match dep.get("kind").and_then(Value::as_str) {
        None => DepKind::Normal,
        Some("dev") => DepKind::Dev,
        Some("build") => DepKind::Build,
        Some(other) => {
            return Err(Error::new(format!(
                "cargo metadata: `{package}` -> `{name}` has unknown kind `{other}`"
            )));
        }
    };
    Ok(Dependency {
        req: str_field(dep, "req").unwrap_or_else(|| "*".to_owned()),
        name,
        kind,
    })
}

/// A string field, `None` when absent or `null`.
fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Topologically sorts `graph` (node -> the nodes it depends on) so that
/// every node comes after its dependencies. Ties are broken by name, so the
/// result is deterministic. Dependencies that are not nodes are ignored.
///
/// Errors with the offending path (`a -> b -> a`) if there is a cycle.
pub fn topo_sort(graph: &BTreeMap<String, BTreeSet<String>>) -> Result<Vec<String>, Error> {
    // Remaining unsatisfied dependencies per node, and reverse edges.
    let mut pending: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (node, deps) in graph {
        let deps: Vec<&str> = deps
            .iter()
            .map(String::as_str)
            .filter(|d| graph.contains_key(*d))
            .collect();
        pending.insert(node, deps.len());
        for dep in deps {
            dependents.entry(dep).or_default().push(node);
        }
    }
    let mut ready: BTreeSet<&str> = pending
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(node, _)| *node)
        .collect();
    let mut order = Vec::with_capacity(graph.len());
    while let Some(node) = ready.pop_first() {
        pending.remove(node);
        order.push(node.to_owned());
        for &dependent in dependents.get(node).map(Vec::as_slice).unwrap_or_default() {
            if let Some(n) = pending.get_mut(dependent) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(dependent);
                }
            }
        }
    }
    if pending.is_empty() {
        return Ok(order);
    }
    Err(Error::new(format!(
        "dependency cycle between workspace members: {}",
        find_cycle(graph, &pending.keys().copied().collect()).join(" -> ")
    )))
}

/// Finds one cycle among `remaining` nodes, each of which has at least one
/// dependency in `remaining` (what Kahn's algorithm leaves behind).
fn find_cycle<'a>(
    graph: &'a BTreeMap<String, BTreeSet<String>>,
    remaining: &BTreeSet<&'a str>,
) -> Vec<&'a str> {
    let Some(&start) = remaining.first() else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut current = start;
    loop {
        let next = graph.get(current).and_then(|deps| {
            deps.iter()
                .map(String::as_str)
                .find(|d| remaining.contains(d))
        });
        let Some(next) = next else {
            return path; // unreachable given the precondition
        };
        if let Some(pos) = path.iter().position(|n| *n == next) {
            let mut cycle = path.split_off(pos);
            cycle.push(next);
            return cycle;
        }
        path.push(next);
        current = next;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        edges
            .iter()
            .map(|(node, deps)| {
                (
                    (*node).to_owned(),
                    deps.iter().map(|d| (*d).to_owned()).collect(),
                )
            })
            .collect()
    }

    fn assert_valid_order(graph: &BTreeMap<String, BTreeSet<String>>, order: &[String]) {
        assert_eq!(order.len(), graph.len(), "{order:?}");
        let pos = |n: &str| order.iter().position(|o| o == n).unwrap();
        for (node, deps) in graph {
            for dep in deps {
                assert!(
                    pos(dep) < pos(node),
                    "{dep} must precede {node} in {order:?}"
                );
            }
        }
    }

    #[test]
    fn topo_sort_fintra_graph() {
        let g = graph(&[
            (
                "fintra",
                &[
                    "fintra-core",
                    "fintra-finicity",
                    "fintra-connect-components",
                    "fintra-app-portal",
                ],
            ),
            (
                "fintra-connect-components",
                &["fintra-finicity", "fintra-core"],
            ),
            ("fintra-finicity", &["fintra-core"]),
            ("fintra-app-portal", &["fintra-core"]),
            ("fintra-core", &[]),
        ]);
        let order = topo_sort(&g).unwrap();
        assert_valid_order(&g, &order);
        // Deterministic: ties broken by name.
        assert_eq!(
            order,
            [
                "fintra-core",
                "fintra-app-portal",
                "fintra-finicity",
                "fintra-connect-components",
                "fintra",
            ]
        );
    }

    #[test]
    fn topo_sort_ignores_unknown_deps() {
        let g = graph(&[("a", &["b", "serde"]), ("b", &[])]);
        assert_eq!(topo_sort(&g).unwrap(), ["b", "a"]);
    }

    #[test]
    fn topo_sort_detects_cycles() {
        let g = graph(&[
            ("core", &[]),
            ("a", &["core", "c"]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("top", &["a"]),
        ]);
        let err = topo_sort(&g).unwrap_err().to_string();
        assert!(err.contains("cycle"), "{err}");
        assert!(err.contains("a -> c -> b -> a"), "{err}");

        let self_loop = graph(&[("x", &["x"])]);
        let err = topo_sort(&self_loop).unwrap_err().to_string();
        assert!(err.contains("x -> x"), "{err}");
    }

    /// Synthetic `cargo metadata` output used by this module's and
    /// `check`'s tests: `top` -> `mid` -> `core`, `top` -> `core`,
    /// `private` (publish = false) -> `core`, `core` has a self dev-dep.
    pub(crate) const SAMPLE_METADATA: &str = r#"{
      "packages": [
        {"name": "top", "version": "0.2.0", "publish": null,
         "metadata": {"docs": {"rs": {"all-features": true}}},
         "description": "Top", "license": "MIT", "license_file": null,
         "repository": "https://example.com/r",
         "dependencies": [
           {"name": "mid", "req": "^0.2.0", "kind": null, "path": "/w/mid"},
           {"name": "core", "req": "^0.2.0", "kind": "build", "path": "/w/core"},
           {"name": "serde", "req": "^1", "kind": null}
         ]},
        {"name": "private", "version": "0.2.0", "publish": [],
         "description": null, "license": null, "repository": null,
         "dependencies": [
           {"name": "core", "req": "*", "kind": null, "path": "/w/core"}
         ]},
        {"name": "mid", "version": "0.2.0", "publish": null,
         "metadata": {"docs": {"rs": {"all-features": true}}},
         "description": "Mid", "license": null, "license_file": "LICENSE",
         "repository": "https://example.com/r",
         "dependencies": [
           {"name": "core", "req": "^0.2", "kind": null, "path": "/w/core"},
           {"name": "top", "req": "*", "kind": "dev", "path": "/w/top"}
         ]},
        {"name": "core", "version": "0.2.0", "publish": null,
         "metadata": {"docs": {"rs": {"all-features": true}}},
         "description": "Core", "license": "MIT", "license_file": null,
         "repository": "https://example.com/r",
         "dependencies": [
           {"name": "core", "req": "*", "kind": "dev", "path": "/w/core"}
         ]},
        {"name": "xtask", "version": "0.0.0", "publish": [],
         "description": null, "license": null, "repository": null,
         "dependencies": []}
      ],
      "workspace_members": [],
      "version": 1
    }"#;

    #[test]
    fn parses_metadata() {
        let meta = Metadata::from_json(SAMPLE_METADATA).unwrap();
        assert_eq!(meta.packages.len(), 5);
        let top = meta.package("top").unwrap();
        assert!(top.publishable);
        assert!(top.docs_rs_all_features);
        assert!(!meta.package("private").unwrap().docs_rs_all_features);
        assert_eq!(top.description.as_deref(), Some("Top"));
        assert_eq!(
            top.dependencies[1],
            Dependency {
                name: "core".into(),
                req: "^0.2.0".into(),
                kind: DepKind::Build,
            }
        );
        assert!(!meta.package("private").unwrap().publishable);
        assert_eq!(
            meta.package("mid").unwrap().license_file.as_deref(),
            Some("LICENSE")
        );
        assert_eq!(
            meta.package("mid").unwrap().dependencies[1].kind,
            DepKind::Dev
        );
    }

    #[test]
    fn publish_order_from_metadata_ignores_dev_deps() {
        // `mid` dev-depends on `top`, which would be a cycle if dev-deps
        // counted.
        let meta = Metadata::from_json(SAMPLE_METADATA).unwrap();
        assert_eq!(
            meta.publish_order().unwrap(),
            ["core", "mid", "private", "top", "xtask"]
        );
    }

    #[test]
    fn rejects_malformed_metadata() {
        assert!(Metadata::from_json("not json").is_err());
        assert!(Metadata::from_json("{}").is_err());
        let bad_publish = r#"{"packages": [{"name": "a", "version": "1.0.0", "publish": 3}]}"#;
        assert!(Metadata::from_json(bad_publish).is_err());
    }
}
