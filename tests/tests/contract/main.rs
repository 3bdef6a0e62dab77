//! Contract tests: the fintra provider crates against minimal subsets of the official specs
//! (`tests/specs`, provenance in `tests/specs/SOURCES.md`).
//!
//! One test per spec runs every case of that provider and then asserts coverage of that
//! spec, so the result does not depend on test order. `selftest` proves the checks fail when
//! they should.

mod app_portal;
mod app_portal_latest;
mod connect_components;
mod finicity;
mod harness;
mod selftest;
mod snaptrade;
