//! TCP over the reactor: [`TcpListener`] and [`TcpStream`], IPv4.
//!
//! Sockets are created `SOCK_NONBLOCK | SOCK_CLOEXEC`, registered
//! edge-triggered for both directions once, and written with
//! `send(MSG_NOSIGNAL)`: a peer that went away gives `EPIPE` or `ECONNRESET`
//! as an error value, never a SIGPIPE.
//!
//! **Needs the `linux` feature** (enabled by `rt`), on x86-64 or aarch64;
//! documented regardless.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod eio06;
mod eio07;
mod tcp;

pub use core::net::{Ipv4Addr, SocketAddrV4};
pub use tcp::{TcpListener, TcpStream};

/// Parses `"a.b.c.d:port"`; a malformed address is [`Error::InvalidInput`].
///
/// Accepts exactly what `SocketAddrV4`'s `FromStr` accepts (decimal octets
/// without leading zeros, a decimal port), in a fraction of its code size.
///
/// [`Error::InvalidInput`]: crate::io::Error::InvalidInput
pub fn parse_addr(s: &str) -> Result<SocketAddrV4, crate::io::Error> {
    parse_v4(s.as_bytes()).ok_or(crate::io::Error::InvalidInput)
}

fn parse_v4(mut s: &[u8]) -> Option<SocketAddrV4> {
    let mut ip = [0u8; 4];
    for (i, octet) in ip.iter_mut().enumerate() {
        let len = decimal(s, 255, octet)?;
        // No octal-looking octets ("01"), like core's parser.
        if len > 1 && s.first() == Some(&b'0') {
            return None;
        }
        let (&sep, rest) = s.get(len..)?.split_first()?;
        if sep != if i == 3 { b':' } else { b'.' } {
            return None;
        }
        s = rest;
    }
    let mut port = 0u16;
    let len = decimal(s, u16::MAX.into(), &mut port)?;
    (len == s.len()).then(|| SocketAddrV4::new(ip.into(), port))
}

/// Reads the decimal digits at the start of `s` into `out` and returns how
/// many there were; `None` if there are none or the value exceeds `max`.
fn decimal<T: TryFrom<u32>>(s: &[u8], max: u32, out: &mut T) -> Option<usize> {
    let mut n = 0u32;
    let mut len = 0;
    while let Some(&b) = s.get(len) {
        if !b.is_ascii_digit() {
            break;
        }
        // `n <= max <= 65535` before this step, so no overflow.
        n = n * 10 + u32::from(b - b'0');
        if n > max {
            return None;
        }
        len += 1;
    }
    *out = T::try_from(n).ok()?;
    (len > 0).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_core() {
        let fixed = [
            "127.0.0.1:8080",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "1.2.3.4:00080",
            "256.0.0.1:1",
            "01.2.3.4:5",
            "1.2.3.4:65536",
            "1.2.3:4",
            "1.2.3.4.5:6",
            "1.2.3.4",
            "1.2.3.4:",
            ":80",
            "",
            "1.2.3.4:8a",
            " 1.2.3.4:80",
            "1.2.3.4:80 ",
            "1..3.4:5",
            "1.2.3.4:+5",
            "1.2.3.4:-5",
            "1.2.3.4::5",
            "001.2.3.4:5",
            "1.2.3.4:99999999999999999999",
            "[::1]:80",
            "1.2.3.٤:5",
        ];
        let check = |s: &str| {
            assert_eq!(parse_addr(s).ok(), s.parse::<SocketAddrV4>().ok(), "{s:?}");
        };
        fixed.iter().for_each(|s| check(s));
        // Deterministic pseudo-random addresses: five digit runs (0..=6
        // digits, often with leading zeros or large values) joined by
        // separators that are mostly right.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut valid = 0;
        for _ in 0..100_000 {
            let mut s = std::string::String::new();
            for i in 0..5 {
                for _ in 0..next(4) + (next(8) / 7) * 3 {
                    s.push(b"0123456789000122556"[next(19) as usize] as char);
                }
                if i < 4 {
                    let right = if i == 3 { ':' } else { '.' };
                    s.push(if next(20) == 0 {
                        b".:x"[next(3) as usize] as char
                    } else {
                        right
                    });
                }
            }
            check(&s);
            valid += usize::from(parse_addr(&s).is_ok());
        }
        assert!(valid > 1_000, "{valid} valid addresses");
    }
}
