//! Canonical JSON, byte for byte what SnapTrade's Python code computes.
//!
//! SnapTrade signs (and its webhooks are signed over) the text Python produces with
//! `json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))`. [`canonicalize`]
//! computes that text straight from the body's bytes, without building a
//! [`serde_json::Value`], so nothing is lost on the way:
//!
//! * **Integers** are Python `int`s: any size, copied digit for digit (`-0` becomes `0`).
//!   Python refuses integers longer than 4300 digits (`sys.int_info.str_digits_check_threshold`),
//!   so they are a [`CanonicalJsonErrorKind::IntegerTooLong`] error rather than a signature
//!   the server cannot reproduce.
//! * **Floats** (a `.` or an exponent) are read as the nearest `f64` and written like
//!   Python's `repr`: the shortest digits that read back as the same value, ties between two
//!   shortest candidates broken to the even digit (`106382681903790.625` →
//!   `106382681903790.62`), exponent form below `1e-4` and from `1e16` (`1e+16`, `1.5e-05`),
//!   `-0.0` kept, and values too large for `f64` written `Infinity`/`-Infinity`.
//! * **Strings** are written with Python's default `ensure_ascii=True`: `\"`, `\\`, `\n`, `\r`,
//!   `\t`, `\b`, `\f`, and `\uXXXX` (lowercase hex, surrogate pairs above U+FFFF) for every
//!   other character outside `' '..='~'`. Lone surrogate escapes are kept, as Python keeps them.
//! * **Objects** have their keys sorted by code point at every level; a repeated key keeps its
//!   last value (Python's `dict`).
//! * Python's extensions `NaN`, `Infinity` and `-Infinity` are accepted and written back.
//!
//! Input that Python's `json.loads` rejects is an error too (with the byte offset, never the
//! content): invalid UTF-8, a byte-order mark, control characters inside strings, trailing data,
//! nesting deeper than [`MAX_DEPTH`].
//!
//! Already-canonical input is copied through in one pass; only objects whose keys are out of
//! order are rebuilt.
//!
//! ```
//! use fintra_snaptrade::signing::canonicalize;
//! assert_eq!(
//!     canonicalize(r#"{"b": [1.50, -0, 1e16], "a": "caf\u00e9 é"}"#.as_bytes()).unwrap(),
//!     r#"{"a":"caf\u00e9 \u00e9","b":[1.5,0,1e+16]}"#
//! );
//! assert_eq!(canonicalize(b"106382681903790.625").unwrap(), "106382681903790.62");
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::ops::Range;

/// Deepest nesting of arrays and objects accepted (Python's default recursion limit stops
/// its decoder at a similar depth).
pub const MAX_DEPTH: usize = 512;

/// The most digits Python converts to an `int` (`sys.int_info.default_max_str_digits`).
pub const MAX_INTEGER_DIGITS: usize = 4300;

/// Why a body has no canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CanonicalJsonErrorKind {
    /// Not JSON as Python reads it.
    Syntax,
    /// Not UTF-8.
    InvalidUtf8,
    /// Arrays/objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An integer longer than [`MAX_INTEGER_DIGITS`] digits, which Python refuses to read.
    IntegerTooLong,
}

/// A body that cannot be put in canonical form. Names the byte offset, never the content
/// (bodies carry user secrets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CanonicalJsonError {
    kind: CanonicalJsonErrorKind,
    offset: usize,
}

impl CanonicalJsonError {
    /// What is wrong.
    pub fn kind(&self) -> CanonicalJsonErrorKind {
        self.kind
    }
    /// The byte offset where it was found.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for CanonicalJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            CanonicalJsonErrorKind::Syntax => "is not valid JSON",
            CanonicalJsonErrorKind::InvalidUtf8 => "is not UTF-8",
            CanonicalJsonErrorKind::TooDeep => "nests arrays/objects deeper than 512 levels",
            CanonicalJsonErrorKind::IntegerTooLong => {
                "has an integer longer than 4300 digits, which SnapTrade's Python cannot read"
            }
        };
        write!(f, "the JSON body {what} (at byte {})", self.offset)
    }
}

impl std::error::Error for CanonicalJsonError {}

/// The canonical form of the JSON text `input`; see the [module docs](crate::canonical).
pub fn canonicalize(input: &[u8]) -> Result<String, CanonicalJsonError> {
    let mut out = String::with_capacity(input.len());
    canonicalize_into(input, &mut out)?;
    Ok(out)
}

