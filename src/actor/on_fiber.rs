//! Actors on their own fibers: [`fiber_actors!`](crate::fiber_actors).
//!
//! The actor's whole loop — the same one an actor on a task runs — is
//! driven by [`fiber::wait`] on a fiber of its own, so its hooks run on that
//! fiber's stack: they may block. A handler calls [`fiber::wait`] on any
//! future, [`fiber::sleep`], or [`Addr::ask_blocking`](super::Addr::ask_blocking)
//! and gets the answer as a return value; while it waits, the fiber is
//! switched out and the executor runs everything else.

use super::Actor;
use super::cell::ActorCell;
use super::run::{Abandon, run};
use crate::executor::{Executor, SpawnError};
use crate::fiber::{self, Stack};

/// Starts the loop of the actor in `cell` on a fiber on `stack`, as a task
/// of `exec`. On failure the loop's guard, dropped with the closure, has
/// freed the cell.
pub fn spawn_on_fiber<A: Actor, S: Stack>(
    exec: &'static Executor,
    stack: S,
    cell: &'static ActorCell<A>,
    args: A::Args,
) -> Result<(), SpawnError> {
    let guard = Abandon::new(cell);
    match fiber::spawn_on(exec, stack, move || fiber::wait(run(guard, args))) {
        // Detached: the stack is free again when the loop ends.
        Ok(_) => Ok(()),
        Err(fiber::SpawnError::Task(e)) => Err(e),
        // Every stack of the pool is in use (the cells and stacks are as
        // many, so only a loop still unwinding holds one).
        Err(fiber::SpawnError::Stack(_)) => Err(SpawnError::Full),
    }
}

/// Declares a static [`ActorPool`](crate::actor::ActorPool) whose actors
/// each run on a fiber of their own, with a stack of `stack_size` bytes
/// from a static pool of `pool_size` stacks. The actor type implements
/// [`Actor`](crate::actor::Actor) as usual; its hooks may block (see the
/// [module docs](crate::actor#actors-on-fibers)).
///
/// ```ignore
/// bitwake::fiber_actors! {
///     pool_size = 4;
///     stack_size = 16 * 1024;
///     static CLIENTS: Client;
/// }
/// let c = CLIENTS.spawn(args)?;   // Addr<Client>, like any actor
/// ```
///
/// A stack must hold the actor's loop (its state, `Args`, the message and
/// the handler's frames); [`FiberStack::high_water`](crate::fiber::FiberStack::high_water)
/// measures a fiber's depth, and an overflow is reported, never silent.
#[macro_export]
macro_rules! fiber_actors {
    (
        pool_size = $n:expr;
        stack_size = $s:expr;
        $(#[$attr:meta])*
        $vis:vis static $name:ident : $ty:ty;
    ) => {
        $(#[$attr])*
        $vis static $name: $crate::actor::ActorPool<$ty, { $n }> = {
            static __STACKS: $crate::fiber::StackPool<{ $s }, { $n }> =
                $crate::fiber::StackPool::new();
            fn __spawn(
                exec: &'static $crate::executor::Executor,
                cell: &'static $crate::actor::ActorCell<$ty>,
                args: <$ty as $crate::actor::Actor>::Args,
            ) -> ::core::result::Result<(), $crate::executor::SpawnError> {
                $crate::actor::__private::spawn_on_fiber(exec, &__STACKS, cell, args)
            }
            static __CELLS: $crate::actor::ActorCells<$ty, { $n }> =
                $crate::actor::ActorCells::new();
            $crate::actor::ActorPool::new(&__CELLS, __spawn)
        };
    };
}
