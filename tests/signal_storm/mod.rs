//! A timer-signal storm against same-thread wakes (shared by the host test
//! `executor_signal_storm` and the freestanding program `test-local-wake`).
//!
//! [`TASKS`] tasks in one pool (two bitmap words, so the summary path runs
//! too) wake each other through cloned wakers on the executor's thread: the
//! plain path, with single-instruction updates. Meanwhile `SIGALRM` fires
//! every [`INTERVAL_US`] µs on the same thread and its handler wakes tasks
//! too, interrupting the executor anywhere: in a scan, in a plain update, in
//! a poll, in the park.
//!
//! Every wake is counted, and none may be lost: a task is woken only when
//! its pending count goes from 0 to 1 (`fetch_add` returned 0), and it
//! consumes the count when polled. So no second wake ever covers for a lost
//! one: a lost wake leaves its task pending and never polled again, which
//! the final check reports. The park is strict ([`StrictPark`]): it returns
//! only on an unpark (or after a second, which is counted as a failure when
//! work was pending), unlike a park that gives up on `EINTR`, so a handler's
//! wake that fails to unpark a parked executor is caught as well.
//!
//! Phases: (1) tasks and the handler wake each other until the handler has
//! fired [`STORM_SIGNALS`] times; (2) tasks stop waking, the handler goes
//! on for [`IDLE_SIGNALS`] more, so the executor parks between signals and
//! each handler wake must rouse it; (3) the timer stops and every pending
//! count must drain to zero.

use bitwake::executor::{Executor, Park, yield_now};
use bitwake::sys::{self, Itimerval, SigAction, Timespec, Timeval};
use core::cell::UnsafeCell;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::*};
use core::task::{Context, Poll, Waker};

/// Tasks (their pool has exactly this many slots: two bitmap words).
pub const TASKS: usize = 96;
/// Timer period.
pub const INTERVAL_US: i64 = 20;
/// Handler calls in phase 1.
pub const STORM_SIGNALS: u32 = 20_000;
/// Handler calls in phase 2.
pub const IDLE_SIGNALS: u32 = 2_000;
/// Wall-time bound of each phase, so a broken build fails instead of hanging.
const PHASE_LIMIT_NS: u64 = 60_000_000_000;
/// How long phase 3 waits for the pending counts to drain.
const DRAIN_LIMIT_NS: u64 = 2_000_000_000;

/// What a run counted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Times the handler ran.
    pub signals: u32,
    /// Wakes sent by tasks (the plain path) and by the handler.
    pub task_wakes: u64,
    /// See `task_wakes`.
    pub handler_wakes: u64,
    /// Pending counts taken by the tasks' polls.
    pub consumed: u64,
    /// Wake requests (`fetch_add`s), including coalesced ones.
    pub requests: u64,
    /// Parks that timed out with work pending (must be 0).
    pub stuck_parks: u32,
    /// Tasks still pending at the end (must be 0).
    pub stalled: u32,
}

static PENDING: [AtomicU32; TASKS] = [const { AtomicU32::new(0) }; TASKS];
static CONSUMED: [AtomicU64; TASKS] = [const { AtomicU64::new(0) }; TASKS];
static REQUESTS: AtomicU64 = AtomicU64::new(0);
static TASK_WAKES: AtomicU64 = AtomicU64::new(0);
static HANDLER_WAKES: AtomicU64 = AtomicU64::new(0);
static SIGNALS: AtomicU32 = AtomicU32::new(0);
static NEXT: AtomicU32 = AtomicU32::new(0);
static STOP: AtomicBool = AtomicBool::new(false);
static STUCK_PARKS: AtomicU32 = AtomicU32::new(0);

/// Each task's own waker, cloned from its first poll's `Context` (a remote
/// waker): written once before `KNOWN[i]` is set, read-only afterwards.
struct Wakers([UnsafeCell<Option<Waker>>; TASKS]);
// SAFETY: slot `i` is written once, by the executor's thread, before
// `KNOWN[i]` is set (Release); it is only read after `KNOWN[i]` is seen set
// (Acquire), and never written again.
unsafe impl Sync for Wakers {}
static WAKERS: Wakers = Wakers([const { UnsafeCell::new(None) }; TASKS]);
static KNOWN: [AtomicBool; TASKS] = [const { AtomicBool::new(false) }; TASKS];