/// [`canonicalize`], appending to `out` (left as it was on error).
pub fn canonicalize_into(input: &[u8], out: &mut String) -> Result<(), CanonicalJsonError> {
    let text = std::str::from_utf8(input).map_err(|e| CanonicalJsonError {
        kind: CanonicalJsonErrorKind::InvalidUtf8,
        offset: e.valid_up_to(),
    })?;
    let start = out.len();
    let mut parser = Parser {
        text,
        bytes: input,
        pos: 0,
        depth: 0,
        members: Vec::new(),
    };
    let result = parser.value(out).and_then(|()| {
        parser.skip_ws();
        if parser.pos == input.len() {
            Ok(())
        } else {
            Err(parser.error(CanonicalJsonErrorKind::Syntax))
        }
    });
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Whether `input` is already in canonical form, checked in one pass without writing
/// anything. Conservative: `false` only means "not proven" (floats, escapes other than `\"`
/// and `\\`, non-ASCII text, keys with escapes and deep nesting are left to
/// [`canonicalize`]). `true` guarantees `canonicalize(input) == input`.
pub(crate) fn is_canonical(input: &[u8]) -> bool {
    /// Open containers: for an object, where its previous key starts and ends.
    const MAX: usize = 32;
    let mut stack = [(false, 0usize, 0usize); MAX];
    let mut depth = 0usize;
    let mut i = 0usize;
    // Expecting a value (true) or what follows one (false).
    let mut want_value = true;
    loop {
        if want_value {
            match input.get(i) {
                Some(b'{' | b'[') => {
                    if depth == MAX {
                        return false;
                    }
                    let object = input[i] == b'{';
                    stack[depth] = (object, 0, 0);
                    depth += 1;
                    i += 1;
                    let close = if object { b'}' } else { b']' };
                    if input.get(i) == Some(&close) {
                        depth -= 1;
                        i += 1;
                        want_value = false;
                        continue;
                    }
                    if object {
                        // The first key.
                        let Some((key, next)) = object_key(input, i) else {
                            return false;
                        };
                        (stack[depth - 1].1, stack[depth - 1].2) = (key.start, key.end);
                        i = next;
                    }
                    continue;
                }
                Some(b'"') => {
                    let Some(end) = escaped_string_end(input, i) else {
                        return false;
                    };
                    i = end + 1;
                }
                Some(b't') if input[i..].starts_with(b"true") => i += 4,
                Some(b'f') if input[i..].starts_with(b"false") => i += 5,
                Some(b'n') if input[i..].starts_with(b"null") => i += 4,
                Some(b'-' | b'0'..=b'9') => {
                    let start = i;
                    if input[i] == b'-' {
                        i += 1;
                    }
                    let digits = i;
                    match input.get(i) {
                        Some(b'0') => i += 1,
                        Some(b'1'..=b'9') => {
                            while let Some(b'0'..=b'9') = input.get(i) {
                                i += 1;
                            }
                        }
                        _ => return false,
                    }
                    if i - digits > MAX_INTEGER_DIGITS
                        || &input[start..i] == b"-0"
                        || matches!(input.get(i), Some(b'.' | b'e' | b'E' | b'0'..=b'9'))
                    {
                        return false;
                    }
                }
                _ => return false,
            }
            want_value = false;
            continue;
        }
        // After a value.
        if depth == 0 {
            return i == input.len();
        }
        let (object, prev_start, prev_end) = stack[depth - 1];
        match input.get(i) {
            Some(b',') => {
                i += 1;
                if object {
                    let Some((key, next)) = object_key(input, i) else {
                        return false;
                    };
                    if input[prev_start..prev_end] >= input[key.clone()] {
                        return false;
                    }
                    (stack[depth - 1].1, stack[depth - 1].2) = (key.start, key.end);
                    i = next;
                }
                want_value = true;
            }
            Some(b'}') if object => {
                depth -= 1;
                i += 1;
            }
            Some(b']') if !object => {
                depth -= 1;
                i += 1;
            }
            _ => return false,
        }
    }
}

/// The plain key at `start` followed by `:`: the key's content and where its value starts.
fn object_key(input: &[u8], start: usize) -> Option<(Range<usize>, usize)> {
    let end = plain_string_end(input, start)?;
    (input.get(end + 1) == Some(&b':')).then_some((start + 1..end, end + 2))
}

/// The index of the closing quote of the string at `start`, if it holds only printable
/// ASCII without escapes (so its bytes order like its characters).
fn plain_string_end(input: &[u8], start: usize) -> Option<usize> {
    if input.get(start) != Some(&b'"') {
        return None;
    }
    let mut i = start + 1;
    loop {
        match *input.get(i)? {
            b'"' => return Some(i),
            b'\\' => return None,
            b' '..=b'~' => i += 1,
            _ => return None,
        }
    }
}

/// Like [`plain_string_end`], also allowing the escapes `\"` and `\\` (written the same in
/// canonical form).
fn escaped_string_end(input: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match *input.get(i)? {
            b'"' => return Some(i),
            b'\\' => match input.get(i + 1)? {
                b'"' | b'\\' => i += 2,
                _ => return None,
            },
            b' '..=b'~' => i += 1,
            _ => return None,
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Members of the objects being written, innermost last.
    members: Vec<Member<'a>>,
}

/// One object member: its key as WTF-8 code points (for sorting) and where its canonical
/// text `"key":value` sits in the output.
struct Member<'a> {
    key: Cow<'a, [u8]>,
    span: Range<usize>,
}

impl<'a> Parser<'a> {
    fn error(&self, kind: CanonicalJsonErrorKind) -> CanonicalJsonError {
        CanonicalJsonError {
            kind,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), CanonicalJsonError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(CanonicalJsonErrorKind::Syntax))
        }
    }

    fn literal(&mut self, word: &'static str, out: &mut String) -> Result<(), CanonicalJsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            out.push_str(word);
            Ok(())
        } else {
            Err(self.error(CanonicalJsonErrorKind::Syntax))
        }
    }

    fn value(&mut self, out: &mut String) -> Result<(), CanonicalJsonError> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.nested(out, Self::object),
            Some(b'[') => self.nested(out, Self::array),
            Some(b'"') => self.string(out).map(drop),
            Some(b't') => self.literal("true", out),
            Some(b'f') => self.literal("false", out),
            Some(b'n') => self.literal("null", out),
            Some(b'N') => self.literal("NaN", out),
            Some(b'I') => self.literal("Infinity", out),
            Some(b'-') if self.bytes.get(self.pos + 1) == Some(&b'I') => {
                self.literal("-Infinity", out)
            }
            Some(b'-' | b'0'..=b'9') => self.number(out),
            _ => Err(self.error(CanonicalJsonErrorKind::Syntax)),
        }
    }

    fn nested(
        &mut self,
        out: &mut String,
        parse: fn(&mut Self, &mut String) -> Result<(), CanonicalJsonError>,
    ) -> Result<(), CanonicalJsonError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(CanonicalJsonErrorKind::TooDeep));
        }
        self.depth += 1;
        let result = parse(self, out);
        self.depth -= 1;
        result
    }

    fn array(&mut self, out: &mut String) -> Result<(), CanonicalJsonError> {
        self.pos += 1; // [
        out.push('[');
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            out.push(']');
            return Ok(());
        }
        loop {
            self.value(out)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    out.push(',');
                }
                Some(b']') => {
                    self.pos += 1;
                    out.push(']');
                    return Ok(());
                }
                _ => return Err(self.error(CanonicalJsonErrorKind::Syntax)),
            }
        }
    }

    /// Writes an object's members as they come; if their keys were not in strictly
    /// increasing order, rewrites them sorted, keeping the last of repeated keys (Python's
    /// `dict`). Members are kept on one stack shared by all objects of the document.
    fn object(&mut self, out: &mut String) -> Result<(), CanonicalJsonError> {
        self.pos += 1; // {
        let start = out.len();
        out.push('{');
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            out.push('}');
            return Ok(());
        }
        let base = self.members.len();
        let mut sorted = true;
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error(CanonicalJsonErrorKind::Syntax));
            }
            let member_start = out.len();
            let key = self.string(out)?;
            if self.members.len() > base {
                sorted &= self.members[self.members.len() - 1].key < key;
            }
            self.skip_ws();
            self.expect(b':')?;
            out.push(':');
            self.value(out)?;
            self.members.push(Member {
                key,
                span: member_start..out.len(),
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    out.push(',');
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.error(CanonicalJsonErrorKind::Syntax)),
            }
        }
        if !sorted {
            let members = &mut self.members[base..];
            members.sort_by(|a, b| a.key.cmp(&b.key));
            let written = out[start..].to_owned();
            out.truncate(start + 1);
            let mut first = true;
            for (i, member) in members.iter().enumerate() {
                if members
                    .get(i + 1)
                    .is_some_and(|next| next.key == member.key)
                {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&written[member.span.start - start..member.span.end - start]);
            }
        }
        self.members.truncate(base);
        out.push('}');
        Ok(())
    }

    /// Writes the string at `pos` in canonical form and returns its decoded content as WTF-8
    /// (borrowed when it has no escapes), for key ordering.
    fn string(&mut self, out: &mut String) -> Result<Cow<'a, [u8]>, CanonicalJsonError> {
        self.pos += 1; // "
        let content_start = self.pos;
        let mut decoded: Option<Vec<u8>> = None;
        out.push('"');
        loop {
            // A run of characters written as they are.
            let run = self.pos;
            while let Some(b' '..=b'~') = self.peek() {
                let b = self.bytes[self.pos];
                if b == b'"' || b == b'\\' {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            if let Some(d) = decoded.as_mut() {
                d.extend_from_slice(&self.bytes[run..self.pos]);
            }
            match self.peek() {
                None => return Err(self.error(CanonicalJsonErrorKind::Syntax)),
                Some(b'"') => {
                    let end = self.pos;
                    self.pos += 1;
                    out.push('"');
                    return Ok(match decoded {
                        Some(d) => Cow::Owned(d),
                        None => Cow::Borrowed(&self.bytes[content_start..end]),
                    });
                }
                Some(b'\\') => {
                    let d =
                        decoded.get_or_insert_with(|| self.bytes[content_start..self.pos].to_vec());
                    let unit =
                        Self::escape(self.bytes, &mut self.pos).ok_or(CanonicalJsonError {
                            kind: CanonicalJsonErrorKind::Syntax,
                            offset: self.pos,
                        })?;
                    let mut code = u32::from(unit);
                    // A high surrogate escape followed by a low one is one character.
                    if (0xD800..0xDC00).contains(&code)
                        && self.bytes[self.pos..].starts_with(b"\\u")
                    {
                        let mut lookahead = self.pos;
                        if let Some(low) = Self::escape(self.bytes, &mut lookahead)
                            && (0xDC00..0xE000).contains(&low)
                        {
                            self.pos = lookahead;
                            write_unit(out, unit);
                            write_unit(out, low);
                            code = 0x10000 + ((code - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                            push_wtf8(d, code);
                            continue;
                        }
                    }
                    write_code_point(out, code);
                    push_wtf8(d, code);
                }
                Some(b) if b < 0x20 => {
                    // Python's strict mode refuses raw control characters.
                    return Err(self.error(CanonicalJsonErrorKind::Syntax));
                }
                Some(_) => {
                    // DEL or a non-ASCII character: \uXXXX per UTF-16 unit.
                    let c = self.text[self.pos..].chars().next().unwrap_or_default();
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        write_unit(out, *unit);
                    }
                    if let Some(d) = decoded.as_mut() {
                        d.extend_from_slice(&self.bytes[self.pos..self.pos + c.len_utf8()]);
                    }
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// Reads the escape at `pos` (which is a backslash) and returns the UTF-16 unit it
    /// stands for; `None` if it is not a valid escape.
    fn escape(bytes: &[u8], pos: &mut usize) -> Option<u16> {
        let unit = match *bytes.get(*pos + 1)? {
            b'"' => u16::from(b'"'),
            b'\\' => u16::from(b'\\'),
            b'/' => u16::from(b'/'),
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => u16::from(b'\n'),
            b'r' => u16::from(b'\r'),
            b't' => u16::from(b'\t'),
            b'u' => {
                let hex = bytes.get(*pos + 2..*pos + 6)?;
                let mut unit = 0u16;
                for &h in hex {
                    unit = unit << 4 | char::from(h).to_digit(16)? as u16;
                }
                *pos += 6;
                return Some(unit);
            }
            _ => return None,
        };
        *pos += 2;
        Some(unit)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self, out: &mut String) -> Result<(), CanonicalJsonError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error(CanonicalJsonErrorKind::Syntax)),
        }
        let int_digits = self.pos - int_start;
        let mut float = false;
        // A fraction or exponent only counts when digits follow (Python's NUMBER_RE).
        if self.peek() == Some(b'.') && matches!(self.bytes.get(self.pos + 1), Some(b'0'..=b'9')) {
            self.pos += 1;
            self.digits();
            float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            let mut p = self.pos + 1;
            if let Some(b'+' | b'-') = self.bytes.get(p) {
                p += 1;
            }
            if let Some(b'0'..=b'9') = self.bytes.get(p) {
                self.pos = p;
                self.digits();
                float = true;
            }
        }
        let token = &self.text[start..self.pos];
        if !float {
            if int_digits > MAX_INTEGER_DIGITS {
                return Err(CanonicalJsonError {
                    kind: CanonicalJsonErrorKind::IntegerTooLong,
                    offset: start,
                });
            }
            out.push_str(if token == "-0" { "0" } else { token });
            return Ok(());
        }
        let value: f64 = token.parse().map_err(|_| CanonicalJsonError {
            kind: CanonicalJsonErrorKind::Syntax,
            offset: start,
        })?;
        write_python_float(out, value);
        Ok(())
    }
}

fn write_unit(out: &mut String, unit: u16) {
    let _ = write!(out, "\\u{unit:04x}");
}

/// Writes one decoded code point (or lone surrogate) as Python's `ensure_ascii` does.
fn write_code_point(out: &mut String, code: u32) {
    match code {
        0x22 => out.push_str("\\\""),
        0x5c => out.push_str("\\\\"),
        0x0a => out.push_str("\\n"),
        0x0d => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        0x20..=0x7e => out.push(char::from(code as u8)),
        // Escapes only produce BMP units here; pairs are written by the caller.
        _ => write_unit(out, code as u16),
    }
}

/// Writes `s` as a JSON string the way Python's `json.dumps` (`ensure_ascii=True`) does.
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&s[run..i]);
        if b.is_ascii() {
            write_code_point(out, u32::from(b));
            i += 1;
        } else {
            let c = s[i..].chars().next().unwrap_or_default();
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write_unit(out, *unit);
            }
            i += c.len_utf8();
        }
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// Appends `code` (a scalar value or a lone surrogate) in WTF-8, whose byte order is code
/// point order.
fn push_wtf8(buf: &mut Vec<u8>, code: u32) {
    match char::from_u32(code) {
        Some(c) => buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        None => buf.extend_from_slice(&[
            0xE0 | (code >> 12) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]),
    }
}

