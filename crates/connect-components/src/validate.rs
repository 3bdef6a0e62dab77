//! Client-side checks of what the spec constrains; failures are
//! [`fintra_core::InvalidRequest`]s and nothing is sent.

use fintra_core::InvalidRequest;
use fintra_core::format::{is_date_time, is_uuid};

use crate::models::{
    AccountClassification, CreateConfiguration, Language, LoginFormRequest, OauthUrlRequest,
    ServiceAgreement,
};

/// A UUID in its 36-character hyphenated form (`format: uuid`, `minLength`/`maxLength` 36).
pub(crate) fn uuid(field: &'static str, value: &str) -> Result<(), InvalidRequest> {
    if is_uuid(value) {
        Ok(())
    } else {
        Err(InvalidRequest::new(
            field,
            "must be a UUID of 36 characters (8-4-4-4-12 hexadecimal digits)",
        ))
    }
}

pub(crate) fn customer_id(value: &str) -> Result<(), InvalidRequest> {
    if value.trim().is_empty() {
        return Err(InvalidRequest::new("customerId", "must not be empty"));
    }
    Ok(())
}

fn language(field: &'static str, value: &Language) -> Result<(), InvalidRequest> {
    if value.as_str().trim().is_empty() {
        return Err(InvalidRequest::new(field, "must not be empty"));
    }
    Ok(())
}

fn service_agreement(value: &ServiceAgreement) -> Result<(), InvalidRequest> {
    language("serviceAgreement.language", &value.language)?;
    if !is_date_time(&value.accepted_date) {
        return Err(InvalidRequest::new(
            "serviceAgreement.acceptedDate",
            "must be an ISO-8601 date-time such as 2024-11-28T18:25:32+00:00",
        ));
    }
    Ok(())
}

pub(crate) fn create_configuration(body: &CreateConfiguration) -> Result<(), InvalidRequest> {
    for item in body.filter_accounts.iter().flatten() {
        let len = item.as_str().chars().count();
        if !(1..=512).contains(&len) {
            return Err(InvalidRequest::new(
                "filterAccounts",
                "items must be 1 to 512 characters long",
            ));
        }
    }
    if body
        .account_classification_type
        .iter()
        .flatten()
        .any(|c| matches!(c, AccountClassification::Other(s) if s.trim().is_empty()))
    {
        return Err(InvalidRequest::new(
            "accountClassificationType",
            "items must not be empty",
        ));
    }
    Ok(())
}

pub(crate) fn login_form(body: &LoginFormRequest) -> Result<(), InvalidRequest> {
    language("language", &body.language)?;
    customer_id(&body.customer_id)?;
    if let Some(id) = &body.configuration_id {
        uuid("configurationId", id)?;
    }
    service_agreement(&body.service_agreement)
}

/// An absolute URI: `scheme:` followed by something, no whitespace or control characters.
fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub(crate) fn oauth_url(body: &OauthUrlRequest) -> Result<(), InvalidRequest> {
    let len = body.redirect_uri.chars().count();
    if !(1..=1024).contains(&len) {
        return Err(InvalidRequest::new(
            "redirectURI",
            "must be 1 to 1024 characters long",
        ));
    }
    if !is_absolute_uri(&body.redirect_uri) {
        return Err(InvalidRequest::new(
            "redirectURI",
            "must be an absolute URI",
        ));
    }
    customer_id(&body.customer_id)?;
    if let Some(id) = &body.configuration_id {
        uuid("configurationId", id)?;
    }
    service_agreement(&body.service_agreement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_errors_name_the_field() {
        // The format itself is tested with fintra_core::format::is_uuid.
        assert!(uuid("id", "605543e1-f507-48ad-8127-95c40566597b").is_ok());
        let err = uuid("configurationId", "../etc").unwrap_err();
        assert_eq!(err.field(), "configurationId");
    }

    #[test]
    fn uris() {
        assert!(is_absolute_uri("https://oauth.example.com/redirect"));
        assert!(is_absolute_uri("myapp://callback"));
        assert!(!is_absolute_uri("/relative"));
        assert!(!is_absolute_uri("https://exa mple.com"));
        assert!(!is_absolute_uri("1http://x"));
        assert!(!is_absolute_uri("https:"));
    }
}
