//! The OS layer: one epoll instance and the eventfd that interrupts a wait.
//!
//! Nothing here knows about tasks or wakers: it creates the two fds on
//! first use, adds and removes fds, waits for events and writes the eventfd.

use crate::lock::spin::SpinLock;
use crate::sys::{self, EpollEvent, Errno, RawFd};
use crate::time::Instant;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};

/// Set once `epoll_pwait2` said `ENOSYS` (kernels before 5.11, QEMU
/// user-mode before 2026): from then on timed waits round up to milliseconds.
static PWAIT2_MISSING: AtomicBool = AtomicBool::new(false);

/// The epoll data of the eventfd that interrupts a wait; registrations use
/// `generation << 32 | index` with indices far below `u32::MAX`.
pub(super) const UNPARK_TOKEN: u64 = u64::MAX;

/// epoll and the unpark eventfd, created on first use.
pub(super) struct Selector {
    /// epoll fd + 1 (0: not created yet).
    epoll: AtomicI32,
    /// eventfd + 1 (0: not created yet).
    unpark_fd: AtomicI32,
    /// Serializes creation, so two first users cannot both create epoll.
    creating: SpinLock<()>,
    /// An [`unpark`](Selector::unpark) that came before the eventfd existed;
    /// the next wait returns at once instead of losing it.
    early_unpark: AtomicBool,
    /// eventfd writes made by [`unpark`](Selector::unpark).
    unpark_writes: AtomicU32,
}

impl Selector {
    pub(super) const fn new() -> Self {
        Selector {
            epoll: AtomicI32::new(0),
            unpark_fd: AtomicI32::new(0),
            creating: SpinLock::new(()),
            early_unpark: AtomicBool::new(false),
            unpark_writes: AtomicU32::new(0),
        }
    }

    /// The epoll fd, creating epoll and the unpark eventfd on first use. A
    /// failed creation closes what it opened and reports the error.
    pub(super) fn epoll_fd(&self) -> Result<RawFd, Errno> {
        let ep = self.epoll.load(Ordering::Acquire);
        if ep != 0 {
            return Ok(ep - 1);
        }
        let _guard = self.creating.lock();
        let ep = self.epoll.load(Ordering::Acquire);
        if ep != 0 {
            return Ok(ep - 1);
        }
        let ep = sys::epoll_create1(sys::EPOLL_CLOEXEC)?;
        let efd = match sys::eventfd2(0, sys::EFD_NONBLOCK | sys::EFD_CLOEXEC) {
            Ok(fd) => fd,
            Err(e) => {
                let _ = sys::close(ep);
                return Err(e);
            }
        };
        let ev = EpollEvent::new(sys::EPOLLIN | sys::EPOLLET, UNPARK_TOKEN);
        if let Err(e) = sys::epoll_ctl(ep, sys::EPOLL_CTL_ADD, efd, Some(&ev)) {
            let _ = sys::close(efd);
            let _ = sys::close(ep);
            return Err(e);
        }
        self.unpark_fd.store(efd + 1, Ordering::SeqCst);
        self.epoll.store(ep + 1, Ordering::Release);
        Ok(ep)
    }

    /// Adds `fd` with the epoll event bits `events` and `data`.
    pub(super) fn add(&self, fd: RawFd, events: u32, data: u64) -> Result<(), Errno> {
        let ev = EpollEvent::new(events, data);
        sys::epoll_ctl(self.epoll_fd()?, sys::EPOLL_CTL_ADD, fd, Some(&ev))
    }

    /// Removes `fd`.
    pub(super) fn delete(&self, fd: RawFd) -> Result<(), Errno> {
        sys::epoll_ctl(self.epoll_fd()?, sys::EPOLL_CTL_DEL, fd, None)
    }

    /// Whether an [`unpark`](Self::unpark) came before the eventfd existed;
    /// clears it, so the wait it asks to skip is skipped once.
    pub(super) fn take_early_unpark(&self) -> bool {
        self.early_unpark.load(Ordering::SeqCst) && self.early_unpark.swap(false, Ordering::SeqCst)
    }

    /// One wait into `events` on `ep`, the fd [`epoll_fd`](Self::epoll_fd)
    /// returned: `None` blocks until an event, `Some(0)` polls, and a timed
    /// wait uses `epoll_pwait2`'s nanosecond timeout where the kernel has it
    /// (timers then fire within the kernel's timer slack, not up to a
    /// millisecond late). Untimed waits keep `epoll_pwait`.
    pub(super) fn wait(
        &self,
        ep: RawFd,
        events: &mut [EpollEvent],
        timeout_ns: Option<u64>,
    ) -> Result<usize, Errno> {
        match timeout_ns {
            None => sys::epoll_pwait(ep, events, -1),
            Some(0) => sys::epoll_pwait(ep, events, 0),
            Some(ns) => {
                if !PWAIT2_MISSING.load(Ordering::Relaxed) {
                    match sys::epoll_pwait2(ep, events, Some(&sys::Timespec::from_nanos(ns))) {
                        Err(Errno::ENOSYS) => PWAIT2_MISSING.store(true, Ordering::Relaxed),
                        r => return r,
                    }
                }
                let ms = Instant::from_nanos(ns).millis_until_ceil(Instant::ZERO);
                sys::epoll_pwait(ep, events, ms)
            }
        }
    }

    /// Resets the eventfd's counter after a wait reported it, so it never
    /// saturates. Edge-triggered, so the counter's value is not what wakes:
    /// every write is an edge of its own.
    pub(super) fn clear_unpark(&self) {
        let fd = self.unpark_fd.load(Ordering::Acquire);
        if fd != 0 {
            let mut buf = [0u8; 8];
            let _ = sys::read(fd - 1, &mut buf);
        }
    }

    /// Ends a wait in progress, or makes the next one return at once. One
    /// atomic load and one `write`, no lock: safe from any thread and from
    /// signal handlers.
    pub(super) fn unpark(&self) {
        let fd = self.unpark_fd.load(Ordering::Acquire);
        if fd == 0 {
            // Nothing has waited yet, so nothing is blocked: remember it.
            self.early_unpark.store(true, Ordering::SeqCst);
            // The eventfd may have been published between our load and the
            // store; then that first wait may already be past its check.
            let fd = self.unpark_fd.load(Ordering::SeqCst);
            if fd != 0 {
                self.write_unpark(fd - 1);
            }
            return;
        }
        self.write_unpark(fd - 1);
    }

    fn write_unpark(&self, fd: RawFd) {
        // A full counter (EAGAIN) already means "wake up"; nothing else can
        // usefully be done about an error here.
        let _ = sys::write(fd, &1u64.to_ne_bytes());
        self.unpark_writes.fetch_add(1, Ordering::Relaxed);
    }

    /// How many eventfd writes [`unpark`](Self::unpark) has made.
    pub(super) fn unpark_writes(&self) -> u32 {
        self.unpark_writes.load(Ordering::Relaxed)
    }
}
