//! The process-wide part of [`Signals`](super::Signals): the handler, the
//! per-signal delivery counts, the eventfd it writes, and which signals are
//! caught by how many listeners.

use super::MAX_SIGNAL;
use crate::io::Error;
use crate::lock::spin::SpinLock;
use crate::reactor::{self, Interest, Token};
use crate::sys::{self, SigAction};
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};

/// Deliveries per signal (index `n - 1` for signal `n`), counted by the
/// handler.
static DELIVERIES: [AtomicU32; MAX_SIGNAL as usize] =
    [const { AtomicU32::new(0) }; MAX_SIGNAL as usize];

/// The eventfd the handler writes, plus one (0: not created yet).
static EVENT_FD: AtomicI32 = AtomicI32::new(0);

/// Set-up state, changed only under the lock (never by the handler).
struct Catching {
    /// The eventfd's registration with the reactor.
    token: Option<Token>,
    /// Live `Signals` per signal.
    listeners: [u32; MAX_SIGNAL as usize],
    /// The action each caught signal had before.
    previous: [SigAction; MAX_SIGNAL as usize],
}

static CATCHING: SpinLock<Catching> = SpinLock::new(Catching {
    token: None,
    listeners: [0; MAX_SIGNAL as usize],
    previous: [SigAction {
        handler: 0,
        flags: 0,
        restorer: 0,
        mask: 0,
    }; MAX_SIGNAL as usize],
});

/// The handler: count, then make the eventfd readable. Both are safe in a
/// signal handler (an atomic add, one `write`; no lock, no errno).
extern "C" fn on_signal(sig: i32) {
    if let Some(n) = usize::try_from(sig)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| DELIVERIES.get(i))
    {
        n.fetch_add(1, Ordering::Release);
    }
    let fd = EVENT_FD.load(Ordering::Acquire);
    if fd != 0 {
        // A full counter already reads as "ready".
        let _ = sys::write(fd - 1, &1u64.to_ne_bytes());
    }
}

/// How often `sig` (1..=64) was delivered since the process started.
pub(super) fn deliveries(sig: u32) -> u32 {
    DELIVERIES
        .get(sig as usize - 1)
        .map_or(0, |n| n.load(Ordering::Acquire))
}

/// The eventfd's registration; only called once [`catch`] succeeded.
pub(super) fn token() -> Option<Token> {
    CATCHING.lock().token
}

/// Empties the eventfd, so the next delivery is a new readiness edge.
pub(super) fn clear_event() {
    let fd = EVENT_FD.load(Ordering::Acquire);
    if fd != 0 {
        let mut buf = [0u8; 8];
        let _ = sys::read(fd - 1, &mut buf);
    }
}

/// Makes sure the eventfd exists and every signal in `set` is caught, and
/// counts one more listener for each. On an error nothing changes.
pub(super) fn catch(set: u64) -> Result<(), Error> {
    let mut c = CATCHING.lock();
    if c.token.is_none() {
        let fd = sys::eventfd2(0, sys::EFD_NONBLOCK | sys::EFD_CLOEXEC)?;
        match reactor::reactor().register(fd, Interest::Read) {
            Ok(token) => {
                c.token = Some(token);
                EVENT_FD.store(fd + 1, Ordering::Release);
            }
            Err(e) => {
                let _ = sys::close(fd);
                return Err(e);
            }
        }
    }
    let action = SigAction::handler(on_signal, sys::SA_RESTART);
    for sig in 1..=MAX_SIGNAL {
        let i = sig as usize - 1;
        if set & sys::sigmask(sig) == 0 || c.listeners[i] > 0 {
            continue;
        }
        match sys::rt_sigaction(sig, &action) {
            Ok(old) => c.previous[i] = old,
            Err(e) => {
                // Undo the ones this call installed.
                for undo in 1..sig {
                    let j = undo as usize - 1;
                    if set & sys::sigmask(undo) != 0 && c.listeners[j] == 0 {
                        let _ = sys::rt_sigaction(undo, &c.previous[j]);
                    }
                }
                return Err(e.into());
            }
        }
    }
    for (sig, n) in (1..=MAX_SIGNAL).zip(&mut c.listeners) {
        if set & sys::sigmask(sig) != 0 {
            *n += 1;
        }
    }
    Ok(())
}

/// One listener fewer for each signal in `set`; the last one puts the
/// previous action back. The eventfd stays (a later `Signals` reuses it).
pub(super) fn release(set: u64) {
    let mut c = CATCHING.lock();
    for sig in 1..=MAX_SIGNAL {
        let i = sig as usize - 1;
        if set & sys::sigmask(sig) == 0 || c.listeners[i] == 0 {
            continue;
        }
        c.listeners[i] -= 1;
        if c.listeners[i] == 0 {
            let _ = sys::rt_sigaction(sig, &c.previous[i]);
        }
    }
}
