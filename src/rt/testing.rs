//! A tiny test harness for freestanding programs (libtest needs std).
//!
//! A test program lists its cases and hands them to [`run`]; each case prints
//! one line, `test NAME ... ok` or `test NAME ... FAILED: why`, and the
//! program exits non-zero when any case failed. `cargo xtask test` runs the
//! program natively and under QEMU and counts the lines. The `test NAME ... `
//! prefix is written *before* a case runs, so if a case crashes the process,
//! the unfinished line names it.
//!
//! ```ignore
//! bitwake::main!(main);
//! fn main() -> i32 { bitwake::rt::testing::run(bitwake::cases![roundtrip]) }
//! fn roundtrip() -> bitwake::rt::testing::Outcome {
//!     bitwake::check_eq!(1 + 1, 2);
//!     Ok(())
//! }
//! ```

use crate::sys::Errno;
use core::fmt::{self, Write};

/// Why a case failed: a short message (truncated to fit, never panicking).
pub struct Failure(heapless::String<240>);

impl Failure {
    /// A failure with a formatted message.
    pub fn new(args: fmt::Arguments<'_>) -> Self {
        let mut s = Truncating(heapless::String::new());
        let _ = s.write_fmt(args);
        Failure(s.0)
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

struct Truncating(heapless::String<240>);

impl Write for Truncating {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            // Keep each report on one line.
            let c = if c == '\n' { ' ' } else { c };
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// An unexpected error from a system call fails the case with its name.
impl From<Errno> for Failure {
    fn from(e: Errno) -> Self {
        Failure::new(format_args!("unexpected error {e}"))
    }
}

/// What a case returns.
pub type Outcome = Result<(), Failure>;

/// One named test case.
pub struct Case {
    /// Printed in the report line.
    pub name: &'static str,
    /// The case itself.
    pub run: fn() -> Outcome,
}

/// Runs every case in order, reports each, and returns the exit status
/// (0 when all passed, 1 otherwise). Arguments `--filter=TEXT` select the
/// cases whose name contains `TEXT` (several may be given).
pub fn run(cases: &[Case]) -> i32 {
    let filters: heapless::Vec<&[u8], 8> = crate::rt::args()
        .skip(1)
        .filter(|a| a.starts_with(b"--filter="))
        .map(|a| &a[9..])
        .take(8)
        .collect();
    let (mut passed, mut failed) = (0, 0);
    for case in cases {
        if !filters.is_empty() && !filters.iter().any(|f| contains(case.name.as_bytes(), f)) {
            continue;
        }
        crate::print!("test {} ... ", case.name);
        match (case.run)() {
            Ok(()) => {
                passed += 1;
                crate::println!("ok");
            }
            Err(f) => {
                failed += 1;
                crate::println!("FAILED: {}", f.message());
            }
        }
    }
    crate::println!("test result: {passed} passed, {failed} failed");
    if failed == 0 { 0 } else { 1 }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// Builds a `&[Case]` from case functions, named after them.
///
/// *Needs the `rt` feature (the freestanding test harness).*
#[macro_export]
macro_rules! cases {
    ($($case:path),* $(,)?) => {
        &[$($crate::rt::testing::Case { name: stringify!($case), run: $case }),*]
    };
}

/// Fails the case (returning early) unless `cond` holds.
///
/// *Needs the `rt` feature (the freestanding test harness).*
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            return Err($crate::rt::testing::Failure::new(format_args!(
                "{}:{}: check failed: {}", file!(), line!(), stringify!($cond)
            )));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::rt::testing::Failure::new(format_args!(
                "{}:{}: {}", file!(), line!(), format_args!($($arg)+)
            )));
        }
    };
}

/// Fails the case (returning early) unless `left == right`, showing both.
///
/// *Needs the `rt` feature (the freestanding test harness).*
#[macro_export]
macro_rules! check_eq {
    ($left:expr, $right:expr $(,)?) => {
        match (&$left, &$right) {
            (l, r) => {
                if !(*l == *r) {
                    return Err($crate::rt::testing::Failure::new(format_args!(
                        "{}:{}: {} == {} failed: left {:?}, right {:?}",
                        file!(),
                        line!(),
                        stringify!($left),
                        stringify!($right),
                        l,
                        r
                    )));
                }
            }
        }
    };
}
