//! The (epoll, fd) registrations the injector follows, so an injected
//! `EAGAIN` never hides an edge the kernel has already delivered.
//!
//! With edge-triggered epoll, an `EAGAIN` on an fd that is in fact ready
//! would lose the edge. So before such an `EAGAIN` fires, the fd's readiness
//! is checked (`ppoll`, zero timeout); if it is ready, the edge is *owed*:
//! the next `epoll_pwait` on each epoll instance the fd is registered with
//! reports it, as the kernel would if the data had arrived just after the
//! call. The table learns registrations from successful `epoll_ctl` and
//! `close` calls going through the injector ([`track`]).

use crate::sys::backend::Backend;
use crate::sys::types::{
    EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLIN, EPOLLOUT, EpollEvent,
};
use crate::sys::types::{POLLIN, POLLOUT, PollFd, Timespec};
use crate::sys::{Errno, SIGSET_SIZE, nr};
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicU32, AtomicU64};

/// How many (epoll, fd) registrations the injector follows (to owe edges).
const MAX_WATCHES: usize = 256;

/// One `epoll_ctl` registration seen going through: key is
/// `(epfd + 1) << 32 | (fd + 1)` (0: empty).
struct Watch {
    key: AtomicU64,
    data: AtomicU64,
    events: AtomicU32,
    owed: AtomicU32,
}

static WATCHES: [Watch; MAX_WATCHES] = [const {
    Watch {
        key: AtomicU64::new(0),
        data: AtomicU64::new(0),
        events: AtomicU32::new(0),
        owed: AtomicU32::new(0),
    }
}; MAX_WATCHES];

fn key(epfd: usize, fd: usize) -> u64 {
    (((epfd as u32 as u64) + 1) << 32) | ((fd as u32 as u64) + 1)
}

fn key_fd(k: u64) -> u64 {
    k & 0xffff_ffff
}

fn key_ep(k: u64) -> u64 {
    k >> 32
}

fn is_err(ret: usize) -> bool {
    Errno::from_ret(ret).is_err()
}

