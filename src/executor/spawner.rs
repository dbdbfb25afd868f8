//! Starting tasks that are not `Send`: the [`LocalSpawner`].
//!
//! [`Executor::spawn`] may be called from any thread, so it takes only
//! tasks whose future (and output) may cross threads. A task that holds an
//! `Rc` or a `RefCell` borrow across an `.await` must be created, polled and
//! dropped on one thread: the one running its executor.
//!
//! [`Executor::block_on_local`] hands its future a `LocalSpawner`: `Copy`,
//! but neither `Send` nor `Sync`, so it stays on the thread that runs the
//! executor. Each run of an executor has an *epoch*; the spawner remembers
//! its run's and refuses ([`SpawnError::NotRunning`]) once that run has
//! ended or begun shutting down. While the run lasts, a spawner on this
//! thread proves that this thread is the executor's; and since a run drops
//! all its tasks before it ends, a local task never outlives its thread's
//! run. No thread-local storage is involved.
//!
//! The epoch is a counter that saturates instead of wrapping (two steps per
//! run), so an old spawner can never match a later run; on a 32-bit target
//! an executor run about 2^31 times stops accepting local spawns
//! ([`SpawnError::NotRunning`]) rather than risk that.

use super::error::{Rejected, SpawnError};
use super::handle::JoinHandle;
use super::run::Executor;
use super::token::SpawnToken;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;

/// Starts tasks that need not be `Send` on the executor whose
/// [`block_on_local`](Executor::block_on_local) run made it.
///
/// Neither `Send` nor `Sync`:
///
/// ```compile_fail
/// use bitwake::executor::{Executor, LocalSpawner, SpinPark};
/// static PARK: SpinPark = SpinPark;
/// static EXEC: Executor = Executor::new(&PARK);
/// fn needs_send<T: Send>(_: T) {}
/// EXEC.block_on_local(|spawner: LocalSpawner| async move {
///     needs_send(spawner); // error: `*const ()` cannot be sent between threads safely
/// });
/// ```
#[derive(Clone, Copy)]
pub struct LocalSpawner {
    exec: &'static Executor,
    epoch: usize,
    _not_send: PhantomData<*const ()>,
}

impl LocalSpawner {
    /// Starts a task created by a [`task!`](crate::task) function, whether
    /// or not its future is `Send`, and returns its handle.
    ///
    /// Errors: those of [`Executor::spawn`], and
    /// [`SpawnError::NotRunning`] once the run that made this spawner has
    /// ended (the task is then dropped here, unpolled).
    pub fn spawn<F: Future + 'static, A>(
        &self,
        token: SpawnToken<F, A>,
    ) -> Result<JoinHandle<F::Output>, SpawnError> {
        self.try_spawn(token).map_err(|r| r.error)
    }

    /// [`spawn`](Self::spawn) that hands back what it could not take: the
    /// error and, when the pool was full or unregistered (or the task
    /// function is per-core), the task function's arguments unchanged (see
    /// [`Rejected`]).
    pub fn try_spawn<F: Future + 'static, A>(
        &self,
        token: SpawnToken<F, A>,
    ) -> Result<JoinHandle<F::Output>, Rejected<A>> {
        if !self.exec.is_current_run(self.epoch) {
            // A created task is dropped here, on the thread that created it
            // (the token is here, and a spawner never leaves its thread).
            return Err(token.refuse(SpawnError::NotRunning));
        }
        // SAFETY: the spawner is not `Send`, so this thread is the one that
        // received it from its run, which is still going on (epoch checked
        // above): this thread runs the executor, and that run will poll and
        // drop the task. The token is here too, so a future that is not
        // `Send` was created on this thread.
        unsafe { self.exec.start(token) }
    }

    /// The executor this spawner starts tasks on.
    pub fn executor(&self) -> &'static Executor {
        self.exec
    }
}

impl fmt::Debug for LocalSpawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSpawner")
            .field("epoch", &self.epoch)
            .finish()
    }
}

impl Executor {
    /// [`block_on`](Executor::block_on) for a main future that starts tasks
    /// which are not `Send`: `make` receives this run's [`LocalSpawner`]
    /// and returns the main future. Spawned tasks may keep a copy of the
    /// spawner (it is `'static`) to start more local tasks.
    ///
    /// ```
    /// use bitwake::executor::{Executor, LocalSpawner, SpinPark, yield_now};
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// bitwake::task! {
    ///     pool_size = 2;
    ///     async fn count(c: Rc<Cell<u32>>) -> u32 {
    ///         yield_now().await;
    ///         c.set(c.get() + 1);
    ///         c.get()
    ///     }
    /// }
    ///
    /// static PARK: SpinPark = SpinPark;
    /// static EXEC: Executor = Executor::new(&PARK);
    /// let n = EXEC.block_on_local(|spawner: LocalSpawner| async move {
    ///     let c = Rc::new(Cell::new(0));
    ///     let a = spawner.spawn(count(c.clone())).unwrap();
    ///     let b = spawner.spawn(count(c.clone())).unwrap();
    ///     a.await.unwrap() + b.await.unwrap()
    /// });
    /// assert_eq!(n, 3);
    /// ```
    ///
    /// # Panics
    /// As `block_on`.
    pub fn block_on_local<F: Future>(
        &'static self,
        make: impl FnOnce(LocalSpawner) -> F,
    ) -> F::Output {
        self.run(|epoch| {
            make(LocalSpawner {
                exec: self,
                epoch,
                _not_send: PhantomData,
            })
        })
    }
}
