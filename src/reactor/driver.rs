//! The reactor: the selector and the fd registrations, and the park that
//! ties them to the executor and to time (the earliest timer bounds the
//! wait; expired timers are fired after it).
//!
//! Where a wake goes (the whole path, in these files and the executor's):
//!
//! 1. a task's I/O call returns `EAGAIN`: its operation future links a
//!    waiter node, holding the task's waker, into the fd's list for that
//!    direction (`readiness.rs`, `registration.rs`);
//! 2. the executor runs out of ready tasks and calls [`Reactor::park`], which
//!    blocks in `epoll_pwait2` (nanoseconds; `epoll_pwait` where the kernel
//!    lacks it) with the nearest timer's deadline as timeout;
//! 3. the kernel reports the fd ready: the park bumps the slot's tick and
//!    wakes every waiter of that direction (`dispatch.rs`) — a `wake()` sets
//!    the task's bit in the executor's ready bitmap; expired timers are woken
//!    by `time::driver::on_alarm` (the time seam; `clock.rs` is its Linux
//!    side);
//! 4. the executor polls exactly the tasks whose bits are set.
//!
//! A wake from another thread or a signal handler sets the bit; the executor
//! calls [`Reactor::unpark`] (one eventfd `write`) **only if the loop is
//! parked at that moment** — the executor owns that "parked" flag (see
//! `executor/ready.rs`) — so wakes on the executor's own thread cost no
//! syscall.

use super::clock::WaitBound;
use super::dispatch::dispatch;
use super::readiness::Io;
use super::registration::{Direction, Interest, Registrations, Token};
use super::selector::Selector;
use crate::sys::{EpollEvent, Errno, RawFd};
use crate::time::{self, Instant};

/// Events taken from the kernel per `epoll_pwait`.
const EVENTS_PER_WAIT: usize = 64;

/// The reactor: static capacity for `FDS` registrations. Timers are not
/// its business: they live in `time/`; the process-wide reactor bounds its
/// wait by the earliest deadline and fires them after it.
pub struct Reactor<const FDS: usize> {
    selector: Selector,
    registrations: Registrations<FDS>,
    /// What the current blocking wait is bounded by (see `clock.rs`).
    wait_bound: WaitBound,
}

impl<const FDS: usize> Default for Reactor<FDS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const FDS: usize> Reactor<FDS> {
    /// A reactor; the epoll instance and eventfd are created on first use.
    pub const fn new() -> Self {
        Reactor {
            selector: Selector::new(),
            registrations: Registrations::new(),
            wait_bound: WaitBound::new(),
        }
    }

    /// Registers `fd` (which must be non-blocking) for edge-triggered
    /// readiness. The caller keeps owning the fd and must [`deregister`]
    /// before closing it.
    ///
    /// [`deregister`]: Reactor::deregister
    pub fn register(&self, fd: RawFd, interest: Interest) -> Result<Token, crate::io::Error> {
        self.registrations.register(&self.selector, fd, interest)
    }

    /// Removes `token`'s fd from epoll, wakes every operation still waiting
    /// on it, and frees its slot. Call before closing the fd: epoll tracks
    /// open file descriptions, so a duplicated fd would otherwise stay
    /// registered after `close`.
    pub fn deregister(&self, token: Token) -> Result<(), Errno> {
        self.registrations.deregister(&self.selector, token)
    }

    /// How many fds are registered.
    pub fn registrations(&self) -> usize {
        self.registrations.live()
    }

    /// How many I/O operations wait for readiness, over all fds and both
    /// directions. An operation that is dropped while it waits leaves none
    /// behind.
    pub fn waiters(&self) -> usize {
        self.registrations.waiting()
    }

