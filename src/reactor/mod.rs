//! The reactor: epoll readiness for freestanding Linux, and the Linux side
//! of the time seam.
//!
//! The book builds this in chapters 4, 8 and 10 on mio; here it is epoll
//! directly, through the typed syscall layer (never `asm!`). One file per
//! job:
//!
//! * `selector.rs`: the OS layer — epoll and the eventfd that ends a wait;
//! * `registry.rs`, `registration.rs`: the fd table, tokens, register and
//!   deregister, the ticks and waiter lists of the readiness handshake;
//! * `readiness.rs`: the handshake as one future (try the call, wait for an
//!   edge on `EAGAIN`), used by `io` and `net`;
//! * `dispatch.rs`, `batch.rs`: events into wakes, every waiter of an edge;
//! * `clock.rs`: the Linux time driver (`CLOCK_MONOTONIC`; the alarm is the
//!   park's wait bound);
//! * `driver.rs`: the [`Reactor`] and its park, and where a wake goes.
//!
//! **Needs the `linux` feature** (enabled by `rt`), on x86-64 or aarch64;
//! documented regardless.
// Linux only: see "Linux-only modules" in the crate root.
#![cfg(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod batch;
pub(crate) mod clock;
mod dispatch;
mod driver;
mod readiness;
mod registration;
mod registry;
mod selector;

pub use clock::LinuxClock;
pub use driver::Reactor;
pub use registration::{CapacityError, Direction, Interest, Token};

/// Registration capacity of the global reactor. Empty slots are zero bytes in
/// `.bss`, so capacity costs address space, not binary size or memory (slots
/// are reused before fresh ones); 131072 covers a C100k server with room to
/// spare.
pub const MAX_REGISTRATIONS: usize = 131072;
/// The reactor type of the global instance.
pub type GlobalReactor = Reactor<MAX_REGISTRATIONS>;

static REACTOR: GlobalReactor = Reactor::new();

/// The process-wide reactor.
#[inline]
pub fn reactor() -> &'static GlobalReactor {
    &REACTOR
}

/// How many extra reactors the thread-per-core runtime can use (one per
/// core besides the first, which uses [`reactor`]).
pub const MAX_CORE_REACTORS: usize = 15;

/// The reactors of cores 1.. of the thread-per-core runtime: each is the
/// park of its core's executor (its own epoll and eventfd). Zeroed `.bss`
/// until used.
static CORE_REACTORS: [GlobalReactor; MAX_CORE_REACTORS] =
    [const { Reactor::new() }; MAX_CORE_REACTORS];

/// How many of [`CORE_REACTORS`] a runtime has started: they drive time
/// too, so alarms must reach them.
static CORE_REACTORS_LIVE: core::sync::atomic::AtomicUsize =
    core::sync::atomic::AtomicUsize::new(0);

/// The reactor of core `index` (1..=[`MAX_CORE_REACTORS`]); core 0 is
/// [`reactor`]. Like it, it bounds its waits by the earliest timer and fires
/// expired timers after them, so a core whose tasks sleep needs no other
/// core to be idle.
pub fn core_reactor(index: usize) -> Option<&'static GlobalReactor> {
    CORE_REACTORS.get(index.checked_sub(1)?)
}

/// The reactor of core `index`: [`reactor`] for core 0, and for an index
/// that names no core reactor (so a stale or foreign index can never reach
/// a reactor that does not exist).
pub fn of_core(index: usize) -> &'static GlobalReactor {
    core_reactor(index).unwrap_or(&REACTOR)
}

/// The index of the core this code runs on, for registering fds there: `i`
/// on core `i` of a running thread-per-core runtime (`rt::cores`), 0
/// (the process-wide reactor) on any other thread.
#[inline]
pub fn current_core_index() -> usize {
    #[cfg(feature = "rt")]
    let index = crate::thread::current_core().filter(|&i| i <= MAX_CORE_REACTORS);
    #[cfg(not(feature = "rt"))]
    let index = None;
    index.unwrap_or(0)
}

/// The reactor of the core this code runs on ([`of_core`] of
/// [`current_core_index`]): where an fd registered here is watched, so its
/// readiness is dispatched by the core whose tasks use it.
#[inline]
pub fn local() -> &'static GlobalReactor {
    of_core(current_core_index())
}

/// The thread-per-core runtime has started cores `1..=n` (their reactors now
/// take alarms).
///
/// Called with a smaller `n` when cores stop: if an fd registered on a
/// stopped core outlived it (an `AsyncFd` moved to core 0 or kept in a
/// `static`), nobody waits on that core's reactor any more, so from then on
/// the process-wide reactor also dispatches the readiness of such orphans
/// when it parks, until they are gone (looking at least every 10 ms).
pub fn set_core_reactors_live(n: usize) {
    let n = n.min(MAX_CORE_REACTORS);
    CORE_REACTORS_LIVE.store(n, core::sync::atomic::Ordering::SeqCst);
    let orphans = CORE_REACTORS.iter().skip(n).any(|r| r.registrations() > 0);
    ORPHANS.store(orphans, core::sync::atomic::Ordering::SeqCst);
}

/// Whether a reactor of a stopped core may still hold registrations.
static ORPHANS: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// How long the process-wide reactor waits at most while orphans exist:
/// their readiness is found by looking, not by being woken.
pub(crate) const ORPHAN_POLL_NS: u64 = 10_000_000;

/// Dispatches what is ready on the reactors of stopped cores that still hold
/// registrations (without blocking); whether any still do. One load of a
/// flag when there are none, which is always, unless a value registered on
/// a core outlived it.
///
/// Only the process-wide reactor's park calls this: it runs on the thread
/// that starts and stops runtimes, so a stopped core's reactor is never
/// parked by its own core at the same time.
pub(crate) fn drive_orphans() -> bool {
    use core::sync::atomic::Ordering::SeqCst;
    if !ORPHANS.load(SeqCst) {
        return false;
    }
    let live = CORE_REACTORS_LIVE.load(SeqCst);
    let mut left = false;
    for r in CORE_REACTORS.iter().skip(live) {
        if r.registrations() > 0 {
            let _ = r.poll_events();
            left |= r.registrations() > 0;
        }
    }
    if !left {
        ORPHANS.store(false, SeqCst);
    }
    left
}

/// Whether `r` is the process-wide reactor.
fn is_process_wide<const FDS: usize>(r: &Reactor<FDS>) -> bool {
    core::ptr::addr_eq(r, &REACTOR)
}

/// Every reactor that drives time: the process-wide one and the live core
/// reactors.
fn timed_reactors() -> impl Iterator<Item = &'static GlobalReactor> {
    let live = CORE_REACTORS_LIVE.load(core::sync::atomic::Ordering::SeqCst);
    core::iter::once(&REACTOR).chain(CORE_REACTORS.iter().take(live))
}