/// Asks for task `i` to be polled; wakes it only on the 0 -> 1 transition.
/// Async-signal-safe (atomics and a bitwake wake).
fn request(i: usize, from_handler: bool) {
    REQUESTS.fetch_add(1, Relaxed);
    if PENDING[i].fetch_add(1, AcqRel) == 0 {
        if !KNOWN[i].load(Acquire) {
            // Not polled yet: its first poll is still to come and will
            // consume this.
            return;
        }
        // SAFETY: see `Wakers`.
        if let Some(w) = unsafe { &*WAKERS.0[i].get() } {
            w.wake_by_ref();
        }
        if from_handler {
            HANDLER_WAKES.fetch_add(1, Relaxed);
        } else {
            TASK_WAKES.fetch_add(1, Relaxed);
        }
    }
}

extern "C" fn on_alarm(_: i32) {
    SIGNALS.fetch_add(1, Relaxed);
    let k = NEXT.fetch_add(1, Relaxed) as usize;
    request(k % TASKS, true);
    request((k * 31 + 7) % TASKS, true);
    if MAIN_WAKER_SET.load(Acquire) {
        // SAFETY: see `MainWaker`.
        if let Some(w) = unsafe { &*MAIN_WAKER.0.get() } {
            w.wake_by_ref();
        }
    }
}

/// Polled only when woken; consumes its pending count, then (during the
/// storm) asks for two other tasks.
struct Worker {
    i: usize,
    round: u32,
}

impl Future for Worker {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let i = self.i;
        if !KNOWN[i].load(Relaxed) {
            // SAFETY: see `Wakers` (first poll, executor thread).
            unsafe { *WAKERS.0[i].get() = Some(cx.waker().clone()) };
            KNOWN[i].store(true, Release);
        }
        let n = PENDING[i].swap(0, AcqRel);
        CONSUMED[i].fetch_add(n as u64, Relaxed);
        if n > 0 && !STOP.load(Relaxed) {
            self.round = self.round.wrapping_add(1);
            let r = self.round as usize;
            request((i + 1 + r % 5) % TASKS, false);
            request((i * 7 + 3 + r) % TASKS, false);
        }
        Poll::Pending
    }
}

bitwake::task! {
    pool_size = 96;
    async fn worker(i: usize) {
        Worker { i, round: 0 }.await
    }
}

/// A park that sleeps until unparked (not until any signal): `EINTR` goes
/// back to sleep. Gives up after a second, and counts that as a failure if
/// work was pending, i.e. a wake did not unpark it.
pub struct StrictPark {
    word: AtomicU32,
}

impl StrictPark {
    /// A park with no unpark pending.
    pub const fn new() -> Self {
        StrictPark {
            word: AtomicU32::new(0),
        }
    }
}

impl Default for StrictPark {
    fn default() -> Self {
        Self::new()
    }
}

impl Park for StrictPark {
    fn park(&self, _timeout: Option<u64>) {
        let start = now_ns();
        while self.word.swap(0, Acquire) == 0 {
            let elapsed = now_ns().saturating_sub(start);
            if elapsed >= 1_000_000_000 {
                if PENDING.iter().any(|p| p.load(Acquire) != 0) {
                    STUCK_PARKS.fetch_add(1, Relaxed);
                }
                return;
            }
            let left = Timespec::from_nanos(1_000_000_000 - elapsed);
            // EINTR and EAGAIN: look at the word again.
            let _ = sys::futex_wait(&self.word, 0, Some(&left));
        }
    }

    fn unpark(&self) {
        if self.word.swap(1, Release) == 0 {
            let _ = sys::futex_wake(&self.word, 1);
        }
    }
}

fn now_ns() -> u64 {
    sys::clock_gettime(sys::CLOCK_MONOTONIC)
        .map(|t| t.sec as u64 * 1_000_000_000 + t.nsec as u64)
        .unwrap_or(0)
}

fn timer(us: i64) -> Result<(), &'static str> {
    let t = Timeval { sec: 0, usec: us };
    sys::setitimer_real(&Itimerval {
        interval: t,
        value: t,
    })
    .map(drop)
    .map_err(|_| "setitimer failed")
}

/// Yields until `done()` or `limit_ns` has passed; false on time-out.
async fn until(limit_ns: u64, done: impl Fn() -> bool) -> bool {
    let start = now_ns();
    while !done() {
        if now_ns().saturating_sub(start) > limit_ns {
            return false;
        }
        yield_now().await;
    }
    true
}

