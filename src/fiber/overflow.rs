//! Reporting a fiber that overflowed its stack: never silent.
//!
//! On Linux the report goes to stderr as `fiber N overflowed its S-byte
//! stack` and the process exits with [`OVERFLOW_EXIT_STATUS`] (from the
//! switch that found the canary broken, or from the SIGSEGV handler when a
//! guard page was hit). Elsewhere it is a panic with the same message, which
//! the platform's panic handler reports.

/// Exit status of a process stopped because a fiber overflowed its stack
/// (distinct from a panic's 101 and from deaths by signal, 128 and above).
pub const OVERFLOW_EXIT_STATUS: i32 = 107;

#[cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod imp {
    use core::fmt::Write;

    /// A message built without the heap.
    pub(super) struct Line {
        buf: [u8; 96],
        len: usize,
    }

    impl Write for Line {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let n = s.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            Ok(())
        }
    }

    /// Writes the report to stderr and exits (async-signal-safe: two
    /// system calls and a formatted buffer on the caller's stack).
    pub(crate) fn report(id: u32, size: usize) -> ! {
        let mut l = Line {
            buf: [0; 96],
            len: 0,
        };
        let _ = writeln!(l, "fiber {id} overflowed its {size}-byte stack");
        let _ = crate::sys::write(2, &l.buf[..l.len]);
        crate::sys::exit_group(super::OVERFLOW_EXIT_STATUS)
    }
}

#[cfg(not(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod imp {
    /// Panics with the report (the platform's panic handler prints it).
    pub(crate) fn report(id: u32, size: usize) -> ! {
        panic!("fiber {id} overflowed its {size}-byte stack")
    }
}

pub(crate) use imp::report;
