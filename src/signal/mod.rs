//! Unix signals as async events: [`Signals`] turns SIGTERM, SIGINT (or any
//! catchable signal) into something a task can `await`.
//!
//! ```no_run
//! use bitwake::signal::Signals;
//! use bitwake::sys::{SIGINT, SIGTERM};
//! # async fn serve() {}
//! # async fn demo() -> Result<(), bitwake::io::Error> {
//! // Create it early: from here on the signals are caught, not fatal.
//! let mut signals = Signals::new(&[SIGTERM, SIGINT])?;
//! match bitwake::executor::select(serve(), signals.recv()).await {
//!     bitwake::executor::Either::Left(()) => {}
//!     // SIGTERM or SIGINT: stop accepting, drain, return.
//!     bitwake::executor::Either::Right(sig) => {
//!         let _signal_number = sig?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! How it works: the first [`Signals`] for a signal installs a handler that
//! only counts the delivery (one atomic add) and writes an eventfd (one
//! `write`), both safe in a signal handler. The eventfd is registered with
//! the reactor like a socket, so a waiting task is woken through the
//! ordinary readiness path — no signal mask games, no `signalfd`, and any
//! number of tasks (or threads) may wait. Every [`Signals`] sees every
//! delivery of its signals after its creation (a broadcast); deliveries
//! that arrive while nobody looks are merged, as the kernel merges pending
//! signals. When the last [`Signals`] of a signal is dropped, the action
//! that was there before is put back.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(test, target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod handler;

use crate::io::Error;
use crate::reactor::{self, Direction};
use crate::sys::{self, Errno};
use core::fmt;

/// Highest signal number (the kernel's signal set has 64 bits).
pub const MAX_SIGNAL: u32 = 64;

/// A set of signals to wait for; see the [module docs](self).
pub struct Signals {
    /// Bit `n - 1` for signal `n`.
    set: u64,
    /// Deliveries of each signal already reported by this value.
    seen: [u32; MAX_SIGNAL as usize],
}

impl Signals {
    /// Catches `signals` from now on (their previous actions are restored
    /// when the last `Signals` that catches them is dropped).
    ///
    /// A number outside `1..=64` is [`Error::InvalidInput`]; `SIGKILL` and
    /// `SIGSTOP`, which cannot be caught, are `EINVAL` from the kernel. On
    /// an error no signal is caught.
    pub fn new(signals: &[u32]) -> Result<Signals, Error> {
        let mut set = 0u64;
        for &sig in signals {
            if !(1..=MAX_SIGNAL).contains(&sig) {
                return Err(Error::InvalidInput);
            }
            set |= sys::sigmask(sig);
        }
        handler::catch(set)?;
        let mut seen = [0; MAX_SIGNAL as usize];
        for (sig, seen) in (1..=MAX_SIGNAL).zip(&mut seen) {
            *seen = handler::deliveries(sig);
        }
        Ok(Signals { set, seen })
    }

    /// Waits for the next delivery of one of the signals and returns its
    /// number (the lowest first, when several arrived).
    pub async fn recv(&mut self) -> Result<u32, Error> {
        let token = handler::token();
        let (set, seen) = (self.set, &mut self.seen);
        reactor::reactor()
            .io(token, Direction::Read, move || {
                if let Some(sig) = take_new(set, seen) {
                    return Ok(sig);
                }
                handler::clear_event();
                // A delivery between the check and the clear wrote the
                // eventfd before we emptied it: look again.
                take_new(set, seen).ok_or(Errno::EAGAIN)
            })
            .await
    }

    /// The next delivery if one arrived since the last, without waiting.
    pub fn try_recv(&mut self) -> Option<u32> {
        take_new(self.set, &mut self.seen)
    }
}

/// The lowest signal in `set` delivered more often than `seen` says.
fn take_new(set: u64, seen: &mut [u32; MAX_SIGNAL as usize]) -> Option<u32> {
    (1..=MAX_SIGNAL)
        .zip(seen.iter_mut())
        .filter(|(sig, _)| set & sys::sigmask(*sig) != 0)
        .find_map(|(sig, seen)| {
            let now = handler::deliveries(sig);
            (now != *seen).then(|| {
                *seen = now;
                sig
            })
        })
}

impl Drop for Signals {
    fn drop(&mut self) {
        handler::release(self.set);
    }
}

impl fmt::Debug for Signals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signals")
            .field("set", &format_args!("{:#x}", self.set))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::{SIGUSR1, SIGUSR2};

    /// Sends `sig` to this process (any of the test threads may run the
    /// handler).
    fn raise(sig: u32) {
        sys::kill(sys::getpid(), sig).unwrap();
    }

    /// The next delivery, waiting up to 5 s for the handler to have run.
    fn next(s: &mut Signals) -> Option<u32> {
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(5) {
            if let Some(sig) = s.try_recv() {
                return Some(sig);
            }
            std::thread::yield_now();
        }
        None
    }

    #[test]
    fn bad_numbers_are_errors() {
        assert_eq!(Signals::new(&[0]).err(), Some(Error::InvalidInput));
        assert_eq!(Signals::new(&[65]).err(), Some(Error::InvalidInput));
        assert_eq!(
            Signals::new(&[sys::SIGKILL]).err(),
            Some(Error::Os(Errno::EINVAL))
        );
    }

    #[test]
    fn every_listener_sees_each_delivery_and_waiting_wakes() {
        let mut a = Signals::new(&[SIGUSR1, SIGUSR2]).unwrap();
        let mut b = Signals::new(&[SIGUSR2]).unwrap();
        assert_eq!(a.try_recv(), None);
        raise(SIGUSR2);
        assert_eq!(next(&mut a), Some(SIGUSR2));
        assert_eq!(a.try_recv(), None);
        assert_eq!(next(&mut b), Some(SIGUSR2));
        // A task that waits is woken by a signal sent while it waits.
        let t = std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            raise(SIGUSR1);
        });
        let got = crate::platform::block_on_serial(crate::time::timeout(
            crate::time::Duration::from_secs(10),
            a.recv(),
        ));
        assert_eq!(got, Ok(Ok(SIGUSR1)));
        t.join().unwrap();
        assert_eq!(b.try_recv(), None, "b does not listen for SIGUSR1");
        drop((a, b));
    }
}
