//! Thread-per-core: one executor per core, each on its own pinned thread
//! with its own reactor, no work stealing; tasks talk across cores through
//! wakers (a bit in the owner's bitmap) and `sync` channels.
//!
//! ```ignore
//! let out = bitwake::rt::cores::Cores::new(2).run(async {
//!     let h = bitwake::rt::cores::spawn_on(1, work(21)).unwrap();
//!     h.await.unwrap() * 2
//! })?;
//! ```
//!
//! Core 0 is the calling thread running the [default
//! executor](crate::executor::DEFAULT) (what [`crate::block_on`] uses) over
//! the process-wide reactor; core `i ≥ 1` is a thread ([`thread`]) running
//! an executor of its own whose park is reactor `i` (its own epoll and
//! eventfd). With pinning (the default), core `i` is pinned to the `i`-th CPU
//! this process may run on, and the calling thread's affinity is restored
//! when [`Cores::run`] returns.
//!
//! # Wakes across cores
//!
//! A waker is a task id: waking from another core is the same `fetch_or` of
//! the task's bit in its pool's ready word as a local wake, then a load of the
//! owner's `parked` flag; only a waker that finds the owner parked (and
//! clears the flag) writes the owner's eventfd. A burst of wakes against a
//! parked core costs one `write`; wakes against a busy core cost no syscall.
//! An idle core spins on its ready bits for a while before it announces its
//! park, so a prompt answer from another core finds it not parked either.
//!
//! # Where things run
//!
//! * A task runs on the core it was spawned on, for its whole life.
//! * A task function declared with `cores = C` in [`task!`](crate::task)
//!   has one pool per core: `spawn_on(i, worker(i))` works for every core
//!   `i` with one `worker`, and a task that starts more of them on its own
//!   core ([`crate::spawn`]`(handle(conn))`, which on a core starts the task
//!   on that core) fills that core's pool. Each
//!   core's pool has the declared `pool_size` ([`SpawnError::Full`] per
//!   core); a core beyond the `C`-th to start one gets
//!   [`SpawnError::TooManyExecutors`]. Declare `C` as the most cores the
//!   program runs ([`MAX_CORES`] at most is useful).
//! * A task function without `cores` has one pool, which binds to the
//!   first core that spawns one of its tasks
//!   ([`SpawnError::OtherExecutor`] on any other).
//! * Timers: one timer queue; every core's park is bounded by the earliest
//!   deadline and fires what has expired, so a core's sleeps do not depend on
//!   another core being idle.
//! * File descriptors ([`io`](crate::io), [`net`](crate::net)) register with
//!   the reactor of the core they are created on, so each core waits for and
//!   dispatches the readiness of its own tasks' I/O: a core blocked in a long
//!   computation holds up nobody else's I/O. A value moved to another core
//!   stays with the reactor it was made on (its readiness reaches the task
//!   as a cross-core wake; its drop deregisters there); see
//!   [`AsyncFd`](crate::io::AsyncFd). A thread-per-core server binds one
//!   listener per core with
//!   [`TcpListener::bind_reuse_port`](crate::net::TcpListener::bind_reuse_port).
//!   [`Signals`](crate::signal::Signals) is process-wide and waits on core
//!   0's reactor.

use super::core_park::CorePark;
use crate::executor::{
    self, Awake, DEFAULT_PARK, Executor, JoinHandle, Park, SpawnError, SpawnToken,
};
use crate::reactor::{self, GlobalReactor, MAX_CORE_REACTORS};
use crate::sync::Signal;
use crate::sys::{self, Errno};
use crate::thread;
use core::future::Future;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};

/// Default longest spin of an idle core: a few tens of microseconds.
pub const DEFAULT_SPINS: u32 = 500;

/// The most cores a runtime can have.
pub const MAX_CORES: usize = MAX_CORE_REACTORS + 1;

/// The parks of cores 1.. (core 0's is installed in the default
/// executor's hook park for the run).
static PARKS: [CorePark; MAX_CORES - 1] = {
    fn r<const I: usize>() -> Option<&'static GlobalReactor> {
        reactor::core_reactor(I)
    }
    // One function per core: `CorePark` takes a plain `fn`.
    macro_rules! parks {
        ($($i:literal)*) => { [$(CorePark::new(r::<$i>)),*] };
    }
    parks!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
};

/// Core 0's park for the duration of a run (spin, then the process-wide
/// reactor, like the platform's park).
static CORE0_PARK: CorePark = CorePark::new(|| Some(reactor::reactor()));

fn core0_park(timeout: Option<u64>, awake: &Awake<'_>) {
    CORE0_PARK.park_awake(timeout, awake)
}

fn core0_unpark() {
    CORE0_PARK.unpark()
}

