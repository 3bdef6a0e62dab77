//! [`BoxFuture`], the future type of the object-safe traits ([`crate::Transport`],
//! [`crate::auth::RequestSigner`], [`crate::time::Sleep`]...). A leaf module: it depends on
//! nothing else in the crate.

/// A boxed, `Send` future (the traits here are object-safe).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
