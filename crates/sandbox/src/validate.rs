//! Field validators for the formats the specs use but JSON does not check.

/// RFC 3339 / ISO-8601 `date-time` as in OpenAPI `format: date-time`:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
pub(crate) fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || !b.is_ascii() {
        return false;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(range)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(_year), Some(month), Some(day), Some(hour), Some(min), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &frac[digits..];
    }
    match rest {
        "Z" | "z" => true,
        _ => {
            let ob = rest.as_bytes();
            ob.len() == 6
                && matches!(ob[0], b'+' | b'-')
                && ob[3] == b':'
                && rest[1..3].bytes().all(|c| c.is_ascii_digit())
                && rest[4..6].bytes().all(|c| c.is_ascii_digit())
                && rest[1..3].parse::<u32>().is_ok_and(|h| h <= 23)
                && rest[4..6].parse::<u32>().is_ok_and(|m| m <= 59)
        }
    }
}

/// Finicity's partner-secret policy (Modify Partner Secret description): 12–255 characters
/// from letters, digits and `!@#$%&*_-+`, with at least one letter and one digit.
pub(crate) fn is_valid_partner_secret(s: &str) -> bool {
    let len = s.chars().count();
    (12..=255).contains(&len)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!@#$%&*_-+".contains(c))
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_ascii_alphabetic())
}

/// Svix's id pattern `^[a-zA-Z0-9\-_.]+$` (app ids and feature flags).
pub(crate) fn is_svix_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        assert!(is_date_time("2024-11-28T18:25:32+00:00"));
        assert!(is_date_time("2024-11-28T18:25:32.123Z"));
        assert!(!is_date_time("2024-11-28"));
        assert!(!is_date_time("2024-13-28T18:25:32Z"));
        assert!(!is_date_time("2024-11-28T18:25:32"));
        assert!(!is_date_time("2024-11-28T18:25:32+0000"));
        assert!(!is_date_time("2024-11-28T18:25:32.Z"));
        assert!(!is_date_time("２０２４-11-28T18:25:32Z"));
    }

    #[test]
    fn partner_secrets() {
        assert!(is_valid_partner_secret("OrU7tjiA3tIspCgb85xV"));
        assert!(!is_valid_partner_secret("short1"));
        assert!(!is_valid_partner_secret("onlyletterslong"));
        assert!(!is_valid_partner_secret("1234567890123"));
        assert!(!is_valid_partner_secret("has space 1234"));
    }

    #[test]
    fn svix_ids() {
        assert!(is_svix_id("app_1srOrx2ZWZBpBUvZwXKQmoEYga2"));
        assert!(is_svix_id("unique-app.identifier"));
        assert!(!is_svix_id(""));
        assert!(!is_svix_id("a/b"));
    }
}