fn core0_spin(pending: &mut dyn FnMut() -> bool) -> bool {
    CORE0_PARK.spin(pending)
}

/// A value on cache lines of its own: what one core writes all the time
/// (its executor's `current` task, its park's latch) must not share a line
/// with what another core writes, or every write of one core evicts the
/// other's line (false sharing).
#[repr(align(64))]
struct OwnLine<T>(T);

/// The executors of cores 1.. (core 0's is `executor::DEFAULT`).
static EXECUTORS: [OwnLine<Executor>; MAX_CORES - 1] = {
    let mut e = [const { OwnLine(Executor::new(&PARKS[0])) }; MAX_CORES - 1];
    let mut i = 1;
    while i < MAX_CORES - 1 {
        e[i] = OwnLine(Executor::new(&PARKS[i]));
        i += 1;
    }
    e
};

/// Tells core `i ≥ 1` to end its run.
static STOP: [Signal<()>; MAX_CORES - 1] = [const { Signal::new() }; MAX_CORES - 1];

/// Whether a runtime is running (one at a time per process).
static RUNNING: AtomicBool = AtomicBool::new(false);
/// How many cores the running runtime has (0: none).
static CORES: AtomicUsize = AtomicUsize::new(0);

/// The CPU each core of the last run was pinned to, plus one (0: unpinned).
static CPU_OF: [AtomicUsize; MAX_CORES] = [const { AtomicUsize::new(0) }; MAX_CORES];

/// The CPU core `index` is (or, after the run, was) pinned to; `None` if
/// it was not pinned.
pub fn cpu_of(index: usize) -> Option<usize> {
    CPU_OF.get(index)?.load(Relaxed).checked_sub(1)
}

/// How many times a waker found core `index` asleep in its reactor and
/// wrote its eventfd (cumulative over runs). Wakes that found the core busy
/// or spinning cost no syscall and are not counted.
pub fn eventfd_wakes(index: usize) -> u32 {
    match index {
        0 => reactor::reactor().unpark_writes(),
        i => reactor::core_reactor(i).map_or(0, |r| r.unpark_writes()),
    }
}

/// Every core's executor by index: finding one costs the same bounds
/// check and load for core 0 as for the others (it is on every
/// [`spawn_on`]'s path).
static ALL: [&Executor; MAX_CORES] = {
    let mut a: [&'static Executor; MAX_CORES] = [&executor::DEFAULT; MAX_CORES];
    let mut i = 1;
    while i < MAX_CORES {
        a[i] = &EXECUTORS[i - 1].0;
        i += 1;
    }
    a
};

/// The executor of core `index`, whether or not a runtime is running.
pub fn executor(index: usize) -> Option<&'static Executor> {
    ALL.get(index).copied()
}

/// How many cores the running runtime has (0: none running).
pub fn count() -> usize {
    CORES.load(Acquire)
}

/// The core this code runs on, if it runs on one
/// (as [`thread::current_core`]).
pub fn current() -> Option<usize> {
    thread::current_core()
}

/// Starts a task (made by a [`task!`](crate::task) function) on core
/// `index` of the running runtime and returns its handle, from any thread.
/// [`SpawnError::NoSuchCore`] if no runtime is running with that core.
pub fn spawn_on<F, A>(
    index: usize,
    token: SpawnToken<F, A>,
) -> Result<JoinHandle<F::Output>, SpawnError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    if index >= count() {
        return Err(SpawnError::NoSuchCore);
    }
    match executor(index) {
        Some(e) => e.spawn(token),
        None => Err(SpawnError::NoSuchCore),
    }
}

/// A thread-per-core runtime's configuration; [`run`](Cores::run) runs it.
#[derive(Clone, Copy, Debug)]
pub struct Cores {
    n: usize,
    pin: bool,
    stack: usize,
    spins: u32,
}

impl Cores {
    /// `n` cores (`1..=MAX_CORES`), pinned, 256 KiB stacks.
    pub const fn new(n: usize) -> Self {
        Cores {
            n,
            pin: true,
            stack: 256 * 1024,
            spins: DEFAULT_SPINS,
        }
    }

    /// How long an idle core spins at most (rounds of `spin_loop`, each a
    /// few tens of nanoseconds) waiting for a wake before it sleeps in its
    /// reactor. Spinning makes a wake from another core cost no syscall and
    /// no scheduler trip when the answer comes quickly; 0 sleeps at once.
    /// The spin adapts: it halves after each spin no cross-core wake ended
    /// (a core waiting for its own fds gains nothing from spinning) and
    /// doubles back after each that one did.
    pub const fn spin_before_park(self, rounds: u32) -> Self {
        Cores {
            spins: rounds,
            ..self
        }
    }

