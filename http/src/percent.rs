//! Percent-decoding (`%XX`, RFC 3986 §2.1) of a request target, in place.

use crate::HttpError;

/// Decodes `%XX` escapes (either case of hex digit) in place and returns
/// the decoded length, never longer than the input: the decoded bytes are
/// `buf[..len]`, the rest of `buf` is left unspecified. A `%` not followed
/// by two hex digits is [`HttpError::InvalidTarget`]. Bytes other than
/// escapes are copied as they are (`+` stays `+`: this is a path, not a
/// form).
///
/// ```
/// use bitwake_http::percent_decode_in_place;
/// let mut buf = *b"Hello%20W%6frld";
/// let n = percent_decode_in_place(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"Hello World");
/// assert!(percent_decode_in_place(&mut [b'5', b'0', b'%']).is_err());
/// ```
pub fn percent_decode_in_place(buf: &mut [u8]) -> Result<usize, HttpError> {
    let (mut r, mut w) = (0, 0);
    while let Some(&b) = buf.get(r) {
        let b = if b == b'%' {
            let hi = buf.get(r + 1).and_then(|&c| hex(c));
            let lo = buf.get(r + 2).and_then(|&c| hex(c));
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(HttpError::InvalidTarget);
            };
            r += 3;
            hi << 4 | lo
        } else {
            r += 1;
            b
        };
        // `w < r`: every step reads at least as many bytes as it writes.
        buf[w] = b;
        w += 1;
    }
    Ok(w)
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &[u8]) -> Result<Vec<u8>, HttpError> {
        let mut buf = s.to_vec();
        let n = percent_decode_in_place(&mut buf)?;
        Ok(buf[..n].to_vec())
    }

    #[test]
    fn decodes_escapes_and_rejects_broken_ones() {
        assert_eq!(decode(b""), Ok(vec![]));
        assert_eq!(decode(b"a+b"), Ok(b"a+b".to_vec()));
        assert_eq!(decode(b"%41%62%2f%2F"), Ok(b"Ab//".to_vec()));
        assert_eq!(decode(b"%00%ff"), Ok(vec![0, 0xff]));
        assert_eq!(decode(b"%2541"), Ok(b"%41".to_vec()), "decoded once only");
        for bad in [&b"%"[..], b"%4", b"a%", b"%g0", b"%0g", b"% 41", b"%%41"] {
            assert_eq!(decode(bad), Err(HttpError::InvalidTarget), "{bad:?}");
        }
    }
}