/// Follows a successful `epoll_ctl` or `close` call (others are ignored).
pub(super) fn track(n: usize, a: &[usize; 6]) {
    if n == nr::EPOLL_CTL {
        let k = key(a[0], a[2]);
        let op = a[1] as u32;
        if op == EPOLL_CTL_DEL {
            forget(|w| w == k);
        } else if (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && a[3] != 0 {
            // SAFETY: the typed layer passed a pointer to an `EpollEvent`
            // that the kernel has just read successfully; it is still
            // borrowed for the duration of this call. Unaligned because the
            // x86-64 layout is packed.
            let ev = unsafe { core::ptr::read_unaligned(a[3] as *const EpollEvent) };
            let (events, data) = (ev.events, ev.data);
            let slot = WATCHES
                .iter()
                .find(|w| w.key.load(Acquire) == k)
                .or_else(|| {
                    WATCHES
                        .iter()
                        .find(|w| w.key.compare_exchange(0, k, Relaxed, Relaxed).is_ok())
                });
            if let Some(w) = slot {
                w.data.store(data, Relaxed);
                w.events.store(events, Relaxed);
                w.owed.store(0, Relaxed);
                w.key.store(k, Release);
            }
        }
    } else if n == nr::CLOSE {
        // Closing an fd removes it from every epoll set (bitwake never dups
        // registered fds); closing an epoll fd drops its whole set.
        let id = (a[0] as u32 as u64) + 1;
        forget(|k| key_fd(k) == id || key_ep(k) == id);
    }
}

fn forget(matches: impl Fn(u64) -> bool) {
    for w in &WATCHES {
        let k = w.key.load(Acquire);
        if k != 0 && matches(k) {
            w.owed.store(0, Relaxed);
            let _ = w.key.compare_exchange(k, 0, Release, Relaxed);
        }
    }
}

/// The readiness an `EAGAIN` from call `n` waits for, if `n` is an I/O call
/// the reactor retries on readiness.
fn eagain_direction(n: usize) -> Option<(i16, u32)> {
    if n == nr::READ || n == nr::RECVFROM || n == nr::ACCEPT4 {
        Some((POLLIN, EPOLLIN))
    } else if n == nr::WRITE || n == nr::SENDTO {
        Some((POLLOUT, EPOLLOUT))
    } else {
        None
    }
}

/// Whether `fd` is ready for `poll_bits` right now, asked of the real backend.
fn ready_now<B: Backend>(fd: usize, poll_bits: i16) -> bool {
    let mut pfd = PollFd {
        fd: fd as i32,
        events: poll_bits,
        revents: 0,
    };
    let zero = Timespec::default();
    // SAFETY: ppoll reads and writes one pollfd and reads one timespec, both
    // live locals; sigmask is NULL.
    let r = unsafe {
        B::syscall5(
            nr::PPOLL,
            &mut pfd as *mut PollFd as usize,
            1,
            &zero as *const Timespec as usize,
            0,
            SIGSET_SIZE,
        )
    };
    !is_err(r) && r > 0
}

/// Decides whether an injected `EAGAIN` from call `n` on `fd` is something
/// the kernel could have said, owing the edge when needed (see the module
/// docs). `false`: the fd is ready and no epoll set would deliver the edge.
pub(super) fn eagain_is_plausible<B: Backend>(n: usize, fd: usize) -> bool {
    let Some((poll_bits, epoll_bits)) = eagain_direction(n) else {
        // Not an I/O call the reactor waits on: an EAGAIN from e.g. eventfd2
        // or connect is a plain resource error the caller must handle.
        return true;
    };
    if !ready_now::<B>(fd, poll_bits) {
        // The kernel itself would have said EAGAIN; its next edge is real.
        return true;
    }
    let id = (fd as u32 as u64) + 1;
    let mut owed = false;
    for w in &WATCHES {
        let k = w.key.load(Acquire);
        if k != 0 && key_fd(k) == id && w.events.load(Relaxed) & epoll_bits != 0 {
            w.owed.fetch_or(epoll_bits, Relaxed);
            owed = true;
        }
    }
    owed
}

/// A zero `epoll_pwait2` timeout: "do not block".
static NO_WAIT: crate::sys::Timespec = crate::sys::Timespec { sec: 0, nsec: 0 };

/// `epoll_pwait` or `epoll_pwait2` (`n`) with owed edges merged into the
/// result.
///
/// # Safety
/// `a` are the arguments of a valid call `n`.
pub(super) unsafe fn epoll_pwait<B: Backend>(n: usize, mut a: [usize; 6]) -> usize {
    let ep = (a[0] as u32 as u64) + 1;
    let owes = WATCHES.iter().any(|w| {
        let k = w.key.load(Acquire);
        k != 0 && key_ep(k) == ep && w.owed.load(Relaxed) != 0
    });
    if owes {
        // An event is pending, so the kernel would not block.
        a[3] = if n == nr::EPOLL_PWAIT2 {
            &NO_WAIT as *const crate::sys::Timespec as usize
        } else {
            0
        };
    }
    // SAFETY: forwarded contract (a zero timeout points at a static).
    let ret = unsafe { B::syscall6(n, a[0], a[1], a[2], a[3], a[4], a[5]) };
    if !owes || is_err(ret) {
        return ret;
    }
    let (buf, max) = (a[1] as *mut EpollEvent, a[2]);
    let mut n = ret;
    for w in &WATCHES {
        let k = w.key.load(Acquire);
        if k == 0 || key_ep(k) != ep {
            continue;
        }
        let bits = w.owed.swap(0, Relaxed);
        if bits == 0 {
            continue;
        }
        let data = w.data.load(Relaxed);
        // SAFETY: `buf` holds `max` events (the caller's contract) of which
        // the kernel filled `n`; reads and writes stay below `max`.
        unsafe {
            let mut merged = false;
            for i in 0..n {
                let p = buf.add(i);
                let mut ev = core::ptr::read_unaligned(p);
                if ev.data == data {
                    // One fd is reported once per call: add the edge to it.
                    ev.events |= bits;
                    core::ptr::write_unaligned(p, ev);
                    merged = true;
                    break;
                }
            }
            if !merged {
                if n < max {
                    core::ptr::write_unaligned(buf.add(n), EpollEvent::new(bits, data));
                    n += 1;
                } else {
                    // No room: deliver it next time.
                    w.owed.fetch_or(bits, Relaxed);
                }
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_epoll_and_fd_apart() {
        let k = key(3, 7);
        assert_eq!(key_ep(k), 4);
        assert_eq!(key_fd(k), 8);
        // fd 0 on epoll 0 is still a non-empty key.
        assert_ne!(key(0, 0), 0);
    }

    #[test]
    fn eagain_waits_for_the_right_direction() {
        assert_eq!(eagain_direction(nr::READ), Some((POLLIN, EPOLLIN)));
        assert_eq!(eagain_direction(nr::ACCEPT4), Some((POLLIN, EPOLLIN)));
        assert_eq!(eagain_direction(nr::SENDTO), Some((POLLOUT, EPOLLOUT)));
        assert_eq!(eagain_direction(nr::EVENTFD2), None);
    }
}