/// Runs the storm on `exec` (whose park must be a [`StrictPark`], or any
/// park that returns only when unparked) and returns what it counted. An
/// `Err` is a set-up failure or a phase that never finished.
pub fn run(exec: &'static Executor) -> Result<Stats, &'static str> {
    let old = sys::rt_sigaction(sys::SIGALRM, &SigAction::handler(on_alarm, sys::SA_RESTART))
        .map_err(|_| "rt_sigaction failed")?;
    let r = exec.block_on(async {
        let mut hs: [Option<bitwake::executor::JoinHandle<()>>; TASKS] = [const { None }; TASKS];
        for (i, h) in hs.iter_mut().enumerate() {
            *h = Some(exec.spawn(worker(i)).map_err(|_| "spawn failed")?);
        }
        // Every task is polled once (its waker becomes known), then the
        // first requests start the chain.
        if !until(PHASE_LIMIT_NS, || KNOWN.iter().all(|k| k.load(Acquire))).await {
            return Err("tasks never polled");
        }
        for i in (0..TASKS).step_by(3) {
            request(i, false);
        }
        timer(INTERVAL_US)?;
        if !until(PHASE_LIMIT_NS, || SIGNALS.load(Relaxed) >= STORM_SIGNALS).await {
            return Err("phase 1: the timer stopped firing");
        }
        STOP.store(true, Relaxed);
        let target = SIGNALS.load(Relaxed) + IDLE_SIGNALS;
        // The main future sleeps too (woken by nothing but the last check),
        // so the executor parks between signals.
        Idle(target).await;
        timer(0)?;
        // A lost wake never drains: the time-out ends this, and `verify`
        // reports the stalled task.
        until(DRAIN_LIMIT_NS, || {
            PENDING.iter().all(|p| p.load(Acquire) == 0)
        })
        .await;
        drop(hs);
        Ok(())
    });
    let _ = sys::rt_sigaction(sys::SIGALRM, &old);
    r?;
    let stalled = PENDING.iter().filter(|p| p.load(Acquire) != 0).count() as u32;
    Ok(Stats {
        signals: SIGNALS.load(Relaxed),
        task_wakes: TASK_WAKES.load(Relaxed),
        handler_wakes: HANDLER_WAKES.load(Relaxed),
        consumed: CONSUMED.iter().map(|c| c.load(Relaxed)).sum(),
        requests: REQUESTS.load(Relaxed),
        stuck_parks: STUCK_PARKS.load(Relaxed),
        stalled,
    })
}

/// Phase 2's main future: pending (so the executor parks between signals)
/// until the handler has fired `.0` times. The handler wakes it through
/// its cloned waker: the `block_on` future's own path, plain while the
/// executor runs, atomic (with an unpark) while it parks.
struct Idle(u32);

impl Future for Idle {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if SIGNALS.load(Relaxed) >= self.0 {
            return Poll::Ready(());
        }
        if !MAIN_WAKER_SET.load(Relaxed) {
            // SAFETY: see `MainWaker`.
            unsafe { *MAIN_WAKER.0.get() = Some(cx.waker().clone()) };
            MAIN_WAKER_SET.store(true, Release);
        }
        Poll::Pending
    }
}

/// The `block_on` future's waker: written once, before `MAIN_WAKER_SET`.
struct MainWaker(UnsafeCell<Option<Waker>>);
// SAFETY: written once by the executor's thread before `MAIN_WAKER_SET` is
// set (Release); read only after it is seen set (Acquire).
unsafe impl Sync for MainWaker {}
static MAIN_WAKER: MainWaker = MainWaker(UnsafeCell::new(None));
static MAIN_WAKER_SET: AtomicBool = AtomicBool::new(false);

/// The checks every caller makes on [`Stats`]: every request consumed,
/// nothing stalled, no park slept through a wake.
pub fn verify(s: &Stats) -> Result<(), &'static str> {
    if s.stalled != 0 {
        return Err("a task stayed pending: a wake was lost");
    }
    if s.stuck_parks != 0 {
        return Err("the executor slept through a wake (park timed out with work pending)");
    }
    if s.consumed != s.requests {
        return Err("consumed != requested");
    }
    if s.signals < STORM_SIGNALS + IDLE_SIGNALS {
        return Err("too few signals");
    }
    if s.handler_wakes == 0 || s.task_wakes == 0 {
        return Err("one wake source never woke");
    }
    Ok(())
}