/// Writes `value` as Python's `repr(float)` (and `json.dumps`) does.
pub(crate) fn write_python_float(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // Shortest round-trip digits (Rust picks the closest candidate; on an exact tie between
    // two, Python's dtoa picks the even one, so redo the rounding exactly, half to even).
    let shortest = format!("{value:e}");
    let significant = shortest
        .split('e')
        .next()
        .unwrap_or_default()
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    let even = format!("{value:.*e}", significant.saturating_sub(1));
    let sci = if even != shortest && even.parse::<f64>() == Ok(value) {
        even
    } else {
        shortest
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = match digits.trim_end_matches('0') {
        "" => "0",
        d => d,
    };
    out.push_str(sign);
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(digits);
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        canonicalize(s.as_bytes()).unwrap()
    }

    fn kind(s: &[u8]) -> CanonicalJsonErrorKind {
        canonicalize(s).unwrap_err().kind()
    }

    #[test]
    fn python_cases() {
        assert_eq!(canon("106382681903790.625"), "106382681903790.62");
        assert_eq!(
            canon("[-0, -0.0, 0e0, -0e0, 1E5]"),
            "[0,-0.0,0.0,-0.0,100000.0]"
        );
        assert_eq!(canon("[1e400, -1e400, NaN]"), "[Infinity,-Infinity,NaN]");
        assert_eq!(
            canon("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
        assert_eq!(
            canon(r#"{"a":1,"a":2,"\ud83d\ude00":1,"\ud83d":2,"\ue000":3}"#),
            r#"{"a":2,"\ud83d":2,"\ue000":3,"\ud83d\ude00":1}"#
        );
        assert_eq!(canon(r#""\u0041\/\u00E9""#), r#""A/\u00e9""#);
    }

    #[test]
    fn what_python_rejects_is_an_error() {
        for bad in [
            &b"{"[..],
            b"[1,]",
            b"01",
            b"1.",
            b"\"a\tb\"",
            b"\xef\xbb\xbf{}",
            b"{} x",
            b"\"\\x\"",
            b"",
            b"-",
            b"[1 2]",
            b"{1:2}",
        ] {
            assert_eq!(
                kind(bad),
                CanonicalJsonErrorKind::Syntax,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(kind(b"\"\xff\""), CanonicalJsonErrorKind::InvalidUtf8);
        assert_eq!(
            kind("1".repeat(4301).as_bytes()),
            CanonicalJsonErrorKind::IntegerTooLong
        );
        assert!(canonicalize("1".repeat(4300).as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(kind(deep.as_bytes()), CanonicalJsonErrorKind::TooDeep);
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(canonicalize(ok.as_bytes()).is_ok());
    }

    #[test]
    fn errors_name_the_offset_not_the_content() {
        let err = canonicalize(br#"{"userSecret":"hunter2" x}"#).unwrap_err();
        assert_eq!(err.offset(), 24);
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }

    #[test]
    fn output_on_error_is_untouched() {
        let mut out = String::from("kept");
        assert!(canonicalize_into(br#"{"b":1,"a":[2,"#, &mut out).is_err());
        assert_eq!(out, "kept");
    }

    /// The one-pass check never calls a body canonical when it is not, and recognises the
    /// canonical form of ordinary documents.
    #[test]
    fn is_canonical_is_sound_on_the_reference_vectors() {
        let cases: Vec<(String, Option<String>)> =
            serde_json::from_str(include_str!("../tests/vectors/canonical_json.json")).unwrap();
        let mut recognised = 0;
        for (input, expected) in &cases {
            if is_canonical(input.as_bytes()) {
                assert_eq!(Some(input), expected.as_ref(), "{input:.80}");
            }
            if let Some(expected) = expected {
                assert!(canonicalize(expected.as_bytes()).as_ref() == Ok(expected));
                recognised += usize::from(is_canonical(expected.as_bytes()));
            }
        }
        assert!(recognised > 300, "{recognised}");
        for canonical in [
            &br#"{"a":[1,-2,true,false,null,"x\"\\y"],"b":{"c":{}},"d":[]}"#[..],
            b"[]",
            b"0",
            br#""""#,
        ] {
            assert!(is_canonical(canonical));
        }
        for not in [
            &br#"{"b":1,"a":2}"#[..],
            br#"{"a":1,"a":2}"#,
            b"[1, 2]",
            b"-0",
            b"1.5",
            br#""\n""#,
            br#"{"\"":1}"#,
            b"[1,]",
            br#"{"a":1"#,
            b"[1]]",
        ] {
            assert!(!is_canonical(not), "{}", String::from_utf8_lossy(not));
        }
    }

    /// Random documents built from JSON's tokens (valid or not): no panic; the output, when
    /// there is one, is its own canonical form and is recognised as such; `is_canonical` never
    /// vouches for input that changes.
    #[test]
    fn random_token_soup_properties() {
        const TOKENS: [&str; 28] = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\"a\"",
            "\"b\"",
            "\"\\u00e9\"",
            "\"\\ud83d\"",
            "\"\\\"\"",
            "\"é\"",
            "0",
            "-0",
            "1",
            "-12",
            "1.5",
            "1e400",
            "2.50",
            "true",
            "false",
            "null",
            "NaN",
            "-Infinity",
            "\"\\n\"",
            "\t",
            "\u{7f}",
        ];
        let mut rng = fastrand::Rng::with_seed(11);
        let mut accepted = 0;
        for _ in 0..50_000 {
            let doc: String = (0..rng.usize(1..12))
                .map(|_| TOKENS[rng.usize(..TOKENS.len())])
                .collect();
            let out = canonicalize(doc.as_bytes());
            if is_canonical(doc.as_bytes()) {
                assert_eq!(out.as_deref(), Ok(doc.as_str()), "{doc}");
            }
            if let Ok(out) = out {
                accepted += 1;
                assert!(out.is_ascii(), "{doc} -> {out}");
                assert_eq!(
                    canonicalize(out.as_bytes()).as_deref(),
                    Ok(out.as_str()),
                    "{doc}"
                );
            }
        }
        assert!(accepted > 1_000, "{accepted}");
    }

    /// Random doubles: the output reads back as the same value, and never has more digits
    /// than Rust's shortest form.
    #[test]
    fn floats_round_trip() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let v = f64::from_bits(rng.u64(..));
            if !v.is_finite() {
                continue;
            }
            let mut out = String::new();
            write_python_float(&mut out, v);
            assert_eq!(out.parse::<f64>().ok(), Some(v), "{out}");
        }
    }
}
