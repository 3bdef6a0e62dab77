//! Plain `MAJOR.MINOR.PATCH` versions, bump arithmetic and a small matcher
//! for Cargo version requirements.
//!
//! Only what the release tooling needs is supported: release versions
//! without pre-release or build suffixes, and the requirement syntax Cargo
//! accepts in manifests (`^`, `~`, `=`, `>`, `>=`, `<`, `<=`, bare and
//! wildcard requirements, comma-separated).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A release version `MAJOR.MINOR.PATCH` (no pre-release, no build metadata).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major component.
    pub major: u64,
    /// Minor component.
    pub minor: u64,
    /// Patch component.
    pub patch: u64,
}

impl Version {
    /// Creates a version from its three components.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Returns the version bumped by `level`.
    ///
    /// * `major`: `X.Y.Z -> (X+1).0.0`. For `0.x` versions this means
    ///   `0.Y.Z -> 1.0.0`, i.e. `major` always leaves the `0.x` series (it
    ///   does *not* act as "the breaking-change bump" `0.Y -> 0.(Y+1)`; use
    ///   `minor` for that).
    /// * `minor`: `X.Y.Z -> X.(Y+1).0`.
    /// * `patch`: `X.Y.Z -> X.Y.(Z+1)`.
    ///
    /// Fails only if a component would overflow `u64`.
    pub fn bump(self, level: Level) -> Result<Self, Error> {
        let overflow = || Error::new(format!("cannot bump {level} of {self}: overflow"));
        Ok(match level {
            Level::Major => Self::new(self.major.checked_add(1).ok_or_else(overflow)?, 0, 0),
            Level::Minor => Self::new(
                self.major,
                self.minor.checked_add(1).ok_or_else(overflow)?,
                0,
            ),
            Level::Patch => Self::new(
                self.major,
                self.minor,
                self.patch.checked_add(1).ok_or_else(overflow)?,
            ),
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for Version {
    type Err = Error;

    /// Parses `MAJOR.MINOR.PATCH`; rejects pre-release (`-…`) and build
    /// (`+…`) suffixes, leading zeros, missing or extra components.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::new(format!("invalid version `{s}`: {why}"));
        if s.contains(['-', '+']) {
            return Err(bad(
                "pre-release and build-metadata versions are not supported; \
                 expected plain MAJOR.MINOR.PATCH",
            ));
        }
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() != 3 {
            return Err(bad("expected MAJOR.MINOR.PATCH"));
        }
        let mut nums = [0u64; 3];
        for (slot, part) in nums.iter_mut().zip(&parts) {
            *slot = parse_component(part).map_err(|why| bad(&why))?;
        }
        Ok(Self::new(nums[0], nums[1], nums[2]))
    }
}

/// Parses one numeric version component (digits only, no leading zeros).
fn parse_component(part: &str) -> Result<u64, String> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("component `{part}` is not a number"));
    }
    if part.len() > 1 && part.starts_with('0') {
        return Err(format!("component `{part}` has a leading zero"));
    }
    part.parse()
        .map_err(|_| format!("component `{part}` is too large"))
}

/// Which component [`Version::bump`] increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `X.Y.Z -> (X+1).0.0` (and `0.Y.Z -> 1.0.0`).
    Major,
    /// `X.Y.Z -> X.(Y+1).0`.
    Minor,
    /// `X.Y.Z -> X.Y.(Z+1)`.
    Patch,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Major => "major",
            Level::Minor => "minor",
            Level::Patch => "patch",
        })
    }
}

impl FromStr for Level {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "major" => Ok(Level::Major),
            "minor" => Ok(Level::Minor),
            "patch" => Ok(Level::Patch),
            other => Err(Error::new(format!(
                "invalid bump level `{other}`: expected one of major, minor, patch"
            ))),
        }
    }
}

/// Comparison operator of one requirement comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Exact,
    Greater,
    GreaterEq,
    Less,
    LessEq,
    Tilde,
    Caret,
}

