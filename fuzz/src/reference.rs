//! Independent, deliberately plain readings of the formats, to compare the
//! parsers against: written differently (whole-buffer, allocating) so that a
//! shared mistake is unlikely.

/// `%XX` decoding; `None` for a `%` without two hex digits after it.
pub fn percent_decode(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'%' {
            let hex = data.get(i + 1..i + 3)?;
            // `from_str_radix` alone would accept a sign ("%+1").
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// RFC 9110 `tchar`.
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The delay and the decoded message of a head's request line
/// (`GET /{delay}/{message}[?query] HTTP/1.x`), after any empty lines.
pub fn request_line(head: &[u8]) -> Option<(u64, Option<Vec<u8>>)> {
    let text = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .find(|l| !l.is_empty())?;
    let parts: Vec<&[u8]> = text.splitn(3, |&b| b == b' ').collect();
    let target = parts.get(1)?;
    let path = target.split(|&b| b == b'?').next()?.strip_prefix(b"/")?;
    let slash = path.iter().position(|&b| b == b'/')?;
    let delay = std::str::from_utf8(&path[..slash]).ok()?;
    if delay.is_empty() || !delay.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((delay.parse().ok()?, percent_decode(&path[slash + 1..])))
}
