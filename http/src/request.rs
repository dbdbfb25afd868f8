//! The request side of the client: format a `GET` that cannot be used to
//! inject a header or split the request.

use crate::HttpError;
use crate::write::SliceWriter;

/// Formats `GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n`
/// into `out` and returns its length.
///
/// `path` must start with `/` and consist of visible ASCII (percent-encode
/// anything else first); `host` is `name` or `name:port`. Both are checked so
/// a caller can never inject a header or split the request.
pub fn format_get(host: &str, path: &str, out: &mut [u8]) -> Result<usize, HttpError> {
    format_get_bytes(host.as_bytes(), path, out)
}

/// [`format_get`] with the host as bytes (`Http::get` formats it itself).
pub(crate) fn format_get_bytes(h: &[u8], path: &str, out: &mut [u8]) -> Result<usize, HttpError> {
    let p = path.as_bytes();
    if p.first() != Some(&b'/') || !p.iter().all(|b| b.is_ascii_graphic()) {
        return Err(HttpError::InvalidPath);
    }
    if h.is_empty() || !h.iter().all(|&b| b.is_ascii_graphic() && b != b'/') {
        return Err(HttpError::InvalidHost);
    }
    let mut w = SliceWriter::new(out);
    w.put(b"GET ")?;
    w.put(p)?;
    w.put(b" HTTP/1.1\r\nHost: ")?;
    w.put(h)?;
    w.put(b"\r\nConnection: close\r\n\r\n")?;
    Ok(w.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_books_request() {
        let mut buf = [0u8; 128];
        let n = format_get("127.0.0.1:8080", "/600/HelloAsyncAwait", &mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            b"GET /600/HelloAsyncAwait HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n"
        );
        assert_eq!(
            format_get("h", "/x", &mut buf[..10]),
            Err(HttpError::BufferTooSmall)
        );
        assert_eq!(format_get("h", "x", &mut buf), Err(HttpError::InvalidPath));
        assert_eq!(format_get("h", "", &mut buf), Err(HttpError::InvalidPath));
        assert_eq!(
            format_get("h", "/a b", &mut buf),
            Err(HttpError::InvalidPath)
        );
        assert_eq!(
            format_get("h", "/a\r\nX: y", &mut buf),
            Err(HttpError::InvalidPath)
        );
        assert_eq!(format_get("", "/", &mut buf), Err(HttpError::InvalidHost));
        assert_eq!(
            format_get("a\nb", "/", &mut buf),
            Err(HttpError::InvalidHost)
        );
        assert_eq!(
            format_get("a/b", "/", &mut buf),
            Err(HttpError::InvalidHost)
        );
    }
}
