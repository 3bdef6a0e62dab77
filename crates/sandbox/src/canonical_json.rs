//! Python's `json.dumps(value, separators=(",", ":"), sort_keys=True)` (with the default
//! `ensure_ascii=True`), byte for byte: the canonical form SnapTrade signs (`snaptrade.md`
//! §4, `snaptrade-current.md` §7).

use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use serde_json::ser::Formatter;

/// The canonical JSON text of `value`.
pub(crate) fn canonical(value: &Value) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    // Writing to a Vec cannot fail, and every JSON value serializes.
    let _ = Sorted(value).serialize(&mut ser);
    String::from_utf8(out).unwrap_or_default()
}

/// A value whose objects serialize with their keys in code-point order, whatever order
/// `serde_json`'s map keeps (it depends on the `preserve_order` feature).
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Sorted(item))?;
                }
                seq.end()
            }
            Value::Object(object) => {
                // UTF-8 byte order is code-point order, which is how Python sorts str keys.
                let mut entries: Vec<_> = object.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, item) in entries {
                    map.serialize_entry(key, &Sorted(item))?;
                }
                map.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// serde_json's compact output (`(",", ":")` separators, `\"`, `\\`, `\n`... and `\u00XX`
/// for other control characters, as Python) with Python's `ensure_ascii=True` (everything
/// outside printable ASCII as `\uXXXX`, UTF-16 surrogate pairs above U+FFFF) and Python's
/// float `repr`.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    /// Python's `repr`: the shortest digits that read back as `value`, exact ties between
    /// two shortest candidates broken to the even digit (`106382681903790.625` →
    /// `…790.62`, where Rust's `Display` writes `…790.63`), fixed notation for decimal
    /// exponents in `-4..16` (always with a fractional part), otherwise `d.ddde±XX`.
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(python_float_repr(value).as_bytes())
    }
}

/// Python's `repr` of a finite float (see [`PythonFormatter::write_f64`]).
fn python_float_repr(value: f64) -> String {
    // `{:.N$e}` is correctly rounded with ties to even, like Python's `repr` (David Gay's
    // shortest mode); the first precision that reads back exactly is the shortest.
    let sci = (0..17)
        .map(|precision| format!("{value:.precision$e}"))
        .find(|s| s.parse::<f64>().ok() == Some(value))
        .unwrap_or_else(|| format!("{value:e}"));
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        if exp < 0 {
            let zeros = "0".repeat(exp.unsigned_abs() as usize - 1);
            format!("{sign}0.{zeros}{digits}")
        } else {
            let point = exp as usize + 1;
            let (int, frac) = if digits.len() > point {
                (digits[..point].to_owned(), digits[point..].to_owned())
            } else {
                (format!("{digits:0<point$}"), "0".to_owned())
            };
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{rest}e{exp_sign}{:02}", exp.unsigned_abs())
    }
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

    /// Every float of the SnapTrade crate's Python-generated reference vectors
    /// (`json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))`, CPython 3.11)
    /// comes out as Python writes it: exact ties, random doubles written with 17 and 26
    /// digits, exponent boundaries. The vectors are data from the repository, not client code.
    #[test]
    fn floats_match_python_reference_vectors() {
        let cases: Vec<(String, Option<String>)> = serde_json::from_str(include_str!(
            "../../snaptrade/tests/vectors/canonical_json.json"
        ))
        .unwrap_or_default();
        let mut checked = 0;
        let mut failures = Vec::new();
        for (input, expected) in &cases {
            // Only plain floats: serde_json's `Value` keeps neither integers beyond 64 bits
            // nor `-0` as written, nor Python's NaN/Infinity.
            let is_float = input.contains(['.', 'e', 'E']) && !input.contains(['[', '{', '"']);
            let (true, Some(expected), Ok(value)) = (
                is_float,
                expected,
                serde_json::from_str::<serde_json::Value>(input),
            ) else {
                continue;
            };
            checked += 1;
            let got = canonical(&value);
            if &got != expected {
                failures.push(format!("{input} -> {got}, python: {expected}"));
            }
        }
        assert!(checked > 4000, "only {checked} float vectors");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
