//! [`JoinSet`]: a fixed-size group of [`JoinHandle`]s, awaited in the order
//! the tasks finish, aborted together when the group is dropped.

use super::error::JoinError;
use super::handle::JoinHandle;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// Up to `N` spawned tasks' handles, awaited as they finish (like tokio's
/// `JoinSet`, without the heap: the handles live in the set).
///
/// [`push`](Self::push) adds a handle, or gives it back when all `N` places
/// are taken; [`join_next`](Self::join_next) waits for any task of the set
/// to finish and returns its result; dropping the set aborts every task
/// still in it.
///
/// ```
/// use bitwake::executor::{Executor, JoinSet, SpinPark, yield_now};
///
/// bitwake::task! {
///     pool_size = 4;
///     async fn after(yields: u32) -> u32 {
///         for _ in 0..yields {
///             yield_now().await;
///         }
///         yields
///     }
/// }
///
/// static EXEC: Executor = Executor::new(&SpinPark);
///
/// let order = EXEC.block_on(async {
///     let mut set: JoinSet<u32, 3> = JoinSet::new();
///     for n in [30, 10, 20] {
///         set.push(EXEC.spawn(after(n)).unwrap()).unwrap();
///     }
///     // Full: the fourth handle comes back (and is awaited by hand).
///     let extra = set.push(EXEC.spawn(after(0)).unwrap()).unwrap_err();
///     assert_eq!(extra.await, Ok(0));
///     let mut order = Vec::new();
///     while let Some(r) = set.join_next().await {
///         order.push(r.unwrap());
///     }
///     order
/// });
/// assert_eq!(order, [10, 20, 30]);
/// ```
///
/// Each wait polls the handles still in the set (a task's waker does not
/// say which task finished), so it costs `O(N)` per wake-up; the wake-ups
/// themselves come only from tasks finishing.
pub struct JoinSet<T, const N: usize> {
    handles: [Option<JoinHandle<T>>; N],
    len: usize,
}

impl<T, const N: usize> JoinSet<T, N> {
    /// An empty set.
    pub const fn new() -> Self {
        JoinSet {
            handles: [const { None }; N],
            len: 0,
        }
    }

    /// Adds a task's handle. When the set is full the handle comes back
    /// untouched (the task keeps running): await it, drop it (detaching the
    /// task) or abort it.
    pub fn push(&mut self, handle: JoinHandle<T>) -> Result<(), JoinHandle<T>> {
        match self.handles.iter_mut().find(|h| h.is_none()) {
            Some(place) => {
                *place = Some(handle);
                self.len += 1;
                Ok(())
            }
            None => Err(handle),
        }
    }

    /// Waits for the next task of the set to finish and returns its
    /// result, or `None` at once if the set is empty. Tasks that finished
    /// while nobody waited are returned first, lowest place first.
    ///
    /// Cancellation-safe: dropping the future before it completes takes
    /// nothing out of the set.
    pub fn join_next(&mut self) -> JoinNext<'_, T, N> {
        JoinNext { set: self }
    }

    /// The poll behind [`join_next`](Self::join_next), for hand-written
    /// futures.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        for place in &mut self.handles {
            if let Some(h) = place
                && let Poll::Ready(r) = Pin::new(h).poll(cx)
            {
                *place = None;
                self.len -= 1;
                return Poll::Ready(Some(r));
            }
        }
        Poll::Pending
    }

    /// The result of a task that has finished already, if any; never
    /// waits (and registers no waker).
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        let mut cx = Context::from_waker(Waker::noop());
        for place in &mut self.handles {
            if let Some(h) = place
                && h.is_finished()
                && let Poll::Ready(r) = Pin::new(h).poll(&mut cx)
            {
                *place = None;
                self.len -= 1;
                return Some(r);
            }
        }
        None
    }

    /// Asks every task in the set to stop (see [`JoinHandle::abort`]); their
    /// handles stay, and [`join_next`](Self::join_next) then returns each
    /// one's result (`Err(JoinError::Cancelled)` unless it had finished).
    pub fn abort_all(&self) {
        for h in self.handles.iter().flatten() {
            h.abort();
        }
    }

    /// Aborts every task and waits until each has stopped, dropping their
    /// results: afterwards the set is empty and their pool slots are free.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Empties the set without aborting: the tasks keep running, detached
    /// (as when a [`JoinHandle`] is dropped).
    pub fn detach_all(&mut self) {
        for place in &mut self.handles {
            *place = None;
        }
        self.len = 0;
    }

    /// How many handles the set holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no handle.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether all `N` places are taken.
    pub fn is_full(&self) -> bool {
        self.len == N
    }

    /// The number of places, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<T, const N: usize> Default for JoinSet<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Drop for JoinSet<T, N> {
    /// Aborts every task still in the set; the handles are dropped after,
    /// so each slot frees itself once its executor has dropped the task.
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T, const N: usize> fmt::Debug for JoinSet<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet")
            .field("len", &self.len)
            .field("capacity", &N)
            .finish()
    }
}

/// The future returned by [`JoinSet::join_next`].
#[must_use = "futures do nothing unless awaited"]
pub struct JoinNext<'a, T, const N: usize> {
    set: &'a mut JoinSet<T, N>,
}

impl<T, const N: usize> Future for JoinNext<'_, T, N> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.set.poll_join_next(cx)
    }
}
