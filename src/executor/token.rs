//! Spawn tokens: a task created in its pool but not yet started.

use super::error::{Rejected, SpawnError};
use super::header::{self, Header};
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A task that has been created in its pool but not yet handed to an
/// executor. Returned by the functions that [`task!`](crate::task) declares;
/// `F` is the task's future type (an `impl Future` the program cannot name),
/// `A` the tuple of the task function's arguments.
/// Pass it to [`Executor::spawn`](super::Executor::spawn) or
/// [`spawn`](crate::spawn), which need `F: Send`, or to a
/// [`LocalSpawner`](super::LocalSpawner), which does not.
///
/// The token is `Send` exactly when `F` is: a task whose future holds an
/// `Rc` stays on the thread that created it.
///
/// If the pool was full it carries the [`SpawnError`] and the arguments,
/// unused: `spawn` returns the error and drops them, `try_spawn` returns
/// both ([`Rejected`]). Dropping an unspawned token drops the future and
/// frees its slot, or drops the arguments.
#[must_use = "a task does nothing until it is spawned"]
pub struct SpawnToken<F, A = ()> {
    inner: Result<(NonNull<Header>, usize), (SpawnError, A)>,
    _fut: PhantomData<F>,
}

// SAFETY: the token owns an `F` in a static slot or the arguments `A`;
// moving the token moves that ownership, which is sound when both may cross
// threads. The header is static and only touched through atomics.
unsafe impl<F: Send, A: Send> Send for SpawnToken<F, A> {}

impl<F, A> SpawnToken<F, A> {
    pub(crate) fn ok(h: *const Header, slot: usize) -> Self {
        // SAFETY: `h` comes from a reference to a static pool (non-null).
        let h = unsafe { NonNull::new_unchecked(h.cast_mut()) };
        Self {
            inner: Ok((h, slot)),
            _fut: PhantomData,
        }
    }
    pub(crate) fn err(e: SpawnError, args: A) -> Self {
        Self {
            inner: Err((e, args)),
            _fut: PhantomData,
        }
    }
    /// Whether the task was created (the pool had room).
    pub fn is_ok(&self) -> bool {
        self.inner.is_ok()
    }
    /// Gives up ownership of the slot (the caller now starts the task), or
    /// hands back the error and the arguments.
    pub(crate) fn into_parts(self) -> Result<(*const Header, usize), Rejected<A>> {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: `me` is never used or dropped again; the arguments (if any)
        // move out exactly once.
        match unsafe { core::ptr::read(&me.inner) } {
            Ok((h, s)) => Ok((h.as_ptr().cast_const(), s)),
            Err((error, args)) => Err(Rejected {
                error,
                args: Some(args),
            }),
        }
    }
}

impl<F, A> Drop for SpawnToken<F, A> {
    fn drop(&mut self) {
        if let Ok((h, slot)) = self.inner {
            // SAFETY: a token exists only for a created task, so the pool's
            // table is installed, and the token owns the slot's future (on
            // this thread: the token is `Send` only if the future is).
            unsafe { (header::vt(h.as_ptr()).drop_unspawned)(h.as_ptr(), slot) };
        }
    }
}

impl<F, A> fmt::Debug for SpawnToken<F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnToken")
            .field("ok", &self.inner.is_ok())
            .finish()
    }
}
