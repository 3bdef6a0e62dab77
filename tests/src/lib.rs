//! Contract tests of the fintra crates against the official provider specs (in progress).
