//! Spawn tokens: a task created in its pool (or, for a per-core task
//! function, its arguments waiting for the executor that picks the pool),
//! not yet started.

use super::error::{Rejected, SpawnError};
use super::exec_core::ExecCore;
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
/// The token is `Send` exactly when `F` and `A` are: a task whose future
/// holds an `Rc` stays on the thread that created it.
///
/// If the pool was full it carries the [`SpawnError`] and the arguments,
/// unused: `spawn` returns the error and drops them, `try_spawn` returns
/// both ([`Rejected`]). Dropping an unspawned token drops the future and
/// frees its slot, or drops the arguments.
///
/// A task function declared with `cores = C` has one pool per executor,
/// and which one is known only when the token is started: its token holds
/// the arguments, and the executor that starts it creates the task in its
/// own pool then (a full pool is that start's error, arguments included).
#[must_use = "a task does nothing until it is spawned"]
pub struct SpawnToken<F, A = ()> {
    inner: Inner<F, A>,
}

enum Inner<F, A> {
    /// Created in its pool, or refused by it.
    Placed(Placed<F, A>),
    /// A per-core task function's arguments, and the function that creates
    /// the task in the pool of the executor that starts it.
    Deferred(A, PlaceFn<F, A>),
}

/// Creates a per-core task in the pool of the executor it is started on.
#[doc(hidden)]
pub type PlaceFn<F, A> = fn(StartOn, A) -> Placed<F, A>;

/// The executor a per-core token is being started on: what picks the pool.
/// Made only by the executor's start path; a program cannot make one.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct StartOn(&'static ExecCore);

impl StartOn {
    /// The executor's core: compared as an address, never dereferenced.
    #[inline]
    pub(crate) fn core(self) -> *mut ExecCore {
        core::ptr::from_ref(self.0).cast_mut()
    }
}

/// A task created in a pool's slot (the `Ok` side owns the future), or the
/// pool's refusal with the arguments unused.
#[doc(hidden)]
#[must_use = "dropping it drops the task"]
pub struct Placed<F, A> {
    inner: Result<(NonNull<Header>, usize), (SpawnError, A)>,
    _fut: PhantomData<F>,
}

// SAFETY: a `Placed` owns an `F` in a static slot or the arguments `A`;
// moving it moves that ownership, which is sound when both may cross
// threads. The header is static and only touched through atomics.
unsafe impl<F: Send, A: Send> Send for Placed<F, A> {}

impl<F, A> Placed<F, A> {
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

    /// Gives up ownership of the slot (the caller now starts the task), or
    /// hands back the error and the arguments.
    #[inline]
    fn into_parts(self) -> Result<(*const Header, usize), Rejected<A>> {
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

impl<F, A> Drop for Placed<F, A> {
    fn drop(&mut self) {
        if let Ok((h, slot)) = self.inner {
            // SAFETY: a created task's pool has its table installed, and
            // this value owns the slot's future (on this thread: it is
            // `Send` only if the future is).
            unsafe { (header::vt(h.as_ptr()).drop_unspawned)(h.as_ptr(), slot) };
        }
    }
}

impl<F, A> From<Placed<F, A>> for SpawnToken<F, A> {
    #[inline]
    fn from(p: Placed<F, A>) -> Self {
        Self {
            inner: Inner::Placed(p),
        }
    }
}

impl<F, A> SpawnToken<F, A> {
    /// A per-core task function's token: `place` creates the task when an
    /// executor starts it. Called by [`task!`](crate::task)'s expansion.
    #[doc(hidden)]
    #[inline]
    pub fn deferred(args: A, place: PlaceFn<F, A>) -> Self {
        Self {
            inner: Inner::Deferred(args, place),
        }
    }

    /// Whether the task was created (the pool had room), or, for a per-core
    /// task function, may still be: its pool is picked, and found full or
    /// not, when an executor starts the token.
    pub fn is_ok(&self) -> bool {
        match &self.inner {
            Inner::Placed(p) => p.inner.is_ok(),
            Inner::Deferred(..) => true,
        }
    }

    /// The error a refused token carries (`None` if the task was created
    /// or is created when the token is started).
    pub(crate) fn error(&self) -> Option<SpawnError> {
        match &self.inner {
            Inner::Placed(Placed {
                inner: Err((e, _)), ..
            }) => Some(*e),
            _ => None,
        }
    }

    /// Gives up ownership of the slot (the caller, the executor whose core
    /// is `exec`, now starts the task), or hands back the error and the
    /// arguments. A per-core token creates its task here, in `exec`'s pool.
    #[inline]
    pub(crate) fn into_parts(
        self,
        exec: &'static ExecCore,
    ) -> Result<(*const Header, usize), Rejected<A>> {
        match self.inner {
            Inner::Placed(p) => p.into_parts(),
            Inner::Deferred(args, place) => place(StartOn(exec), args).into_parts(),
        }
    }

    /// Refuses the task with `error`: drops a created task's future (the
    /// arguments went into it: `args` is `None`), or hands back the
    /// arguments (with the pool's own error if the pool refused it).
    pub(crate) fn refuse(self, error: SpawnError) -> Rejected<A> {
        match self.inner {
            Inner::Placed(p) => match p.into_parts() {
                Ok((h, slot)) => {
                    // SAFETY: we own the unspawned future in `slot`, on the
                    // thread that holds the token (the token is `Send`
                    // only if the future is).
                    unsafe { (header::vt(h).drop_unspawned)(h, slot) };
                    Rejected { error, args: None }
                }
                Err(rejected) => rejected,
            },
            Inner::Deferred(args, _) => Rejected {
                error,
                args: Some(args),
            },
        }
    }
}

impl<F, A> fmt::Debug for SpawnToken<F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnToken")
            .field("ok", &self.is_ok())
            .field("per_core", &matches!(self.inner, Inner::Deferred(..)))
            .finish()
    }
}