/// Returns whether `version` satisfies the Cargo version requirement `req`
/// (e.g. `^0.1.0`, `0.1`, `=1.2.3`, `>=1, <3`, `1.*`, `*`).
///
/// Errors on syntax this matcher does not understand (including
/// pre-release requirements), so a mismatch is never silently assumed.
pub fn req_matches(req: &str, version: Version) -> Result<bool, Error> {
    let req = req.trim();
    if req.is_empty() {
        return Err(Error::new("empty version requirement"));
    }
    for comparator in req.split(',') {
        if !comparator_matches(comparator.trim(), version)
            .map_err(|why| Error::new(format!("invalid version requirement `{req}`: {why}")))?
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Evaluates one comparator such as `^1.2` or `>=0.3.1`.
fn comparator_matches(text: &str, v: Version) -> Result<bool, String> {
    const OPS: [(&str, Op); 7] = [
        (">=", Op::GreaterEq),
        ("<=", Op::LessEq),
        (">", Op::Greater),
        ("<", Op::Less),
        ("=", Op::Exact),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ];
    let (explicit_op, rest) = OPS
        .iter()
        .find_map(|(prefix, op)| text.strip_prefix(prefix).map(|rest| (Some(*op), rest)))
        .unwrap_or((None, text));
    let rest = rest.trim();
    if rest.is_empty() {
        return Err("empty comparator".into());
    }
    if rest.contains(['-', '+']) {
        return Err("pre-release/build requirements are not supported".into());
    }
    // Parse up to three components; `*`, `x` and `X` are wildcards and may
    // only be followed by further wildcards.
    let mut nums: Vec<u64> = Vec::with_capacity(3);
    let mut wildcard = false;
    let parts: Vec<&str> = rest.split('.').collect();
    if parts.len() > 3 {
        return Err(format!("`{rest}` has more than three components"));
    }
    for part in parts {
        if matches!(part, "*" | "x" | "X") {
            wildcard = true;
        } else if wildcard {
            return Err(format!("`{rest}`: number after a wildcard"));
        } else {
            nums.push(parse_component(part)?);
        }
    }
    if nums.is_empty() {
        // `*`, `x`, `^*`, `>=*`, ... : everything matches.
        return Ok(true);
    }
    // A bare requirement is a caret requirement, unless it uses wildcards
    // (`1.2.*` means `=1.2`).
    let op = explicit_op.unwrap_or(if wildcard { Op::Exact } else { Op::Caret });
    let have = [v.major, v.minor, v.patch];
    // Compares the version against the partial version on the given
    // components only.
    let cmp = |n: usize| have[..n].cmp(&nums[..n]);
    let n = nums.len();
    Ok(match op {
        Op::Exact => cmp(n) == Ordering::Equal,
        Op::Greater => cmp(n) == Ordering::Greater,
        Op::GreaterEq => cmp(n) != Ordering::Less,
        Op::Less => cmp(n) == Ordering::Less,
        Op::LessEq => cmp(n) != Ordering::Greater,
        Op::Tilde => match n {
            1 => cmp(1) == Ordering::Equal,
            _ => cmp(2) == Ordering::Equal && cmp(n) != Ordering::Less,
        },
        Op::Caret => {
            // The leftmost non-zero component (or the last given one) must
            // match exactly; the version must not be below the requirement.
            let fixed = nums
                .iter()
                .position(|&c| c != 0)
                .map_or(n, |i| i + 1)
                .min(n);
            cmp(fixed) == Ordering::Equal && cmp(n) != Ordering::Less
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_displays() {
        assert_eq!(v("0.1.0"), Version::new(0, 1, 0));
        assert_eq!(v("12.34.56").to_string(), "12.34.56");
    }

    #[test]
    fn rejects_invalid_versions() {
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "1.2.x",
            "a.b.c",
            "01.2.3",
            "1.02.3",
            "1..3",
            " 1.2.3",
            "1.2.3 ",
            "-1.2.3",
            "99999999999999999999.0.0",
        ] {
            assert!(bad.parse::<Version>().is_err(), "accepted `{bad}`");
        }
        let err = "1.0.0-alpha.1".parse::<Version>().unwrap_err().to_string();
        assert!(err.contains("pre-release"), "{err}");
        assert!("1.0.0+build5".parse::<Version>().is_err());
    }

    #[test]
    fn bump_arithmetic() {
        assert_eq!(v("1.2.3").bump(Level::Major).unwrap(), v("2.0.0"));
        assert_eq!(v("1.2.3").bump(Level::Minor).unwrap(), v("1.3.0"));
        assert_eq!(v("1.2.3").bump(Level::Patch).unwrap(), v("1.2.4"));
        assert_eq!(v("1.9.9").bump(Level::Minor).unwrap(), v("1.10.0"));
    }

    #[test]
    fn bump_zero_major_leaves_zero_series() {
        assert_eq!(v("0.1.0").bump(Level::Major).unwrap(), v("1.0.0"));
        assert_eq!(v("0.7.3").bump(Level::Major).unwrap(), v("1.0.0"));
        assert_eq!(v("0.1.0").bump(Level::Minor).unwrap(), v("0.2.0"));
        assert_eq!(v("0.1.0").bump(Level::Patch).unwrap(), v("0.1.1"));
        assert_eq!(v("0.0.0").bump(Level::Patch).unwrap(), v("0.0.1"));
    }

    #[test]
    fn bump_overflow_is_an_error() {
        let max = Version::new(u64::MAX, u64::MAX, u64::MAX);
        for level in [Level::Major, Level::Minor, Level::Patch] {
            assert!(max.bump(level).is_err());
        }
    }

    #[test]
    fn parses_levels() {
        assert_eq!("major".parse::<Level>().unwrap(), Level::Major);
        assert_eq!("minor".parse::<Level>().unwrap(), Level::Minor);
        assert_eq!("patch".parse::<Level>().unwrap(), Level::Patch);
        let err = "huge".parse::<Level>().unwrap_err().to_string();
        assert!(
            err.contains("huge") && err.contains("major, minor, patch"),
            "{err}"
        );
        assert!("Major".parse::<Level>().is_err());
    }

    fn m(req: &str, ver: &str) -> bool {
        req_matches(req, v(ver)).unwrap()
    }

    #[test]
    fn caret_requirements() {
        assert!(m("^0.1.0", "0.1.0"));
        assert!(m("0.1.0", "0.1.7"));
        assert!(!m("0.1.0", "0.2.0"));
        assert!(!m("0.1.1", "0.1.0"));
        assert!(m("^1.2.3", "1.9.0"));
        assert!(!m("^1.2.3", "2.0.0"));
        assert!(!m("^1.2.3", "1.2.2"));
        assert!(m("0.0.3", "0.0.3"));
        assert!(!m("0.0.3", "0.0.4"));
        assert!(m("0.0", "0.0.9"));
        assert!(!m("0.0", "0.1.0"));
        assert!(m("0", "0.9.9"));
        assert!(!m("0", "1.0.0"));
        assert!(m("1", "1.5.0"));
    }

    #[test]
    fn other_operators() {
        assert!(m("=0.1.0", "0.1.0"));
        assert!(!m("=0.1.0", "0.1.1"));
        assert!(m("=0.1", "0.1.5"));
        assert!(m("~1.2.3", "1.2.9"));
        assert!(!m("~1.2.3", "1.3.0"));
        assert!(m("~1", "1.9.0"));
        assert!(m(">=0.1, <0.3", "0.2.5"));
        assert!(!m(">=0.1, <0.3", "0.3.0"));
        assert!(m(">1.2", "1.3.0"));
        assert!(!m(">1.2", "1.2.9"));
        assert!(m("<=1.2", "1.2.9"));
        assert!(!m("<=1.2", "1.3.0"));
        assert!(m("1.*", "1.7.0"));
        assert!(!m("1.2.*", "1.3.0"));
        assert!(m("*", "7.0.0"));
    }

    #[test]
    fn unsupported_requirements_are_errors() {
        for bad in ["", "^", "1.2.3-beta", "1.*.3", "1.2.3.4", "^abc", ">=1,"] {
            assert!(req_matches(bad, v("1.2.3")).is_err(), "accepted `{bad}`");
        }
    }
}
