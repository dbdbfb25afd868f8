//! The event loop's blocking half: one epoll instance, one eventfd to
//! interrupt it, the fd registry and the timer queue.
//!
//! Where a wake goes (the whole path, in this file and the executor's):
//!
//! 1. a task's I/O call returns `EAGAIN`: [`Reactor::poll_ready`] stores the
//!    task's waker in the fd's slot (direction read or write);
//! 2. the executor runs out of ready tasks and calls [`Reactor::park`], which
//!    blocks in `epoll_pwait` with the nearest timer's deadline as timeout;
//! 3. the kernel reports the fd ready: `park` bumps the slot's tick, takes the
//!    waker and calls `wake()` — which sets the task's bit in the executor's
//!    ready bitmap; expired timers are woken the same way;
//! 4. the executor polls exactly the tasks whose bits are set.
//!
//! A wake from another thread or a signal handler sets the bit; the executor
//! calls [`Reactor::unpark`] (one eventfd `write`) **only if the loop is
//! parked at that moment** — the executor owns that "parked" flag (see
//! `executor/ready.rs`) — so wakes on the executor's own thread cost no
//! syscall.

use super::clock::WaitBound;
use super::lock::SpinLock;
use super::registry::{READ, Registry, WRITE};
use crate::sys::{self, EpollEvent, Errno, RawFd, Timespec};
use crate::time::{self, Instant};
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use core::task::{Context, Poll, Waker};

/// The epoll token of the eventfd that interrupts a parked wait.
const UNPARK_TOKEN: u64 = u64::MAX;
/// Events taken from the kernel per `epoll_pwait`.
const EVENTS_PER_WAIT: usize = 64;
/// Wakers collected under the lock before waking them outside it.
const WAKE_BATCH: usize = 32;

/// Why the reactor refused a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacityError {
    /// All fd registration slots are in use.
    Registrations {
        /// The static capacity.
        capacity: usize,
    },
}

impl core::fmt::Display for CapacityError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CapacityError::Registrations { capacity } => {
                write!(f, "reactor registrations exhausted (capacity {capacity})")
            }
        }
    }
}

/// Names one registration: slot index, generation and the fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    index: u32,
    generation: u32,
    fd: RawFd,
}

impl Token {
    /// The registered fd.
    pub const fn fd(&self) -> RawFd {
        self.fd
    }
    fn epoll_data(&self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }
}

/// What readiness to wait for. bitwake registers both directions at once,
/// edge-triggered, and never has to modify the registration per operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interest {
    /// Readable (and peer hang-up).
    Read,
    /// Writable.
    Write,
    /// Both.
    Both,
}

impl Interest {
    fn epoll_bits(self) -> u32 {
        let read = sys::EPOLLIN | sys::EPOLLRDHUP;
        match self {
            Interest::Read => read | sys::EPOLLET,
            Interest::Write => sys::EPOLLOUT | sys::EPOLLET,
            Interest::Both => read | sys::EPOLLOUT | sys::EPOLLET,
        }
    }
}

/// Readiness direction of an I/O operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Waiting to read.
    Read,
    /// Waiting to write.
    Write,
}

impl Direction {
    fn index(self) -> usize {
        match self {
            Direction::Read => READ,
            Direction::Write => WRITE,
        }
    }
}

struct State<const FDS: usize> {
    registry: Registry<FDS>,
}

