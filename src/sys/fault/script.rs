//! Fault scripts from text, for whole programs: the `BITWAKE_FAULTS`
//! environment variable holds a comma-separated list of rules, read at
//! start-up ([`install_from_env`]) and reported on at exit
//! ([`report_from_env`]).
//!
//! The text comes from outside the program, so the parser treats it as
//! hostile: any byte string yields a script or a [`SpecError`], never a
//! panic.

use super::rules::{self, Action, MAX_RULES, Rule};
use crate::sys::{Errno, nr};
use core::fmt;

/// Why a textual script was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecError {
    /// A rule is not `syscall:action[@first][/every][*times]`, names an
    /// unknown syscall or error, or has a bad number (the rule's index).
    BadRule(usize),
    /// More than [`MAX_RULES`] rules.
    TooLong,
}

/// The syscalls a textual script may name.
const NAMES: &[(&str, usize)] = &[
    ("read", nr::READ),
    ("write", nr::WRITE),
    ("recvfrom", nr::RECVFROM),
    ("sendto", nr::SENDTO),
    ("accept4", nr::ACCEPT4),
    ("connect", nr::CONNECT),
    ("socket", nr::SOCKET),
    ("epoll_pwait", nr::EPOLL_PWAIT),
    ("epoll_ctl", nr::EPOLL_CTL),
    ("eventfd2", nr::EVENTFD2),
    ("pipe2", nr::PIPE2),
];

/// A decimal number of 1 to 9 digits (so it always fits a `u32`).
fn number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// Parses one rule: `syscall:action[@first][/every][*times]`, where the
/// action is an errno name (`EINTR`, `ECONNRESET`...), `half` or `capN`.
/// Example: `epoll_pwait:EINTR@5/5` is "every 5th epoll_pwait from the 5th
/// returns EINTR"; `accept4:EMFILE*2` is "accept4 returns EMFILE twice".
pub fn parse_rule(text: &[u8]) -> Option<Rule> {
    let colon = text.iter().position(|&b| b == b':')?;
    let (name, rest) = text.split_at(colon);
    let rest = rest.get(1..)?;
    let nr = NAMES.iter().find(|(n, _)| n.as_bytes() == name)?.1;
    let end = rest
        .iter()
        .position(|b| b"@/*".contains(b))
        .unwrap_or(rest.len());
    let (action, mut mods) = rest.split_at(end);
    let mut rule = if action == b"half" {
        Rule::halve(nr)
    } else if let Some(n) = action.strip_prefix(b"cap") {
        Rule::cap(nr, usize::try_from(number(n)?).ok()?)
    } else {
        Rule::fail(nr, Errno::from_name(action)?)
    };
    while let [op, tail @ ..] = mods {
        let len = tail
            .iter()
            .position(|b| b"@/*".contains(b))
            .unwrap_or(tail.len());
        let (digits, next) = tail.split_at(len);
        let n = u32::try_from(number(digits)?).ok()?;
        rule = match op {
            b'@' => rule.from_call(n),
            b'/' => rule.every(n),
            _ => rule.times(n),
        };
        mods = next;
    }
    Some(rule)
}

/// A rule in the text form [`parse_rule`] reads, defaults left out, so a
/// rule parsed from text prints as text that parses back to the same rule.
/// What the text form cannot say is printed so that it does not parse: a
/// syscall without a name as `nr=N`, an error without a name as `errno=N`,
/// an argument match ([`Rule::when_arg`]) as `#argI=V`.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match NAMES.iter().find(|(_, n)| *n == self.nr) {
            Some((name, _)) => write!(f, "{name}:")?,
            None => write!(f, "nr={}:", self.nr)?,
        }
        match self.action {
            Action::Halve => f.write_str("half")?,
            Action::Cap(n) => write!(f, "cap{n}")?,
            Action::Fail(e) => match e.name() {
                Some(name) => f.write_str(name)?,
                None => write!(f, "errno={}", e.raw())?,
            },
        }
        if self.first != 1 {
            write!(f, "@{}", self.first)?;
        }
        if self.every != 1 {
            write!(f, "/{}", self.every)?;
        }
        if self.times != u32::MAX {
            write!(f, "*{}", self.times)?;
        }
        if let Some((i, v)) = self.arg {
            write!(f, "#arg{i}={v}")?;
        }
        Ok(())
    }
}

/// Parses a comma-separated textual script (see [`parse_rule`]; empty items
/// are skipped) into `rules`; returns how many it filled.
pub fn parse_spec(spec: &[u8], rules: &mut [Rule; MAX_RULES]) -> Result<usize, SpecError> {
    let mut n = 0;
    for (i, text) in spec
        .split(|&b| b == b',')
        .filter(|t| !t.is_empty())
        .enumerate()
    {
        let rule = parse_rule(text).ok_or(SpecError::BadRule(i))?;
        *rules.get_mut(n).ok_or(SpecError::TooLong)? = rule;
        n += 1;
    }
    Ok(n)
}

/// Installs a comma-separated textual script (see [`parse_rule`]); returns
/// how many rules it has. Nothing is installed if any rule is bad.
pub fn install_spec(spec: &[u8]) -> Result<usize, SpecError> {
    let mut rules = [Rule::halve(0); MAX_RULES];
    let n = parse_spec(spec, &mut rules)?;
    rules::install(rules.get(..n).ok_or(SpecError::TooLong)?).map_err(|_| SpecError::TooLong)?;
    Ok(n)
}