    /// Whether to pin core `i` to the `i`-th CPU this process may run on
    /// (default: yes; [`run`](Self::run) then needs `n` such CPUs).
    pub const fn pinned(self, pin: bool) -> Self {
        Cores { pin, ..self }
    }

    /// The stack size of cores `1..` (the calling thread keeps its own).
    pub const fn stack_size(self, bytes: usize) -> Self {
        Cores {
            stack: bytes,
            ..self
        }
    }

    /// Starts cores `1..n`, runs `main` on core 0 (this thread) to
    /// completion, then stops the other cores (tasks still running on them
    /// are dropped in place, their handles yield `Cancelled`), joins their
    /// threads and returns `main`'s output.
    ///
    /// Errors, before anything runs: `EINVAL` for `n` outside
    /// `1..=MAX_CORES` or, pinned, fewer than `n` CPUs available; `EBUSY` if
    /// a runtime is already running; the kernel's for a thread that could not
    /// be started or pinned.
    pub fn run<F: Future>(self, main: F) -> Result<F::Output, Errno> {
        if self.n == 0 || self.n > MAX_CORES {
            return Err(Errno::EINVAL);
        }
        if RUNNING.swap(true, AcqRel) {
            return Err(Errno::EBUSY);
        }
        let r = self.run_claimed(main);
        RUNNING.store(false, Release);
        r
    }

    fn run_claimed<F: Future>(self, main: F) -> Result<F::Output, Errno> {
        let before = thread::available_cpus()?;
        let cpus = if self.pin {
            if before.count() < self.n {
                return Err(Errno::EINVAL);
            }
            Some(before)
        } else {
            None
        };
        let cpu = |i: usize| cpus.and_then(|c| c.nth(i));
        for (i, c) in CPU_OF.iter().enumerate().take(self.n) {
            c.store(cpu(i).map_or(0, |c| c + 1), Relaxed);
        }
        if let Some(c) = cpu(0) {
            thread::pin_current(c)?;
        }
        for s in &STOP[..self.n - 1] {
            s.reset();
        }
        for p in PARKS.iter().take(self.n - 1).chain([&CORE0_PARK]) {
            p.set_spins(self.spins);
        }
        reactor::set_core_reactors_live(self.n - 1);
        let mut threads: heapless::Vec<thread::JoinHandle<Result<(), Errno>>, MAX_CORES> =
            heapless::Vec::new();
        let mut failed = None;
        for i in 1..self.n {
            let pin = cpu(i);
            match thread::Builder::new()
                .stack_size(self.stack)
                .spawn(move || core_main(i, pin))
            {
                // Capacity MAX_CORES > n - 1: the push cannot fail.
                Ok(h) => {
                    let _ = threads.push(h);
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let out = if failed.is_none() {
            CORES.store(self.n, Release);
            set_current_core(Some((0, &executor::DEFAULT)));
            crate::platform::imp::init();
            DEFAULT_PARK.install(core0_park, core0_unpark);
            DEFAULT_PARK.install_spin(core0_spin);
            let out = crate::block_on(main);
            crate::platform::imp::reinstall();
            set_current_core(None);
            Some(out)
        } else {
            None
        };
        CORES.store(0, Release);
        for s in &STOP[..threads.len()] {
            s.signal(());
        }
        for h in threads {
            if let Err(e) = h.join() {
                failed.get_or_insert(e);
            }
        }
        reactor::set_core_reactors_live(0);
        if cpus.is_some() {
            let _ = sys::sched_setaffinity(0, &before);
        }
        match (out, failed) {
            (Some(out), None) => Ok(out),
            (_, Some(e)) => Err(e),
            (None, None) => Err(Errno::EINVAL),
        }
    }
}

fn set_current_core(core: Option<(usize, &'static Executor)>) {
    if let Some(b) = thread::block::current() {
        b.set_core(core.map(|(i, e)| (i, ptr::from_ref(e).cast())));
    }
}

/// The executor of the core this thread runs, if it runs one: where
/// [`crate::spawn`] starts tasks. Reads the thread block only, so a
/// program that never starts a runtime links none of the cores' statics.
pub(crate) fn executor_here() -> Option<&'static Executor> {
    let e = thread::block::current()?.core_executor();
    // SAFETY: `set_current_core` stores only `&'static Executor`s (or
    // null), and only for the thread it runs on.
    unsafe { e.cast::<Executor>().as_ref() }
}

/// Core `i ≥ 1`'s thread: pin, run its executor until told to stop.
fn core_main(i: usize, cpu: Option<usize>) -> Result<(), Errno> {
    let pinned = cpu.map_or(Ok(()), thread::pin_current);
    set_current_core(Some((i, &EXECUTORS[i - 1].0)));
    EXECUTORS[i - 1].0.block_on(STOP[i - 1].wait());
    set_current_core(None);
    pinned
}
