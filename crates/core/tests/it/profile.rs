//! A provider profile never replaces what the user set on the builder.

use std::sync::Arc;

use bytes::Bytes;
use fintra_core::auth::{RequestSigner, SignContext};
use fintra_core::test_util::{MockTransport, VirtualTime, virtual_builder};
use fintra_core::{
    BoxFuture, ClientBuilder, Error, ErrorDetails, ErrorParser, Operation, ProviderProfile,
    RequestOptions,
};
use http::{HeaderMap, StatusCode};

use crate::support::Always;

#[derive(Debug)]
struct Named(&'static str);

impl ErrorParser for Named {
    fn parse(&self, _: StatusCode, _: &HeaderMap, _: &[u8]) -> ErrorDetails {
        ErrorDetails::new(None, Some(self.0.to_owned()))
    }
}

/// Appends its name to the `x-order` header.
#[derive(Debug)]
struct Stamp(&'static str);

impl RequestSigner for Stamp {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        _: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let order = match request.headers().get("x-order") {
            Some(v) => format!("{},{}", v.to_str().unwrap(), self.0),
            None => self.0.to_owned(),
        };
        request
            .headers_mut()
            .insert("x-order", order.parse().unwrap());
        Box::pin(std::future::ready(Ok(())))
    }
}

fn profile() -> ProviderProfile {
    ProviderProfile::new("example")
        .default_base_url("https://api.example.com/v1")
        .user_agent("fintra-example/9.9")
        .error_parser(Arc::new(Named("provider parser")))
        .signer(Arc::new(Stamp("provider")))
}

fn user(mock: &Arc<MockTransport>, time: &Arc<VirtualTime>) -> ClientBuilder {
    virtual_builder("http://127.0.0.1:8080/mine", time).transport(mock.clone())
}

async fn call(client: &fintra_core::Client) -> Result<(), Error> {
    client
        .send_empty(Operation::get("Get", "/thing"), &RequestOptions::new())
        .await
}

#[tokio::test]
async fn the_profile_fills_in_only_what_the_user_left_unset() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, "{}").push_json(400, "{}");
    let defaults = ClientBuilder::new()
        .transport(mock.clone())
        .signer(Arc::new(Stamp("user")))
        .build_for(&profile())
        .unwrap();
    assert_eq!(defaults.base_url(), "https://api.example.com/v1");
    call(&defaults).await.unwrap();
    let err = call(&defaults).await.unwrap_err();
    assert_eq!(err.as_api().unwrap().message(), Some("provider parser"));
    let requests = mock.requests();
    assert_eq!(requests[0].uri(), "https://api.example.com/v1/thing");
    assert_eq!(requests[0].headers()["user-agent"], "fintra-example/9.9");
    // The provider's signers run first, then the user's.
    assert_eq!(requests[0].headers()["x-order"], "provider,user");
}

#[tokio::test]
async fn the_users_base_url_user_agent_and_error_parser_win() {
    let time = Arc::new(VirtualTime::default());
    let mock = Arc::new(MockTransport::new());
    mock.push_json(400, "{}");
    let client = user(&mock, &time)
        .user_agent("my-app/1.0")
        .error_parser(Arc::new(Named("user parser")))
        .build_for(&profile())
        .unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:8080/mine");
    let err = call(&client).await.unwrap_err();
    assert_eq!(err.as_api().unwrap().message(), Some("user parser"));
    let request = &mock.requests()[0];
    assert_eq!(request.uri(), "http://127.0.0.1:8080/mine/thing");
    assert_eq!(request.headers()["user-agent"], "my-app/1.0");
}

#[tokio::test]
async fn the_users_retry_classifiers_have_the_last_word() {
    let time = Arc::new(VirtualTime::default());
    // The provider would retry a 400; the user says no.
    let mock = Arc::new(MockTransport::new());
    mock.push_json(400, "{}").push_json(200, "{}");
    let client = user(&mock, &time)
        .classifier(Arc::new(Always(false)))
        .build_for(&profile().classifier(Arc::new(Always(true))))
        .unwrap();
    assert_eq!(call(&client).await.unwrap_err().attempts(), 1);
    assert_eq!(mock.requests().len(), 1);

    // The provider would give up on a 503; the user retries.
    let mock = Arc::new(MockTransport::new());
    mock.push_json(503, "{}").push_json(200, "{}");
    let client = user(&mock, &time)
        .classifier(Arc::new(Always(true)))
        .build_for(&profile().classifier(Arc::new(Always(false))))
        .unwrap();
    call(&client).await.unwrap();
    assert_eq!(mock.requests().len(), 2);
}

#[test]
fn without_any_base_url_the_error_names_the_setting() {
    let err = ClientBuilder::new()
        .build_for(&ProviderProfile::new("bare"))
        .unwrap_err();
    assert!(err.to_string().contains("ClientBuilder::base_url"), "{err}");
}
