//! Python's `json.dumps(value, separators=(",", ":"), sort_keys=True)` (with the default
//! `ensure_ascii=True`), byte for byte: the canonical form SnapTrade signs (`snaptrade.md`
//! §4, `snaptrade-current.md` §7).

use std::fmt::Write as _;

use serde_json::{Number, Value};

/// The canonical JSON text of `value`.
pub(crate) fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            // Python sorts str keys by code point; Rust's `str` order is byte order, and
            // UTF-8 byte order equals code-point order.
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Integers as decimal; floats as Python's `repr`: shortest round-trip digits, fixed
/// notation for decimal exponents in `-4..16`, otherwise `d.ddde±XX`.
fn write_number(out: &mut String, n: &Number) {
    if n.is_i64() || n.is_u64() {
        let _ = write!(out, "{n}");
        return;
    }
    let Some(f) = n.as_f64() else {
        let _ = write!(out, "{n}");
        return;
    };
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let fixed = format!("{f}");
        out.push_str(&fixed);
        if !fixed.contains('.') {
            out.push_str(".0");
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "{mantissa}e{sign}{:02}", exp.unsigned_abs());
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // Python escapes everything outside the printable ASCII range ` `..`~`.
            c if !(' '..='~').contains(&c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::canonical;
    use serde_json::json;

    /// Expected strings produced by CPython 3 `json.dumps(v, separators=(",", ":"),
    /// sort_keys=True)`.
    #[test]
    fn matches_python() {
        let cases = [
            (
                json!({"b": 1, "a": {"d": [1, 2], "c": null}}),
                r#"{"a":{"c":null,"d":[1,2]},"b":1}"#,
            ),
            (
                json!({"k": "é😀\u{1}\"\\/\n"}),
                r#"{"k":"\u00e9\ud83d\ude00\u0001\"\\/\n"}"#,
            ),
            (
                json!([1.0, 1.5, 0.0001, 0.00001, 1e16, 123456789012345.6, -2.5e-7]),
                "[1.0,1.5,0.0001,1e-05,1e+16,123456789012345.6,-2.5e-07]",
            ),
            (
                json!({"B": true, "a": false, "Z": "\u{7f}"}),
                r#"{"B":true,"Z":"\u007f","a":false}"#,
            ),
            (json!(-12), "-12"),
        ];
        for (value, expected) in cases {
            assert_eq!(canonical(&value), expected, "{value}");
        }
    }
}
