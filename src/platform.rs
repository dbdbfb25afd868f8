//! One entry point on every platform: [`block_on`] and [`spawn`] run on the
//! [default executor](crate::executor::DEFAULT), which sleeps the platform's
//! way when idle. Nothing here can silently busy-poll: on a platform bitwake
//! does not know, these functions do not exist.
//!
//! | platform | idle executor sleeps in | set up by |
//! |---|---|---|
//! | freestanding Linux (feature `linux`) | `epoll_pwait` (the reactor) | bitwake itself |
//! | microcontroller (`target_os = "none"`) | `WFI` | the platform crate (`bitwake-mcu`), through [`platform_init!`](crate::platform_init) |
//! | host with feature `std` (tests) | a mutex and condvar | bitwake itself |

use crate::executor::{self, JoinHandle, LocalSpawner, Rejected, SpawnError, SpawnToken};
use core::future::Future;

#[cfg(all(
    any(feature = "linux", all(any(test, doc), target_os = "linux")),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub(crate) mod imp {
    use crate::executor::{Awake, DEFAULT_PARK};
    use crate::reactor::reactor;
    use core::sync::atomic::{AtomicBool, Ordering};

    fn park(timeout_ns: Option<u64>, awake: &Awake<'_>) {
        // The executor is marked awake before the reactor wakes tasks, so the
        // events of this park cost no eventfd write (see executor/park.rs).
        // An error here (EBADF if someone closed our epoll fd, ENOMEM) has no
        // caller to go to; the executor will simply poll again, and the next
        // I/O call reports the problem to the task that owns it.
        let _ = reactor().park_then_dispatch(timeout_ns, || awake.mark());
    }

    fn unpark() {
        reactor().unpark();
    }

    /// Puts the reactor park back into the default executor's hook park
    /// (after a runtime that installed its own for a while).
    #[cfg(feature = "rt")]
    pub(crate) fn reinstall() {
        init();
        DEFAULT_PARK.install(park, unpark);
    }

    /// Connects the default executor's park seam to the reactor (idempotent).
    pub(crate) fn init() {
        static INSTALLED: AtomicBool = AtomicBool::new(false);
        if !INSTALLED.load(Ordering::Acquire) && !INSTALLED.swap(true, Ordering::AcqRel) {
            DEFAULT_PARK.install(park, unpark);
            #[cfg(feature = "rt")]
            crate::rt::install_trace_from_env();
        }
    }
}

#[cfg(all(
    target_os = "none",
    not(any(target_arch = "x86_64", target_arch = "aarch64"))
))]
mod imp {
    unsafe extern "Rust" {
        safe fn __bitwake_platform_init();
    }

    /// The platform crate's set-up (park, timers, interrupts).
    #[inline]
    pub(super) fn init() {
        __bitwake_platform_init()
    }
}

#[cfg(all(
    feature = "std",
    not(all(
        target_os = "none",
        not(any(target_arch = "x86_64", target_arch = "aarch64"))
    )),
    not(all(
        any(feature = "linux", all(any(test, doc), target_os = "linux")),
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))
))]
mod imp {
    extern crate std;
    use crate::executor::{Awake, DEFAULT_PARK, Park, StdPark};
    use core::sync::atomic::{AtomicBool, Ordering};

    static PARK: StdPark = StdPark::new();

    fn park(timeout_ns: Option<u64>, _: &Awake<'_>) {
        PARK.park(timeout_ns)
    }

    fn unpark() {
        PARK.unpark()
    }

    pub(super) fn init() {
        static INSTALLED: AtomicBool = AtomicBool::new(false);
        if !INSTALLED.load(Ordering::Acquire) && !INSTALLED.swap(true, Ordering::AcqRel) {
            DEFAULT_PARK.install(park, unpark);
        }
    }
}

