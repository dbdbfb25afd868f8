//! What every contender shares, so that the only thing that differs between
//! two benchmark processes is the executor:
//!
//! * the task bodies ([`yielder`], [`ping_a`]/[`ping_b`], [`empty`], [`parked`]),
//!   built from one [`yield_now`] and one [`Flag`];
//! * the parameters ([`Params`], read from `key=value` arguments);
//! * the result lines ([`report`]) the runner parses: `RESULT <scenario> <value> <unit>`;
//! * a heap counter ([`CountingAlloc`]) for the bytes-per-task column.
//!
//! Everything here is single-threaded on purpose: the executors under test
//! run one thread, and a `Sync` type would cost atomics the executors might
//! not need.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

/// Yields once: wakes itself and returns `Pending` the first time it is
/// polled. The same semantics as `futures_lite::future::yield_now` and
/// `embassy_futures::yield_now`; tokio's own `yield_now` defers the wake to
/// the driver tick, so it is not used here.
pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

/// The future returned by [`yield_now`].
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A one-bit event with one stored waker: the cheapest possible hand-off
/// between two tasks, so ping-pong measures the executor and not a channel.
/// The waker is cloned only when it changes (`will_wake`), so the steady state
/// does no clone or drop.
pub struct Flag {
    set: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

// SAFETY: the benchmarks are single-threaded: every `Flag` is touched only by
// the one thread that runs the executor. `Sync` is claimed only so a `Flag`
// can live in a `static` like the task pools of the static executors.
unsafe impl Sync for Flag {}

impl Flag {
    /// An unset flag with no waker.
    pub const fn new() -> Self {
        Flag {
            set: Cell::new(false),
            waker: Cell::new(None),
        }
    }

    /// Sets the flag and wakes the stored waker, if any (it stays stored).
    #[inline]
    pub fn signal(&self) {
        self.set.set(true);
        let w = self.waker.take();
        if let Some(w) = &w {
            w.wake_by_ref();
        }
        self.waker.set(w);
    }

    /// Waits until the flag is set, then clears it.
    pub fn wait(&self) -> FlagWait<'_> {
        FlagWait(self)
    }
}

impl Default for Flag {
    fn default() -> Self {
        Self::new()
    }
}

/// The future returned by [`Flag::wait`].
pub struct FlagWait<'a>(&'a Flag);

impl Future for FlagWait<'_> {
    type Output = ();
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let f = self.0;
        if f.set.get() {
            f.set.set(false);
            return Poll::Ready(());
        }
        let old = f.waker.take();
        let keep = match old {
            Some(w) if w.will_wake(cx.waker()) => w,
            _ => cx.waker().clone(),
        };
        f.waker.set(Some(keep));
        Poll::Pending
    }
}

/// The two flags of the ping-pong pair.
pub static FA: Flag = Flag::new();
/// See [`FA`].
pub static FB: Flag = Flag::new();

/// yield_many's task: `n` yields.
pub async fn yielder(n: u32) {
    for _ in 0..n {
        yield_now().await;
    }
}

/// ping_pong's first task: signals B, then waits for A, `n` times.
pub async fn ping_a(n: u32) {
    for _ in 0..n {
        FB.signal();
        FA.wait().await;
    }
}

/// ping_pong's second task: waits for B, then signals A, `n` times.
pub async fn ping_b(n: u32) {
    for _ in 0..n {
        FB.wait().await;
        FA.signal();
    }
}

/// spawn_many's task: nothing at all.
pub async fn empty() {}

/// spawn_full's filler: a task that never finishes and is never woken.
pub async fn parked() {
    std::future::pending::<()>().await
}

/// Benchmark parameters, from `key=value` arguments after the scenario name.
#[derive(Clone, Debug)]
pub struct Params {
    /// Tasks in yield_many (1000).
    pub tasks: u32,
    /// Yields per task in yield_many (1000).
    pub yields: u32,
    /// Round trips in ping_pong (10^6).
    pub pings: u32,
    /// Tasks per batch in spawn_many, and the pool capacity for spawn_full (1000).
    pub spawns: u32,
    /// Batches in spawn_many (100).
    pub batches: u32,
    /// Spawns into the 999/1000-full pool in spawn_full (100 000).
    pub full_iters: u32,
    /// Pool capacity for ping_pong, where the executor has one (1000).
    pub cap: u32,
    /// Timed repetitions after one untimed warm-up (3).
    pub reps: u32,
    /// Messages per repetition in the channel scenarios (10^6).
    pub msgs: u32,
    /// Producers in the channel scenario `chan_mpsc` (8).
    pub producers: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            tasks: 1000,
            yields: 1000,
            pings: 1_000_000,
            spawns: 1000,
            batches: 100,
            full_iters: 100_000,
            cap: 1000,
            reps: 3,
            msgs: 1_000_000,
            producers: 8,
        }
    }
}

