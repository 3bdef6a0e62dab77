//! Shared helpers.

use std::sync::{Arc, Mutex};

use fintra_core::ClientBuilder;
use fintra_core::test_util::VirtualTime;

pub use fintra_core::test_util::deterministic_retry as policy;

/// A builder on virtual time pointed at `base`.
pub fn builder(base: &str, time: &Arc<VirtualTime>) -> ClientBuilder {
    fintra_core::test_util::virtual_builder(base, time)
}

/// Collects every field value recorded by tracing spans and events, to prove secrets never
/// reach logs.
#[derive(Clone, Default)]
pub struct CapturedLogs(pub Arc<Mutex<String>>);

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl tracing::Subscriber for CapturedLogs {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = self.0.lock().unwrap();
        out.push_str(span.metadata().name());
        out.push(' ');
        span.record(&mut Visitor(&mut out));
        out.push('\n');
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Visitor(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut out = self.0.lock().unwrap();
        event.record(&mut Visitor(&mut out));
        out.push('\n');
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

impl CapturedLogs {
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}
