//! [`ActorPool`]: the static cells of one actor type, and
//! [`actors!`](crate::actors), which declares a pool with its task pool.

use super::Actor;
use super::addr::Addr;
use super::cell::ActorCell;
use super::supervisor::{Restart, SuperviseError, Supervisor};
use crate::executor::{Executor, SpawnError};
use portable_atomic::{AtomicUsize, Ordering};

/// Starts the loop of the actor in `cell` as a task of `exec`; made by
/// [`actors!`](crate::actors) (the task's future type has no name).
pub type SpawnFn<A> =
    fn(&'static Executor, &'static ActorCell<A>, <A as Actor>::Args) -> Result<(), SpawnError>;

/// `N` cells for actors of type `A` and the task pool their loops run in.
/// Declare one with [`actors!`](crate::actors).
///
/// A pool's tasks run on the executor that first spawns from it (a task
/// pool binds to one executor): spawning on another gives
/// [`SpawnError::OtherExecutor`].
pub struct ActorPool<A: Actor, const N: usize> {
    /// A separate static, all zero bytes (`.bss`), so that only this small
    /// handle is initialised data.
    cells: &'static ActorCells<A, N>,
    spawn: SpawnFn<A>,
}

/// The cells of an [`ActorPool`]: made by [`actors!`](crate::actors).
pub struct ActorCells<A: Actor, const N: usize> {
    cells: [ActorCell<A>; N],
    /// Where the next claim starts looking: one past the last cell taken,
    /// so spawning `N` actors in a row is `O(N)`, not `O(N²)`.
    hint: AtomicUsize,
}

impl<A: Actor, const N: usize> ActorCells<A, N> {
    #[doc(hidden)]
    pub const fn new() -> Self {
        ActorCells {
            cells: [const { ActorCell::new() }; N],
            hint: AtomicUsize::new(0),
        }
    }
}

impl<A: Actor, const N: usize> Default for ActorCells<A, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Actor, const N: usize> ActorPool<A, N> {
    #[doc(hidden)]
    pub const fn new(cells: &'static ActorCells<A, N>, spawn: SpawnFn<A>) -> Self {
        ActorPool { cells, spawn }
    }

    /// Static bytes of the pool's cells, per actor (mailbox and control;
    /// the task slot of each actor's loop is in the task pool).
    pub const fn cell_bytes(&self) -> usize {
        core::mem::size_of::<ActorCell<A>>()
    }

    /// Starts an actor built from `args` on the default executor.
    /// [`SpawnError::Full`] when all `N` cells are taken.
    pub fn spawn(&'static self, args: A::Args) -> Result<Addr<A>, SpawnError> {
        self.spawn_on(&crate::executor::DEFAULT, args)
    }

    /// Starts an actor built from `args` on `exec`.
    pub fn spawn_on(
        &'static self,
        exec: &'static Executor,
        args: A::Args,
    ) -> Result<Addr<A>, SpawnError> {
        let (cell, epoch) = self.claim()?;
        self.start(exec, cell, epoch, args)
    }

    /// Starts an actor under `sup` on the default executor: it is created
    /// when the supervisor starts it (in the order children were added)
    /// and restarted as `restart` and the supervisor's strategy say.
    pub fn spawn_under<const M: usize>(
        &'static self,
        sup: &'static Supervisor<M>,
        restart: Restart,
        args: A::Args,
    ) -> Result<Addr<A>, SuperviseError> {
        self.spawn_under_on(&crate::executor::DEFAULT, sup, restart, args)
    }

    /// [`spawn_under`](Self::spawn_under) on `exec`.
    pub fn spawn_under_on<const M: usize>(
        &'static self,
        exec: &'static Executor,
        sup: &'static Supervisor<M>,
        restart: Restart,
        args: A::Args,
    ) -> Result<Addr<A>, SuperviseError> {
        let (cell, epoch) = self.claim().map_err(SuperviseError::Spawn)?;
        let index = match sup.reserve() {
            Ok(i) => i,
            Err(e) => {
                Self::unclaim(cell);
                return Err(e);
            }
        };
        cell.ctl.set_parent(sup, index);
        match self.start(exec, cell, epoch, args) {
            Ok(addr) => {
                sup.add(index, &cell.ctl, restart);
                Ok(addr)
            }
            Err(e) => {
                sup.unreserve(index);
                Err(SuperviseError::Spawn(e))
            }
        }
    }

    /// Cells in use.
    pub fn len(&self) -> usize {
        self.cells.cells.iter().filter(|c| c.is_claimed()).count()
    }

    /// Whether no cell is in use.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of cells, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    fn claim(&'static self) -> Result<(&'static ActorCell<A>, u32), SpawnError> {
        let cells = &self.cells.cells;
        let start = self.cells.hint.load(Ordering::Relaxed);
        for i in (start..N).chain(0..start.min(N)) {
            if let Some(epoch) = cells[i].claim() {
                self.cells.hint.store(i + 1, Ordering::Relaxed);
                return Ok((&cells[i], epoch));
            }
        }
        Err(SpawnError::Full)
    }

    fn unclaim(cell: &'static ActorCell<A>) {
        cell.mailbox_close_and_release();
    }

    fn start(
        &'static self,
        exec: &'static Executor,
        cell: &'static ActorCell<A>,
        epoch: u32,
        args: A::Args,
    ) -> Result<Addr<A>, SpawnError> {
        // On failure the loop's guard, dropped with the task, has freed the
        // cell.
        (self.spawn)(exec, cell, args).map(|()| Addr::new(cell, epoch))
    }
}

/// Declares a static [`ActorPool`] of `pool_size` actors of one type (at
/// most that many alive at once) together with the task pool their loops
/// run in.
///
/// ```ignore
/// bitwake::actors! {
///     pool_size = 1000;
///     /// The ring's nodes.
///     pub static NODES: Node;
/// }
/// let a = NODES.spawn(args)?;  // Addr<Node>; Err(SpawnError::Full) when 1000 are alive
/// ```
#[macro_export]
macro_rules! actors {
    (
        pool_size = $n:expr;
        $(#[$attr:meta])*
        $vis:vis static $name:ident : $ty:ty;
    ) => {
        $(#[$attr])*
        $vis static $name: $crate::actor::ActorPool<$ty, { $n }> = {
            fn __spawn(
                exec: &'static $crate::executor::Executor,
                cell: &'static $crate::actor::ActorCell<$ty>,
                args: <$ty as $crate::actor::Actor>::Args,
            ) -> ::core::result::Result<(), $crate::executor::SpawnError> {
                $crate::task! {
                    pool_size = $n;
                    async fn __run(
                        guard: $crate::actor::__private::Abandon<$ty>,
                        args: <$ty as $crate::actor::Actor>::Args
                    ) {
                        $crate::actor::__private::run(guard, args).await
                    }
                }
                // The guard lives in the task from the start: dropping the
                // task, even unpolled, frees the cell.
                // A failed spawn drops it too.
                exec.spawn(__run($crate::actor::__private::Abandon::new(cell), args)).map(|_| ())
            }
            static __CELLS: $crate::actor::ActorCells<$ty, { $n }> =
                $crate::actor::ActorCells::new();
            $crate::actor::ActorPool::new(&__CELLS, __spawn)
        };
    };
}