/// Program start-up hook (feature `rt`): installs the script in the
/// `BITWAKE_FAULTS` environment variable, if set, so whole programs (the
/// demo, the delay server) can run under faults. A bad script is reported
/// on stderr and ends the program with status 2: running without the faults
/// the caller asked for would make a test pass for the wrong reason.
#[cfg(feature = "rt")]
pub fn install_from_env() {
    if let Some(spec) = crate::rt::env("BITWAKE_FAULTS")
        && let Err(e) = install_spec(spec)
    {
        crate::eprintln!("bitwake: bad BITWAKE_FAULTS script: {e:?}");
        crate::sys::exit_group(2);
    }
}

/// Program exit hook (feature `rt`): with `BITWAKE_FAULTS` set, reports on
/// stderr how many faults each rule injected.
#[cfg(feature = "rt")]
pub fn report_from_env() {
    if crate::rt::env("BITWAKE_FAULTS").is_some() {
        crate::eprint!("bitwake: {} faults injected (", rules::total_injected());
        for i in (0..MAX_RULES).filter(|&i| rules::armed(i)) {
            crate::eprint!(
                "{}rule {i}: {}",
                if i == 0 { "" } else { ", " },
                rules::injected(i)
            );
        }
        crate::eprintln!(")");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &[u8]) -> Result<usize, SpecError> {
        parse_spec(spec, &mut [Rule::halve(0); MAX_RULES])
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(
            parse_rule(b"epoll_pwait:EINTR@5/5"),
            Some(
                Rule::fail(nr::EPOLL_PWAIT, Errno::EINTR)
                    .from_call(5)
                    .every(5)
            )
        );
        assert_eq!(
            parse_rule(b"accept4:EMFILE*2"),
            Some(Rule::fail(nr::ACCEPT4, Errno::EMFILE).times(2))
        );
        assert_eq!(parse_rule(b"write:half"), Some(Rule::halve(nr::WRITE)));
        assert_eq!(
            parse_rule(b"read:cap3*1@2"),
            Some(Rule::cap(nr::READ, 3).times(1).from_call(2))
        );
        let mut rules = [Rule::halve(0); MAX_RULES];
        assert_eq!(parse_spec(b",read:half,,write:EINTR,", &mut rules), Ok(2));
        assert_eq!(rules[0], Rule::halve(nr::READ));
        assert_eq!(rules[1], Rule::fail(nr::WRITE, Errno::EINTR));
        assert_eq!(parse(b""), Ok(0));
    }

    #[test]
    fn rules_print_as_the_text_they_parse_from() {
        for text in [
            "epoll_pwait:EINTR@5/5",
            "accept4:EMFILE*2",
            "write:half",
            "read:cap3@2*1",
            "sendto:ECONNRESET@3/2*7",
            "read:cap0",
        ] {
            let rule = parse_rule(text.as_bytes()).unwrap();
            assert_eq!(format!("{rule}"), text);
        }
        // Defaults are left out; what text cannot say does not parse back.
        assert_eq!(
            format!("{}", parse_rule(b"read:half@1/1@0").unwrap()),
            "read:half"
        );
        let odd = Rule::fail(9999, Errno::from_raw(4000)).when_arg(0, 7);
        assert_eq!(format!("{odd}"), "nr=9999:errno=4000#arg0=7");
        assert_eq!(parse_rule(format!("{odd}").as_bytes()), None);
    }

    #[test]
    fn hostile_scripts_are_errors_not_panics() {
        let bad: &[&[u8]] = &[
            // truncated lines
            b"read",
            b"read:",
            b":",
            b":half",
            b"read:half@",
            b"read:half/",
            b"read:half*",
            b"read:half@/",
            b"read:cap",
            b"read:EINT",
            // huge or malformed numbers
            b"read:cap99999999999999999999999",
            b"read:half@4294967296",
            b"read:half*1234567890",
            b"read:half@-1",
            b"read:half@+1",
            b"read:half@1x",
            b"read:half@ 1",
            // unknown syscalls, actions and errors
            b"exit_group:EINTR",
            b"READ:half",
            b"read :half",
            b"read:quarter",
            b"read:eintr",
            b"read:ENOTANERRNO",
            b"read:EINTR:EINTR",
            // non-UTF-8 and control bytes
            b"\xff\xfe:half",
            b"read:\xc3\x28",
            b"read:half@\xe2\x82",
            b"\0",
            b"read\0:half",
        ];
        for (i, s) in bad.iter().enumerate() {
            assert_eq!(parse_rule(s), None, "rule {i}: {s:?}");
            assert_eq!(parse(s), Err(SpecError::BadRule(0)), "rule {i}: {s:?}");
        }
        // The failing rule's index is reported.
        assert_eq!(parse(b"read:half,write:nope"), Err(SpecError::BadRule(1)));
    }

    #[test]
    fn scripts_over_the_limit_are_too_long() {
        let mut spec = [0u8; 11 * (MAX_RULES + 1)];
        for chunk in spec.chunks_mut(11) {
            chunk.copy_from_slice(b"read:EINTR,");
        }
        assert_eq!(parse(&spec[..11 * MAX_RULES]), Ok(MAX_RULES));
        assert_eq!(parse(&spec), Err(SpecError::TooLong));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A deterministic walk over short byte strings built from the
        // script's own alphabet and a few hostile bytes.
        const ALPHABET: &[u8] = b"read:half cap9@/*,EINTR0\xff\0";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut buf = [0u8; 24];
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 25) as usize;
            let mut s = state;
            for b in buf.iter_mut().take(len) {
                *b = ALPHABET[(s % ALPHABET.len() as u64) as usize];
                s = s.rotate_right(5).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            }
            let _ = parse(&buf[..len]);
        }
    }
}
