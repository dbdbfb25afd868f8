//! Small shared helpers: a bounds-checked slice writer and byte-level parsing.

use crate::HttpError;

/// Appends to a fixed slice; every overflow is [`HttpError::BufferTooSmall`].
pub(crate) struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceWriter<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        SliceWriter { buf, len: 0 }
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<(), HttpError> {
        let end = self
            .len
            .checked_add(bytes.len())
            .ok_or(HttpError::BufferTooSmall)?;
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(HttpError::BufferTooSmall)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Writes `n` in decimal without `core::fmt` (which costs code size).
    pub(crate) fn put_u64(&mut self, mut n: u64) -> Result<(), HttpError> {
        // u64::MAX has 20 digits; fill from the right.
        let mut digits = [0u8; 20];
        let mut len = 0;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
            len += 1;
            if n == 0 {
                break;
            }
        }
        self.put(digits.get(digits.len() - len..).unwrap_or_default())
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Parses a non-empty run of ASCII digits into a `u64`; `None` on anything
/// else (sign, space, empty) or on overflow.
pub(crate) fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// RFC 9110 `tchar`: the bytes allowed in methods and header names.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Bytes allowed in a header value: HTAB, visible ASCII, SP, and obs-text.
pub(crate) fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80
}

/// Strips optional whitespace (SP / HTAB) on both sides.
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"+1"), None);
        assert_eq!(parse_u64(b"1 "), None);
        let mut buf = [0u8; 20];
        for n in [0, 7, 10, 12345, u64::MAX] {
            let mut w = SliceWriter::new(&mut buf);
            w.put_u64(n).unwrap();
            let l = w.len();
            assert_eq!(core::str::from_utf8(&buf[..l]).unwrap(), n.to_string());
        }
        let mut small = [0u8; 2];
        assert_eq!(
            SliceWriter::new(&mut small).put_u64(123),
            Err(HttpError::BufferTooSmall)
        );
        assert_eq!(trim_ows(b" \t a b\t "), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
    }
}
