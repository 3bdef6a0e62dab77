//! Checks of the string formats the provider specs declare (OpenAPI `format: date-time` and
//! `format: uuid`), shared by the client crates' request validation and the sandbox.

/// `s` is all ASCII digits and its value lies in `range`.
fn digits(s: &str, range: std::ops::RangeInclusive<u32>) -> bool {
    s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|n| range.contains(&n))
}

/// An RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`T`/`Z` in either case).
///
/// ```
/// use fintra_core::format::is_date_time;
/// assert!(is_date_time("2024-11-28T18:25:32+00:00"));
/// assert!(!is_date_time("2024-11-28"));
/// ```
pub fn is_date_time(s: &str) -> bool {
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

/// A UUID in its 36-character hyphenated form (8-4-4-4-12 hexadecimal digits, either case).
///
/// ```
/// use fintra_core::format::is_uuid;
/// assert!(is_uuid("605543e1-f507-48ad-8127-95c40566597b"));
/// assert!(!is_uuid("605543e1f50748ad812795c40566597b"));
/// ```
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        for ok in [
            "2024-11-28T18:25:32+00:00",
            "2024-11-28T18:25:32Z",
            "2024-11-28T18:25:32.123Z",
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
            "２０２４-11-28T18:25:32Z",
            "2024-11-28T18:25:32+é:0",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("605543e1-f507-48ad-8127-95c40566597b"));
        assert!(is_uuid("605543E1-F507-48AD-8127-95C40566597B"));
        for bad in [
            "",
            "605543e1f50748ad812795c40566597b",
            "605543e1-f507-48ad-8127-95c40566597",
            "605543e1-f507-48ad-8127-95c40566597bb",
            "605543e1-f507-48ad-8127_95c40566597b",
            "g05543e1-f507-48ad-8127-95c40566597b",
            "../../../../../../../../../../../etc",
        ] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }
}