/// Registers a microcontroller platform's set-up:
/// `bitwake::platform_init!(my_init);` where `my_init: fn()` installs the
/// platform's park in [`DEFAULT_PARK`](crate::executor::DEFAULT_PARK) and
/// starts its timers. [`block_on`] and [`spawn`] call it (it must be
/// idempotent). `bitwake-mcu` does this for the boards it supports; a program
/// that uses neither gets a link error naming `__bitwake_platform_init`.
#[macro_export]
macro_rules! platform_init {
    ($init:path) => {
        #[doc(hidden)]
        #[unsafe(no_mangle)]
        fn __bitwake_platform_init() {
            $init()
        }
    };
}

/// Runs `future` to completion on the default executor, with the tasks
/// spawned on it; when nothing is ready the thread sleeps (`epoll_pwait` on
/// Linux, `WFI` on a microcontroller). The program's main future:
/// `bitwake::block_on(main())`.
///
/// *Available on freestanding Linux (feature `linux`, which `rt` enables),
/// on a microcontroller with `bitwake-mcu`, and on hosts with `std`.*
///
/// # Panics
/// If the default executor is already running (a nested or concurrent
/// `block_on`).
pub fn block_on<F: Future>(future: F) -> F::Output {
    imp::init();
    executor::DEFAULT.block_on(future)
}

/// [`block_on`] for unit tests, which the harness runs on several threads
/// at once: one at a time.
#[cfg(test)]
pub(crate) fn block_on_serial<F: Future>(future: F) -> F::Output {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    block_on(future)
}

/// [`block_on`] that also hands the main future a [`LocalSpawner`], which
/// starts tasks whose futures are not `Send` (they stay on this thread).
///
/// *Available on freestanding Linux (feature `linux`, which `rt` enables),
/// on a microcontroller with `bitwake-mcu`, and on hosts with `std`.*
pub fn block_on_local<F: Future>(make: impl FnOnce(LocalSpawner) -> F) -> F::Output {
    imp::init();
    executor::DEFAULT.block_on_local(make)
}

/// Starts a task (made by a [`task!`](crate::task) function) on the default
/// executor; callable before or during [`block_on`], from any thread. On a
/// core of a running thread-per-core runtime ([`rt::cores`](crate::rt::cores))
/// it starts the task on *that* core's executor instead, so a server's
/// per-connection spawns stay on the core that accepted. A task whose future
/// is not `Send` goes through [`block_on_local`]'s spawner.
///
/// A full pool is `Err(SpawnError::Full)`; the task's arguments are dropped
/// with it ([`try_spawn`] hands them back).
///
/// *Available on freestanding Linux (feature `linux`, which `rt` enables),
/// on a microcontroller with `bitwake-mcu`, and on hosts with `std`.*
pub fn spawn<F, A>(token: SpawnToken<F, A>) -> Result<JoinHandle<F::Output>, SpawnError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    imp::init();
    here().spawn(token)
}

/// [`spawn`] (on the same executor) that hands back what it could not take: the error and, when
/// the task's pool was full, the task function's arguments unchanged, so a
/// server can still answer on the stream it meant to hand over.
///
/// *Available on freestanding Linux (feature `linux`, which `rt` enables),
/// on a microcontroller with `bitwake-mcu`, and on hosts with `std`.*
///
/// ```ignore
/// match bitwake::try_spawn(connection(stream)) {
///     Ok(handle) => drop(handle), // runs detached
///     Err(bitwake::executor::Rejected { args: Some((stream,)), .. }) => {
///         let _ = stream.write_all(b"HTTP/1.1 503 Service Unavailable\r\n\r\n").await;
///     }
///     Err(_) => {} // the stream was already closed with the task
/// }
/// ```
pub fn try_spawn<F, A>(token: SpawnToken<F, A>) -> Result<JoinHandle<F::Output>, Rejected<A>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    imp::init();
    here().try_spawn(token)
}

/// The executor [`spawn`] starts tasks on: the running core's under a
/// thread-per-core runtime, else the default one.
#[inline]
fn here() -> &'static executor::Executor {
    #[cfg(feature = "rt")]
    if let Some(e) = crate::rt::cores::executor_here() {
        return e;
    }
    &executor::DEFAULT
}
