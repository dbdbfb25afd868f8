//! The Linux runtime: bitwake's executor parked in the reactor.
//!
//! [`block_on`] is the book's `block_on(async_main())`: it runs the main
//! future on the default executor, and when no task is ready the executor
//! parks in `epoll_pwait` (the reactor), which wakes exactly the tasks whose
//! fds or timers fired.

use crate::executor::{self, Awake, JoinHandle, SpawnError, SpawnToken};
use crate::reactor::reactor;
use core::future::Future;
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

/// Connects the default executor's park seam to the reactor (idempotent).
pub fn install_reactor_park() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if !INSTALLED.swap(true, Ordering::AcqRel) {
        executor::DEFAULT_PARK.install(park, unpark);
        install_trace_from_env();
    }
}

/// With the `trace` feature, `BITWAKE_TRACE=1` turns the event trace on
/// (printed to stderr).
fn install_trace_from_env() {
    if cfg!(feature = "trace") && super::env("BITWAKE_TRACE").is_some_and(|v| v != b"0") {
        crate::trace::enable(|args| super::io::_print(2, format_args!("trace: {args}\n")));
    }
}

/// Runs `fut` to completion: the main future of a program. Spawned tasks run
/// alongside it; when nothing is ready the thread sleeps in the reactor.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    install_reactor_park();
    executor::block_on(fut)
}

/// Starts a task (created by a [`task!`](crate::task) function) on the
/// default executor.
pub fn spawn<F>(token: SpawnToken<F>) -> Result<JoinHandle<F::Output>, SpawnError>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    install_reactor_park();
    executor::spawn(token)
}
