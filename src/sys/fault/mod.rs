//! A fault-injecting [`Backend`]: [`Faulty<B>`] wraps any backend and follows a
//! deterministic script of [`Rule`]s, so tests can drive the reactor, the I/O
//! types and the HTTP code through errors and partial results on demand.
//!
//! Built only with the `fault-inject` feature, which makes it the selected
//! backend for the whole program (`sys::backend::Selected`).
//!
//! Three jobs, one file each: `rules` (what a script says and which rule is
//! due on a call), `fd_table` (the epoll registrations, so an injected
//! `EAGAIN` never loses an edge) and `script` (scripts from text, for
//! `BITWAKE_FAULTS`). This file is the backend that puts them together.
//!
//! # Scripts
//!
//! A script is a slice of rules installed at run time with [`install`]
//! (there is no heap: rules live in a static table of [`MAX_RULES`] atomic
//! slots). A rule names a syscall number (from `sys::nr`), optionally one
//! argument value it must match (e.g. an fd, or `EPOLL_CTL_ADD`), a schedule
//! (from the k-th matching call, every p-th call, at most t times) and an
//! [`Action`]. Each rule counts the matching calls it saw and the faults it
//! injected ([`injected`], [`total_injected`]).
//!
//! ```ignore
//! use bitwake::sys::{nr, Errno, fault::{self, Rule}};
//! fault::install(&[
//!     Rule::halve(nr::WRITE).from_call(3).times(1),           // the 3rd write is short
//!     Rule::fail(nr::EPOLL_PWAIT, Errno::EINTR).from_call(5).every(5),
//!     Rule::fail(nr::ACCEPT4, Errno::EMFILE).times(2),
//! ])?;
//! ```
//!
//! # Only results the kernel could have produced
//!
//! The point is to test bitwake against the kernel's contract, so the
//! injector never invents an impossible result:
//!
//! * an injected error makes **no** system call (nothing happened, as when
//!   the kernel fails a call);
//! * a short read/write/send/recv (or a short `epoll_pwait` batch) **is** the
//!   real system call with a smaller length, so exactly the returned prefix
//!   was transferred;
//! * an injected `EAGAIN` on an fd that is in fact ready would, with
//!   edge-triggered epoll, hide an edge the kernel has already delivered. So
//!   the injector checks readiness (`ppoll`, zero timeout) and, if the fd is
//!   ready, *owes* the edge: the next `epoll_pwait` on the epoll instances the
//!   fd is registered with reports it (as the kernel would if the data had
//!   arrived just after the call). If it cannot deliver the edge (the fd is
//!   not registered with epoll), the rule does not fire.
//!
//! Which errors make sense for which fd (e.g. `ECONNRESET` only on sockets)
//! is the script writer's responsibility.
//!
//! # Soundness
//!
//! Every table is made of atomics, so concurrent use (other threads, signal
//! handlers) is memory-safe; a script's counts are only meaningful for a
//! single-threaded program, which is what the test programs are.

mod fd_table;
mod rules;
mod script;

pub use rules::{
    Action, MAX_RULES, Rule, ScriptTooLong, armed, clear, injected, install, seen, total_injected,
};
pub use script::{SpecError, install_spec, parse_rule, parse_spec};
#[cfg(feature = "rt")]
pub use script::{install_from_env, report_from_env};

use super::backend::Backend;
use super::{Errno, nr};
use core::marker::PhantomData;

/// The raw encoding of a failed call.
fn err(e: Errno) -> usize {
    (-(e.raw() as isize)) as usize
}

/// Calls whose third argument is a length the kernel may honour partially.
fn shortenable(n: usize) -> bool {
    n == nr::READ || n == nr::WRITE || n == nr::RECVFROM || n == nr::SENDTO || n == nr::EPOLL_PWAIT
}

/// The fault-injecting backend around `B`; see the module docs.
pub struct Faulty<B>(PhantomData<B>);

impl<B: Backend> Faulty<B> {
    /// Every call goes through here: the script decides, then the real call
    /// (possibly shortened) is made, and registrations are followed.
    ///
    /// # Safety
    /// `a[..argc]` are valid arguments of syscall `n`.
    unsafe fn call(n: usize, mut a: [usize; 6], argc: usize) -> usize {
        // A timed wait (`epoll_pwait2`) is an `epoll_pwait` to the scripts.
        let rule_n = if n == nr::EPOLL_PWAIT2 {
            nr::EPOLL_PWAIT
        } else {
            n
        };
        if let Some((index, action)) = rules::due(rule_n, &a) {
            match action {
                // An EAGAIN only fires where the kernel could have said it
                // (owing the edge if needed); otherwise the real call runs.
                Action::Fail(e)
                    if e != Errno::EAGAIN || fd_table::eagain_is_plausible::<B>(rule_n, a[0]) =>
                {
                    rules::commit(index);
                    return err(e);
                }
                Action::Halve | Action::Cap(_) if shortenable(rule_n) && a[2] > 1 => {
                    let short = match action {
                        Action::Cap(max) => a[2].min(max.max(1)),
                        _ => a[2] / 2,
                    };
                    if short < a[2] {
                        rules::commit(index);
                        a[2] = short;
                    }
                }
                _ => {}
            }
        }
        if rule_n == nr::EPOLL_PWAIT {
            // SAFETY: forwarded contract.
            return unsafe { fd_table::epoll_pwait::<B>(n, a) };
        }
        // SAFETY: forwarded contract; a shortened length only lets the
        // kernel touch less of the caller's buffer.
        let ret = unsafe {
            match argc {
                0 => B::syscall0(n),
                1 => B::syscall1(n, a[0]),
                2 => B::syscall2(n, a[0], a[1]),
                3 => B::syscall3(n, a[0], a[1], a[2]),
                4 => B::syscall4(n, a[0], a[1], a[2], a[3]),
                5 => B::syscall5(n, a[0], a[1], a[2], a[3], a[4]),
                _ => B::syscall6(n, a[0], a[1], a[2], a[3], a[4], a[5]),
            }
        };
        if Errno::from_ret(ret).is_ok() {
            fd_table::track(n, &a);
        }
        ret
    }
}

// SAFETY: every call is either the inner backend's real call with the same
// arguments (or a shorter length, which the kernel may always honour
// partially), or an error return with no call made; see the module docs.
unsafe impl<B: Backend> Backend for Faulty<B> {
    unsafe fn syscall0(n: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [0; 6], 0) }
    }
    unsafe fn syscall1(n: usize, a0: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, 0, 0, 0, 0, 0], 1) }
    }
    unsafe fn syscall2(n: usize, a0: usize, a1: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, 0, 0, 0, 0], 2) }
    }
    unsafe fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, 0, 0, 0], 3) }
    }
    unsafe fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, a3, 0, 0], 4) }
    }
    unsafe fn syscall5(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, a3, a4, 0], 5) }
    }
    unsafe fn syscall6(
        n: usize,
        a0: usize,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
    ) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, a3, a4, a5], 6) }
    }
}