/// The reactor: static capacity for `FDS` registrations. Timers are not
/// its business: they live in `time/`, and the reactor only bounds its wait
/// by the earliest deadline and fires them after it.
pub struct Reactor<const FDS: usize> {
    /// epoll fd + 1 (0: not created yet).
    epoll: AtomicI32,
    /// eventfd + 1 (0: not created yet).
    unpark_fd: AtomicI32,
    /// An [`unpark`](Reactor::unpark) that came before the eventfd existed;
    /// the next `park` returns at once instead of losing it.
    early_unpark: AtomicBool,
    /// eventfd writes made by [`unpark`](Reactor::unpark), for tests and
    /// `--trace`: same-thread wakes must never add to it.
    unpark_writes: AtomicU32,
    /// What the current blocking wait is bounded by (see `clock.rs`).
    wait_bound: WaitBound,
    state: SpinLock<State<FDS>>,
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
            epoll: AtomicI32::new(0),
            unpark_fd: AtomicI32::new(0),
            early_unpark: AtomicBool::new(false),
            unpark_writes: AtomicU32::new(0),
            wait_bound: WaitBound::new(),
            state: SpinLock::new(State {
                registry: Registry::new(),
            }),
        }
    }

    /// The epoll fd, creating epoll and the unpark eventfd on first use.
    fn epoll_fd(&self) -> Result<RawFd, Errno> {
        let ep = self.epoll.load(Ordering::Acquire);
        if ep != 0 {
            return Ok(ep - 1);
        }
        // Creation happens under the state lock so two first users cannot
        // both create an epoll instance.
        let _guard = self.state.lock();
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

    /// Registers `fd` (which must be non-blocking) for edge-triggered
    /// readiness. The caller keeps owning the fd and must [`deregister`]
    /// before closing it.
    ///
    /// [`deregister`]: Reactor::deregister
    pub fn register(&self, fd: RawFd, interest: Interest) -> Result<Token, crate::io::Error> {
        let ep = self.epoll_fd()?;
        let token = {
            let mut st = self.state.lock();
            let (index, generation) = st
                .registry
                .alloc()
                .ok_or(CapacityError::Registrations { capacity: FDS })?;
            Token {
                index,
                generation,
                fd,
            }
        };
        let ev = EpollEvent::new(interest.epoll_bits(), token.epoll_data());
        if let Err(e) = sys::epoll_ctl(ep, sys::EPOLL_CTL_ADD, fd, Some(&ev)) {
            self.state
                .lock()
                .registry
                .release(token.index, token.generation);
            return Err(e.into());
        }
        crate::trace!(
            "register fd {} as slot {} ({:?})",
            fd,
            token.index,
            interest
        );
        Ok(token)
    }

    /// Changes what `token` waits for.
    pub fn modify(&self, token: Token, interest: Interest) -> Result<(), Errno> {
        let ev = EpollEvent::new(interest.epoll_bits(), token.epoll_data());
        sys::epoll_ctl(self.epoll_fd()?, sys::EPOLL_CTL_MOD, token.fd, Some(&ev))
    }

    /// Removes `token`'s fd from epoll and frees its slot. Call before
    /// closing the fd: epoll tracks open file descriptions, so a duplicated
    /// fd would otherwise stay registered after `close`.
    pub fn deregister(&self, token: Token) -> Result<(), Errno> {
        let r = sys::epoll_ctl(self.epoll_fd()?, sys::EPOLL_CTL_DEL, token.fd, None);
        let wakers = self
            .state
            .lock()
            .registry
            .release(token.index, token.generation);
        crate::trace!("deregister fd {} (slot {})", token.fd, token.index);
        // A task still waiting on this fd (from another handle) must learn
        // that it is gone rather than sleep forever.
        for w in wakers.into_iter().flatten() {
            w.wake();
        }
        r
    }

    /// How many fds are registered.
    pub fn registrations(&self) -> usize {
        self.state.lock().registry.live()
    }

    /// The readiness tick of `token` in `dir`; read it *before* an I/O call
    /// and pass it to [`poll_ready`](Reactor::poll_ready) if the call says
    /// `EAGAIN`.
    pub fn tick(&self, token: Token, dir: Direction) -> u32 {
        let mut st = self.state.lock();
        st.registry
            .get_mut(token.index, token.generation)
            .map_or(0, |s| s.ticks[dir.index()])
    }

    /// After an I/O call on `token` returned `EAGAIN`: `Ready` if readiness
    /// arrived since `tick` was read (retry the call), otherwise parks the
    /// task's waker and returns `Pending`.
    pub fn poll_ready(
        &self,
        token: Token,
        dir: Direction,
        tick: u32,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut st = self.state.lock();
        let Some(slot) = st.registry.get_mut(token.index, token.generation) else {
            // Deregistered under our feet: let the caller retry and get the
            // fd's own error instead of waiting forever.
            return Poll::Ready(());
        };
        let d = dir.index();
        if slot.ticks[d] != tick || slot.closed {
            return Poll::Ready(());
        }
        match &mut slot.wakers[d] {
            Some(w) if w.will_wake(cx.waker()) => {}
            other => *other = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Interrupts a [`park`](Self::park) in progress, or makes the next one
    /// return at once (the eventfd counter latches it). Safe from any thread
    /// and from signal handlers: one atomic load and one `write`, no lock.
    ///
    /// This always costs a syscall; the executor calls it only when it has
    /// seen its loop parked, which is what keeps same-thread wakes free.
    pub fn unpark(&self) {
        let fd = self.unpark_fd.load(Ordering::Acquire);
        if fd == 0 {
            // Nothing has parked yet, so nothing is blocked: remember it.
            self.early_unpark.store(true, Ordering::SeqCst);
            // The eventfd may have been published between our load and the
            // store; then that first `park` may already be past its check.
            let fd = self.unpark_fd.load(Ordering::SeqCst);
            if fd != 0 {
                let _ = sys::write(fd - 1, &1u64.to_ne_bytes());
                self.unpark_writes.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        // A full counter (EAGAIN) already means "wake up"; nothing else can
        // usefully be done about an error here.
        let _ = sys::write(fd - 1, &1u64.to_ne_bytes());
        self.unpark_writes.fetch_add(1, Ordering::Relaxed);
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

    /// How many eventfd writes [`unpark`](Self::unpark) has made: wakes from
    /// other threads and signal handlers against a parked loop. Wakes that
    /// the loop dispatches itself (readiness, timers, tasks waking tasks)
    /// never count here.
    pub fn unpark_writes(&self) -> u32 {
        self.unpark_writes.load(Ordering::Relaxed)
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
        let ep = self.epoll_fd()?;
        let early = self.early_unpark.load(Ordering::SeqCst)
            && self.early_unpark.swap(false, Ordering::SeqCst);
        let blocking = blocking && !early;
        if blocking {
            self.wait_bound.begin();
        }
        let deadline = time::driver::next_deadline();
        // Without a freestanding vDSO, reading the clock is a real syscall:
        // an I/O-only loop (no timers, no caller timeout) never reads it,
        // here or after the wait.
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
        let waited = wait(ep, &mut events, timeout_ns);
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
        let mut woken = 0;
        let mut batch = WakeBatch::new();
        // Each event yields at most two wakers (read, write): the events are
        // handled a half-batch at a time under the lock, and their wakers
        // woken after it is released.
        for chunk in events.get(..n).unwrap_or_default().chunks(WAKE_BATCH / 2) {
            {
                let mut st = self.state.lock();
                for ev in chunk {
                    let (bits, data) = (ev.events, ev.data);
                    crate::trace!("event: token {:#x} events {:#x}", data, bits);
                    if data == UNPARK_TOKEN {
                        let fd = self.unpark_fd.load(Ordering::Acquire) - 1;
                        let mut buf = [0u8; 8];
                        let _ = sys::read(fd, &mut buf);
                        continue;
                    }
                    let Some(slot) = st.registry.get_mut(data as u32, (data >> 32) as u32) else {
                        continue;
                    };
                    let hup = bits & (sys::EPOLLHUP | sys::EPOLLERR) != 0;
                    if hup {
                        slot.closed = true;
                    }
                    if hup || bits & (sys::EPOLLIN | sys::EPOLLRDHUP | sys::EPOLLPRI) != 0 {
                        slot.ticks[READ] = slot.ticks[READ].wrapping_add(1);
                        if let Some(w) = slot.wakers[READ].take() {
                            batch.push(w);
                        }
                    }
                    if hup || bits & sys::EPOLLOUT != 0 {
                        slot.ticks[WRITE] = slot.ticks[WRITE].wrapping_add(1);
                        if let Some(w) = slot.wakers[WRITE].take() {
                            batch.push(w);
                        }
                    }
                }
            }
            woken += batch.wake_all();
        }
        if deadline.is_some() {
            woken += time::driver::on_alarm();
        }
        Ok(woken)
    }
}

/// Set once `epoll_pwait2` said `ENOSYS` (kernels before 5.11, QEMU
/// user-mode before 2026): from then on timed waits round up to milliseconds.
static PWAIT2_MISSING: AtomicBool = AtomicBool::new(false);

/// One `epoll` wait: `None` blocks until an event, `Some(0)` polls, and a
/// timed wait uses `epoll_pwait2`'s nanosecond timeout where the kernel has
/// it (timers then fire within the kernel's timer slack, not up to a
/// millisecond late). Untimed waits keep `epoll_pwait`.
fn wait(ep: RawFd, events: &mut [EpollEvent], timeout_ns: Option<u64>) -> Result<usize, Errno> {
    match timeout_ns {
        None => sys::epoll_pwait(ep, events, -1),
        Some(0) => sys::epoll_pwait(ep, events, 0),
        Some(ns) => {
            if !PWAIT2_MISSING.load(Ordering::Relaxed) {
                match sys::epoll_pwait2(ep, events, Some(&Timespec::from_nanos(ns))) {
                    Err(Errno::ENOSYS) => PWAIT2_MISSING.store(true, Ordering::Relaxed),
                    r => return r,
                }
            }
            let ms = Instant::from_nanos(ns).millis_until_ceil(Instant::ZERO);
            sys::epoll_pwait(ep, events, ms)
        }
    }
}

/// Wakers collected under the state lock, woken once it is released (a
/// foreign waker may do anything, even call back into the reactor). A plain
/// array rather than a `heapless::Vec`: its `drain` alone put ~220 bytes of
/// code and a panic site into every program.
struct WakeBatch {
    wakers: [Option<Waker>; WAKE_BATCH],
    len: usize,
}

impl WakeBatch {
    const fn new() -> Self {
        WakeBatch {
            wakers: [const { None }; WAKE_BATCH],
            len: 0,
        }
    }

    /// Adds `w`; callers leave room (a full batch is woken first), so the
    /// `None` arm, which would drop the wake, is never taken.
    fn push(&mut self, w: Waker) {
        if let Some(slot) = self.wakers.get_mut(self.len) {
            *slot = Some(w);
            self.len += 1;
        }
    }

    /// Wakes every collected waker in order and empties the batch; returns
    /// how many it woke.
    fn wake_all(&mut self) -> usize {
        let n = self.len;
        self.len = 0;
        for w in self.wakers.iter_mut().take(n) {
            if let Some(w) = w.take() {
                w.wake();
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::future::Future;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn pipe() -> (sys::OwnedFd, sys::OwnedFd) {
        let [r, w] = sys::pipe2(sys::O_NONBLOCK | sys::O_CLOEXEC).unwrap();
        // SAFETY: fresh fds from pipe2.
        unsafe { (sys::OwnedFd::from_raw(r), sys::OwnedFd::from_raw(w)) }
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
            Err(crate::io::Error::Capacity(CapacityError::Registrations {
                capacity: 2
            }))
        );
        reactor.deregister(ta).unwrap();
        assert!(
            reactor.register(c.raw(), Interest::Read).is_ok(),
            "a freed slot is reused"
        );
    }

    #[test]
    fn readiness_wakes_the_parked_waker_once_and_ticks() {
        let reactor: Reactor<4> = Reactor::new();
        let (r, w) = pipe();
        let token = reactor.register(r.raw(), Interest::Read).unwrap();
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let tick = reactor.tick(token, Direction::Read);
        let mut buf = [0u8; 8];
        assert_eq!(sys::read(r.raw(), &mut buf), Err(Errno::EAGAIN));
        assert!(
            reactor
                .poll_ready(token, Direction::Read, tick, &mut cx)
                .is_pending()
        );
        sys::write(w.raw(), b"x").unwrap();
        assert_eq!(reactor.park(Some(1_000_000_000)).unwrap(), 1);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        // The tick moved: a stale EAGAIN observation retries instead of waiting.
        assert!(
            reactor
                .poll_ready(token, Direction::Read, tick, &mut cx)
                .is_ready()
        );
        // No new edge: parking times out without waking anyone.
        assert_eq!(reactor.park(Some(1_000_000)).unwrap(), 0);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn park_returns_on_unpark_and_on_timer() {
        let reactor: Reactor<4> = Reactor::new();
        reactor.unpark();
        let start = std::time::Instant::now();
        assert_eq!(
            reactor.park(None).unwrap(),
            0,
            "an earlier unpark is latched"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut sleep = core::pin::pin!(time::sleep(time::Duration::from_millis(5)));
        let start = Instant::now();
        assert!(
            sleep
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        // The timer bounds the wait even with no timeout given.
        while count.0.load(Ordering::SeqCst) == 0 {
            reactor.park(None).unwrap();
        }
        assert!(start.elapsed() >= time::Duration::from_millis(5));
        assert!(
            sleep
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
        );
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