/// The scenario name (first argument) and the parameters that follow it.
pub fn args() -> (String, Params) {
    let mut it = std::env::args().skip(1);
    let scenario = it.next().unwrap_or_else(|| "help".into());
    let mut p = Params::default();
    for a in it {
        let Some((k, v)) = a.split_once('=') else {
            panic!("argument `{a}` is not key=value");
        };
        let v: u32 = v.parse().unwrap_or_else(|_| panic!("`{a}`: not a number"));
        match k {
            "tasks" => p.tasks = v,
            "yields" => p.yields = v,
            "pings" => p.pings = v,
            "spawns" => p.spawns = v,
            "batches" => p.batches = v,
            "full_iters" => p.full_iters = v,
            "cap" => p.cap = v,
            "reps" => p.reps = v,
            "msgs" => p.msgs = v,
            "producers" => p.producers = v,
            _ => panic!("unknown parameter `{k}`"),
        }
    }
    (scenario, p)
}

/// Prints one result line for the runner.
pub fn report(scenario: &str, value: f64, unit: &str) {
    println!("RESULT {scenario} {value:.3} {unit}");
}

/// Runs `once` one untimed time (warm-up: page faults, caches, lazy
/// initialisation) and then `reps` timed times, reporting nanoseconds per
/// operation each time. `once` returns how many operations it did.
pub fn measure(scenario: &str, reps: u32, mut once: impl FnMut() -> u64) {
    once();
    for _ in 0..reps {
        let t = Instant::now();
        let ops = once();
        let ns = t.elapsed().as_nanos() as f64;
        report(scenario, ns / ops as f64, "ns/op");
    }
}

/// [`measure`] that also reports the heap each timed repetition took:
/// `RESULT <scenario>_heap <bytes> B` (the channel scenarios' zero-heap
/// column; set-up inside `once`, such as creating the channels, counts).
pub fn measure_heap(scenario: &str, reps: u32, mut once: impl FnMut() -> u64) {
    once();
    for _ in 0..reps {
        let (b0, _) = allocated();
        let t = Instant::now();
        let ops = once();
        let ns = t.elapsed().as_nanos() as f64;
        let (b1, _) = allocated();
        report(scenario, ns / ops as f64, "ns/op");
        report(&format!("{scenario}_heap"), (b1 - b0) as f64, "B");
    }
}

/// The channel scenarios (module `channel` of each contender): ping-pong
/// over two capacity-1 channels, one producer and one consumer at capacity
/// 64, `producers` producers and one consumer at capacity 64. Each reports
/// ns per message over `msgs` messages.
pub const CHANNEL_SCENARIOS: [&str; 3] = ["chan_ping", "chan_spsc", "chan_mpsc"];

/// Messages per producer in `chan_mpsc` (the total is rounded down to a
/// multiple of the producer count).
pub fn per_producer(p: &Params) -> u32 {
    p.msgs / p.producers.max(1)
}

/// The usage line every contender prints for an unknown scenario.
pub const USAGE: &str = "scenarios: yield | ping | spawn | spawn_full | task_bytes | chan_ping | \
chan_spsc | chan_mpsc; params key=value: tasks yields pings spawns batches full_iters cap reps msgs producers";

/// A global allocator that counts bytes and calls, for the bytes-per-task
/// column. The counters use a plain load and store, not a locked
/// read-modify-write, so counting adds no atomic to the measured executors;
/// it is exact for the single-threaded scenarios it is read in.
pub struct CountingAlloc;

static ALLOC_BYTES: AtomicUsize = AtomicUsize::new(0);
static ALLOC_CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(layout.size());
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(new_size);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[inline]
fn bump(bytes: usize) {
    ALLOC_BYTES.store(
        ALLOC_BYTES.load(Ordering::Relaxed) + bytes,
        Ordering::Relaxed,
    );
    ALLOC_CALLS.store(ALLOC_CALLS.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

/// Bytes and calls allocated so far.
pub fn allocated() -> (usize, usize) {
    (
        ALLOC_BYTES.load(Ordering::Relaxed),
        ALLOC_CALLS.load(Ordering::Relaxed),
    )
}

/// Reports heap bytes per task for `n` tasks spawned by `spawn_n` (which
/// must keep them alive while it returns, e.g. parked), and the static bytes
/// per task the caller knows about (`static_per_task`, 0 for heap executors).
pub fn report_task_bytes(n: usize, static_per_task: usize, spawn_n: impl FnOnce()) {
    let (b0, c0) = allocated();
    spawn_n();
    let (b1, c1) = allocated();
    report("task_heap_bytes", (b1 - b0) as f64 / n as f64, "B/task");
    report(
        "task_heap_allocs",
        (c1 - c0) as f64 / n as f64,
        "allocs/task",
    );
    report("task_static_bytes", static_per_task as f64, "B/task");
}