    /// The future of one I/O operation on `token`: runs `op` (one system
    /// call) until it returns something other than `EAGAIN` or `EINTR`,
    /// waiting for readiness in `dir` in between. Without a token, `op`
    /// runs once.
    pub(crate) fn io<R, F: FnMut() -> Result<R, Errno>>(
        &self,
        token: Option<Token>,
        dir: Direction,
        op: F,
    ) -> Io<'_, FDS, F> {
        Io::new(&self.registrations, token, dir, op)
    }

    /// Interrupts a [`park`](Self::park) in progress, or makes the next one
    /// return at once (the eventfd counter latches it). Safe from any thread
    /// and from signal handlers: one atomic load and one `write`, no lock.
    ///
    /// This always costs a syscall; the executor calls it only when it has
    /// seen its loop parked, which is what keeps same-thread wakes free.
    pub fn unpark(&self) {
        self.selector.unpark();
    }

    /// The time driver's alarm: a timer at `deadline` became the earliest.
    /// Ends the current blocking wait only if it is bounded by a later
    /// deadline (a timer started on another thread); on the reactor's own
    /// thread the next wait reads the deadline itself, so this costs nothing.
    pub(crate) fn alarm(&self, deadline: Instant) {
        if self.wait_bound.must_interrupt(deadline) {
            self.unpark();
        }
    }

    /// Whether this reactor drives time: the process-wide one and the
    /// thread-per-core runtime's (other instances, in tests, only dispatch
    /// their own fds).
    fn drives_time(&self) -> bool {
        super::timed_reactors().any(|r| core::ptr::addr_eq(self, r))
    }

    /// How many eventfd writes [`unpark`](Self::unpark) has made: wakes from
    /// other threads and signal handlers against a parked loop. Wakes that
    /// the loop dispatches itself (readiness, timers, tasks waking tasks)
    /// never count here.
    pub fn unpark_writes(&self) -> u32 {
        self.selector.unpark_writes()
    }

    /// Blocks until an fd is ready, a timer expires, `max_wait_ns` passes or
    /// [`unpark`](Self::unpark) is called; then wakes the tasks concerned.
    /// Returns how many wakers it woke. `EINTR` is a spurious wake-up.
    pub fn park(&self, max_wait_ns: Option<u64>) -> Result<usize, Errno> {
        self.park_then_dispatch(max_wait_ns, || {})
    }

    /// [`park`](Self::park), calling `awake` after the blocking wait and
    /// before any task is woken. The runtime passes the executor's
    /// [`Awake::mark`](crate::executor::Awake::mark) here, so the wakes this
    /// park dispatches do not [`unpark`](Self::unpark) it again.
    pub fn park_then_dispatch(
        &self,
        max_wait_ns: Option<u64>,
        awake: impl FnOnce(),
    ) -> Result<usize, Errno> {
        self.wait_and_dispatch(max_wait_ns, true, awake)
    }

    /// Like [`park`](Self::park) but never blocks: dispatches what is ready now.
    pub fn poll_events(&self) -> Result<usize, Errno> {
        self.wait_and_dispatch(Some(0), false, || {})
    }

    fn wait_and_dispatch(
        &self,
        max_wait_ns: Option<u64>,
        blocking: bool,
        awake: impl FnOnce(),
    ) -> Result<usize, Errno> {
        let ep = self.selector.epoll_fd()?;
        // Fds left registered on stopped cores: serve them from here, and
        // look again soon (nothing wakes this wait for them).
        let max_wait_ns = if blocking && super::is_process_wide(self) && super::drive_orphans() {
            Some(max_wait_ns.map_or(super::ORPHAN_POLL_NS, |m| m.min(super::ORPHAN_POLL_NS)))
        } else {
            max_wait_ns
        };
        let early = self.selector.take_early_unpark();
        let blocking = blocking && !early;
        let timed = self.drives_time();
        if blocking && timed {
            self.wait_bound.begin();
        }
        let deadline = if timed {
            time::driver::next_deadline()
        } else {
            None
        };
        // Without a freestanding vDSO, reading the clock is a real syscall:
        // an I/O-only loop (no timers, no caller timeout) never reads it.
        let timeout_ns = match (blocking, deadline, max_wait_ns) {
            (false, _, _) => Some(0),
            (true, None, None) => None,
            (true, deadline, max_wait_ns) => {
                self.wait_bound.narrow(deadline);
                let now = Instant::now();
                let by_timer = deadline.map(|d| d.as_nanos().saturating_sub(now.as_nanos()));
                match (by_timer, max_wait_ns) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
        };
        crate::trace!("park: epoll wait timeout {:?} ns", timeout_ns);
        let mut events = [EpollEvent::default(); EVENTS_PER_WAIT];
        let waited = self.selector.wait(ep, &mut events, timeout_ns);
        self.wait_bound.end();
        let n = match waited {
            Ok(n) => n,
            Err(Errno::EINTR) => 0,
            Err(e) => {
                awake();
                return Err(e);
            }
        };
        awake();
        let done = dispatch(&self.registrations, events.get(..n).unwrap_or_default());
        if done.unparked {
            self.selector.clear_unpark();
        }
        let fired = if deadline.is_some() {
            time::driver::on_alarm()
        } else {
            0
        };
        Ok(done.woken + fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys;
    use core::future::Future;
    use core::pin::pin;
    use core::task::{Context, Waker};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn woken(c: &Count) -> usize {
        c.0.load(Ordering::SeqCst)
    }

    fn pipe() -> (sys::OwnedFd, sys::OwnedFd) {
        let [r, w] = sys::pipe2(sys::O_NONBLOCK | sys::O_CLOEXEC).unwrap();
        // SAFETY: fresh fds from pipe2.
        unsafe { (sys::OwnedFd::from_raw(r), sys::OwnedFd::from_raw(w)) }
    }

    fn read_one(fd: RawFd) -> impl FnMut() -> Result<u8, Errno> {
        move || {
            let mut b = [0u8; 1];
            sys::read(fd, &mut b).map(|_| b[0])
        }
    }

    #[test]
    fn registrations_beyond_capacity_are_a_clear_error() {
        let reactor: Reactor<2> = Reactor::new();
        let (a, _aw) = pipe();
        let (b, _bw) = pipe();
        let (c, _cw) = pipe();
        let ta = reactor.register(a.raw(), Interest::Read).unwrap();
        let _tb = reactor.register(b.raw(), Interest::Read).unwrap();
        assert_eq!(
            reactor.register(c.raw(), Interest::Read),
            Err(crate::io::Error::Capacity(
                super::super::CapacityError::Registrations { capacity: 2 }
            ))
        );
        reactor.deregister(ta).unwrap();
        assert!(
            reactor.register(c.raw(), Interest::Read).is_ok(),
            "a freed slot is reused"
        );
    }

    #[test]
    fn readiness_wakes_the_waiting_operation_once() {
        let reactor: Reactor<4> = Reactor::new();
        let (r, w) = pipe();
        let token = reactor.register(r.raw(), Interest::Read).unwrap();
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let mut op = pin!(reactor.io(Some(token), Direction::Read, read_one(r.raw())));
        assert!(op.as_mut().poll(&mut cx).is_pending());
        assert_eq!(reactor.waiters(), 1);
        sys::write(w.raw(), b"x").unwrap();
        assert_eq!(reactor.park(Some(1_000_000_000)).unwrap(), 1);
        assert_eq!(woken(&count), 1);
        assert_eq!(reactor.waiters(), 0, "a woken waiter is unlinked");
        assert_eq!(op.as_mut().poll(&mut cx), core::task::Poll::Ready(Ok(b'x')));
        // No new edge: parking times out without waking anyone.
        assert_eq!(reactor.park(Some(1_000_000)).unwrap(), 0);
        assert_eq!(woken(&count), 1);
    }

    #[test]
    fn an_edge_during_the_call_is_not_lost() {
        let reactor: Reactor<4> = Reactor::new();
        let (r, w) = pipe();
        let token = reactor.register(r.raw(), Interest::Read).unwrap();
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        // The call says EAGAIN, but data arrives and is dispatched between
        // the tick read and the wait: the wait must not happen.
        let mut calls = 0;
        let fd = r.raw();
        let rr = &reactor;
        let mut op = pin!(reactor.io(Some(token), Direction::Read, || {
            calls += 1;
            if calls == 1 {
                sys::write(w.raw(), b"y").unwrap();
                rr.poll_events().unwrap();
                return Err(Errno::EAGAIN);
            }
            read_one(fd)()
        }));
        assert_eq!(op.as_mut().poll(&mut cx), core::task::Poll::Ready(Ok(b'y')));
        assert_eq!(woken(&count), 0);
        assert_eq!(reactor.waiters(), 0);
    }

    #[test]
    fn every_waiter_of_an_edge_is_woken_and_the_losers_wait_again() {
        let reactor: Reactor<4> = Reactor::new();
        let (r, w) = pipe();
        let token = reactor.register(r.raw(), Interest::Read).unwrap();
        let (ca, wa) = counter();
        let (cb, wb) = counter();
        let mut a = pin!(reactor.io(Some(token), Direction::Read, read_one(r.raw())));
        let mut b = pin!(reactor.io(Some(token), Direction::Read, read_one(r.raw())));
        assert!(a.as_mut().poll(&mut Context::from_waker(&wa)).is_pending());
        assert!(b.as_mut().poll(&mut Context::from_waker(&wb)).is_pending());
        assert_eq!(reactor.waiters(), 2);
        sys::write(w.raw(), b"1").unwrap();
        assert_eq!(reactor.park(Some(1_000_000_000)).unwrap(), 2);
        assert_eq!((woken(&ca), woken(&cb)), (1, 1));
        // One byte: the first to retry gets it, the other waits again.
        assert!(a.as_mut().poll(&mut Context::from_waker(&wa)).is_ready());
        assert!(b.as_mut().poll(&mut Context::from_waker(&wb)).is_pending());
        assert_eq!(reactor.waiters(), 1);
        sys::write(w.raw(), b"2").unwrap();
        assert_eq!(reactor.park(Some(1_000_000_000)).unwrap(), 1);
        assert_eq!(woken(&cb), 2);
        assert_eq!(
            b.as_mut().poll(&mut Context::from_waker(&wb)),
            core::task::Poll::Ready(Ok(b'2'))
        );
    }

    #[test]
    fn more_waiters_than_a_wake_batch_are_all_woken() {
        const N: usize = 100;
        let reactor: Reactor<4> = Reactor::new();
        let (r, w) = pipe();
        let token = reactor.register(r.raw(), Interest::Read).unwrap();
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let mut ops: std::vec::Vec<_> = (0..N)
            .map(|_| Box::pin(reactor.io(Some(token), Direction::Read, read_one(r.raw()))))
            .collect();
        for op in &mut ops {
            assert!(op.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(reactor.waiters(), N);
        sys::write(w.raw(), b"z").unwrap();
        assert_eq!(reactor.park(Some(1_000_000_000)).unwrap(), N);
        assert_eq!(woken(&count), N);
        assert_eq!(reactor.waiters(), 0);
    }

    #[test]
    fn a_dropped_operation_leaves_no_waiter() {
        let reactor: Reactor<4> = Reactor::new();
        let (r, w) = pipe();
        let token = reactor.register(r.raw(), Interest::Read).unwrap();
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        {
            let mut a = Box::pin(reactor.io(Some(token), Direction::Read, read_one(r.raw())));
            let mut b = Box::pin(reactor.io(Some(token), Direction::Read, read_one(r.raw())));
            let mut c = Box::pin(reactor.io(Some(token), Direction::Read, read_one(r.raw())));
            assert!(a.as_mut().poll(&mut cx).is_pending());
            assert!(b.as_mut().poll(&mut cx).is_pending());
            assert!(c.as_mut().poll(&mut cx).is_pending());
            assert_eq!(reactor.waiters(), 3);
            // From the middle, then the ends.
            drop(b);
            assert_eq!(reactor.waiters(), 2);
            drop(c);
            drop(a);
        }
        assert_eq!(reactor.waiters(), 0);
        sys::write(w.raw(), b"x").unwrap();
        assert_eq!(reactor.park(Some(1_000_000_000)).unwrap(), 0);
        assert_eq!(woken(&count), 0);
    }

    #[test]
    fn hang_up_wakes_both_directions() {
        let reactor: Reactor<4> = Reactor::new();
        let (r, w) = pipe();
        let token = reactor.register(r.raw(), Interest::Both).unwrap();
        let (cr, wr) = counter();
        let (cw, ww) = counter();
        let mut reader = pin!(reactor.io(Some(token), Direction::Read, read_one(r.raw())));
        // A pipe's read end never becomes writable: only HUP can end this.
        let mut writer = pin!(reactor.io(Some(token), Direction::Write, || {
            Err::<(), _>(Errno::EAGAIN)
        }));
        assert!(
            reader
                .as_mut()
                .poll(&mut Context::from_waker(&wr))
                .is_pending()
        );
        assert!(
            writer
                .as_mut()
                .poll(&mut Context::from_waker(&ww))
                .is_pending()
        );
        drop(w);
        assert_eq!(reactor.park(Some(1_000_000_000)).unwrap(), 2);
        assert_eq!((woken(&cr), woken(&cw)), (1, 1));
        // The reader sees end of file (read returns 0 bytes: `b[0]` is 0).
        assert!(
            reader
                .as_mut()
                .poll(&mut Context::from_waker(&wr))
                .is_ready()
        );
    }

    #[test]
    fn deregistering_wakes_every_waiter() {
        const N: usize = 40;
        let reactor: Reactor<4> = Reactor::new();
        let (r, _w) = pipe();
        let token = reactor.register(r.raw(), Interest::Both).unwrap();
        let (count, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let mut ops: std::vec::Vec<_> = (0..N)
            .map(|i| {
                let dir = if i % 2 == 0 {
                    Direction::Read
                } else {
                    Direction::Write
                };
                Box::pin(reactor.io(Some(token), dir, || Err::<(), _>(Errno::EAGAIN)))
            })
            .collect();
        for op in &mut ops {
            assert!(op.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(reactor.waiters(), N);
        reactor.deregister(token).unwrap();
        assert_eq!(woken(&count), N);
        assert_eq!(reactor.waiters(), 0);
        assert_eq!(reactor.registrations(), 0);
        // The freed slot is reused; the old operations, dropped now, must
        // not touch the new registration's lists.
        let t2 = reactor.register(r.raw(), Interest::Read).unwrap();
        let mut fresh = pin!(reactor.io(Some(t2), Direction::Read, read_one(r.raw())));
        assert!(fresh.as_mut().poll(&mut cx).is_pending());
        drop(ops);
        assert_eq!(reactor.waiters(), 1);
    }

    #[test]
    fn park_returns_on_an_earlier_unpark() {
        let reactor: Reactor<4> = Reactor::new();
        reactor.unpark();
        let start = std::time::Instant::now();
        assert_eq!(
            reactor.park(None).unwrap(),
            0,
            "an earlier unpark is latched"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn unpark_from_another_thread_ends_a_blocked_park() {
        static REACTOR: Reactor<4> = Reactor::new();
        REACTOR.poll_events().unwrap(); // epoll and eventfd exist now
        let start = std::time::Instant::now();
        let t = std::thread::spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(30));
            REACTOR.unpark();
        });
        assert_eq!(REACTOR.park(None).unwrap(), 0);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        t.join().unwrap();
    }
}
