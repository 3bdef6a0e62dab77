//! Client-side checks of what the spec constrains; failures are
//! [`fintra_core::InvalidRequest`]s and nothing is sent.

use fintra_core::InvalidRequest;

use crate::models::{
    AccountClassification, CreateConfiguration, Language, LoginFormRequest, OauthUrlRequest,
    ServiceAgreement,
};

/// A UUID in its 36-character hyphenated form (`format: uuid`, `minLength`/`maxLength` 36).
pub(crate) fn uuid(field: &'static str, value: &str) -> Result<(), InvalidRequest> {
    let ok = value.len() == 36
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if ok {
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

fn digits(s: &str, range: std::ops::RangeInclusive<u32>) -> bool {
    s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|n| range.contains(&n))
}

/// An RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn is_date_time(s: &str) -> bool {
    let (Some(date), Some(rest)) = (s.get(..10), s.get(11..)) else {
        return false;
    };
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't')) {
        return false;
    }
    let mut d = date.split('-');
    let date_ok = matches!(
        (d.next(), d.next(), d.next(), d.next()),
        (Some(y), Some(m), Some(day), None)
            if y.len() == 4 && digits(y, 0..=9999) && m.len() == 2 && digits(m, 1..=12)
                && day.len() == 2 && digits(day, 1..=31)
    );
    let Some(time) = rest.get(..8) else {
        return false;
    };
    let mut t = time.split(':');
    let time_ok = matches!(
        (t.next(), t.next(), t.next(), t.next()),
        (Some(h), Some(m), Some(sec), None)
            if h.len() == 2 && digits(h, 0..=23) && m.len() == 2 && digits(m, 0..=59)
                && sec.len() == 2 && digits(sec, 0..=60)
    );
    let mut zone = &rest[8..];
    if let Some(frac) = zone.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        zone = &frac[n..];
    }
    let zone_ok = matches!(zone, "Z" | "z")
        || (zone.len() == 6
            && zone.is_ascii()
            && matches!(zone.as_bytes()[0], b'+' | b'-')
            && zone.as_bytes()[3] == b':'
            && digits(&zone[1..3], 0..=23)
            && digits(&zone[4..6], 0..=59));
    date_ok && time_ok && zone_ok
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
    fn date_times() {
        for ok in [
            "2024-11-28T18:25:32+00:00",
            "2024-11-28T18:25:32Z",
            "2024-11-28t18:25:32.123456-05:30",
            "2024-02-29T23:59:60Z",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "",
            "2024-11-28",
            "2024-11-28 18:25:32Z",
            "2024-13-28T18:25:32Z",
            "2024-11-28T24:00:00Z",
            "2024-11-28T18:25:32",
            "2024-11-28T18:25:32.Z",
            "2024-11-28T18:25:32+0000",
            "２024-11-28T18:25:32Z",
            "2024-11-28T18:25:32+é:0",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        assert!(uuid("id", "605543e1-f507-48ad-8127-95c40566597b").is_ok());
        assert!(uuid("id", "605543E1-F507-48AD-8127-95C40566597B").is_ok());
        for bad in [
            "",
            "605543e1f50748ad812795c40566597b",
            "605543e1-f507-48ad-8127-95c40566597",
            "605543e1-f507-48ad-8127-95c40566597bb",
            "605543e1-f507-48ad-8127_95c40566597b",
            "g05543e1-f507-48ad-8127-95c40566597b",
            "../../../../../../../../../../../etc",
        ] {
            assert!(uuid("id", bad).is_err(), "{bad}");
        }
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
