//! `task!`: declare an `async fn` together with the static pool its tasks live in.

/// Declares a task function and its static pool.
///
/// ```ignore
/// bitwake::task! {
///     pool_size = 8;
///     /// Doubles `x`, eventually.
///     pub async fn double(x: u32) -> u32 {
///         bitwake::executor::yield_now().await;
///         x * 2
///     }
/// }
///
/// // `double(21)` creates the task in its pool (no allocation) and returns a
/// // `SpawnToken<impl Future<Output = u32>, (u32,)>`; spawning it gives a
/// // `JoinHandle<u32>`.
/// let h = EXEC.spawn(double(21))?;      // Err(SpawnError::Full) if 8 are alive
/// assert_eq!(h.await, Ok(42));
/// // try_spawn hands the arguments back when the pool is full:
/// // Err(Rejected { error: SpawnError::Full, args: Some((21,)) })
/// let h = EXEC.try_spawn(double(21));
/// ```
///
/// # Naming the future type on stable
///
/// An `async fn`'s future type cannot be written down, but a `static` needs a
/// type. The macro keeps the body as a private inner `async fn`, and computes
/// the size and alignment of its future (joined with the output: a slot holds
/// one, then the other) with a `const fn` of bitwake that is generic over
/// `F: Fn(args..) -> Fut` (up to 16 arguments) and is called with the
/// function item. Those numbers
/// become const parameters of a byte-array pool
/// ([`RawPool`](crate::executor::RawPool)), declared as a `static` *inside*
/// the generated function. Because nothing else can name that static, every
/// task ever put in it has exactly the inner function's future type, which is
/// what makes the typed (monomorphised, inlinable) poll sound.
///
/// Rules: at most 16 arguments, each `name: Type` (no patterns), no
/// generics; arguments must be `'static`. Capacity is 1..=4096.
///
/// # `Send`
///
/// The function returns `SpawnToken<impl Future<Output = T>, (Args,)>`: the opaque
/// future type leaks its auto traits, so the token is `Send` exactly when
/// the task's future is. [`Executor::spawn`](crate::executor::Executor::spawn)
/// (callable from any thread) requires it; a task that holds an `Rc` across
/// an `.await` is started with a [`LocalSpawner`](crate::executor::LocalSpawner)
/// instead, on the thread that runs the executor.
///
/// # One task function for many executors: `cores = C`
///
/// A pool binds to the first executor that starts one of its tasks, and
/// starting its tasks on another executor is
/// [`SpawnError::OtherExecutor`](crate::executor::SpawnError::OtherExecutor).
/// A thread-per-core program (`bitwake::rt::cores`) wants the
/// same `worker` and the same `handle(conn)` on every core instead. With
/// `cores = C` after `pool_size`, the macro declares `C` pools of
/// `pool_size` slots each (`C` times the memory, still static, still in
/// `.bss`), and each executor gets a pool of its own: the first executor
/// that starts a task of the function takes the first pool, the next one
/// the second, and so on, for the life of the program.
///
/// ```
/// use bitwake::executor::{Executor, Rejected, SpawnError, SpinPark};
///
/// bitwake::task! {
///     pool_size = 1;
///     cores = 2;
///     /// The same function on every executor.
///     async fn worker(n: u32) -> u32 {
///         n + 1
///     }
/// }
///
/// static PARK: SpinPark = SpinPark;
/// static EXECS: [Executor; 3] = [const { Executor::new(&PARK) }; 3];
///
/// // Each executor creates the task in its own pool of 1.
/// let a = EXECS[0].spawn(worker(1)).unwrap();
/// let b = EXECS[1].spawn(worker(2)).unwrap();
/// // Full is per executor, and the arguments come back.
/// match EXECS[0].try_spawn(worker(3)) {
///     Err(Rejected { error: SpawnError::Full, args: Some((3,)) }) => {}
///     _ => panic!("executor 0's pool should be full"),
/// }
/// // A third executor: both pools belong to others (raise `cores`).
/// assert_eq!(
///     EXECS[2].spawn(worker(4)).unwrap_err(),
///     SpawnError::TooManyExecutors
/// );
/// assert_eq!(EXECS[0].block_on(a), Ok(2));
/// assert_eq!(EXECS[1].block_on(b), Ok(3));
/// ```
///
/// Since the pool is chosen by the executor that starts the task, the
/// function's token holds the arguments until then and creates the task in
/// that executor's pool when it is started. So a full pool shows at the
/// start, not when the function is called:
/// [`SpawnToken::is_ok`](crate::executor::SpawnToken::is_ok) is `true`
/// until then, and every
/// refusal hands the arguments back ([`Rejected`](crate::executor::Rejected)).
/// An executor beyond the `C`-th gets
/// [`SpawnError::TooManyExecutors`](crate::executor::SpawnError::TooManyExecutors).
/// Each pool takes its own registry entry
/// ([`MAX_POOLS`](crate::executor::MAX_POOLS)) when its first task is
/// created. Without `cores`, a task function has one pool, and nothing
/// more: what a microcontroller with one executor needs.
///
/// A per-core token is `Send` exactly when the task's future is, as for a
/// plain one; a task that holds an `Rc` goes through each executor's
/// [`LocalSpawner`](crate::executor::LocalSpawner):
///
/// ```compile_fail
/// use bitwake::executor::{Executor, SpinPark};
/// use std::rc::Rc;
///
/// bitwake::task! {
///     pool_size = 1;
///     cores = 2;
///     async fn holds(rc: Rc<u32>) -> u32 {
///         bitwake::executor::yield_now().await;
///         *rc
///     }
/// }
///
/// static PARK: SpinPark = SpinPark;
/// static EXEC: Executor = Executor::new(&PARK);
/// // error: future cannot be sent between threads safely
/// let _ = EXEC.spawn(holds(Rc::new(1)));
/// ```
#[macro_export]
macro_rules! task {
    (
        pool_size = $n:expr;
        cores = $c:expr;
        $(#[$attr:meta])*
        $vis:vis async fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> $crate::executor::SpawnToken<
            impl ::core::future::Future<Output = $crate::__task_ret!($($ret)?)>,
            ($($ty,)*),
        > {
            type __Out = $crate::__task_ret!($($ret)?);
            async fn __task($($arg: $ty),*) -> __Out $body
            const __L: (usize, usize) = $crate::executor::__private::task_layout(&__task);
            const __N: usize = $n;
            const __C: usize = $c;
            static __POOLS: $crate::executor::__private::PerCorePools<
                { __L.0.next_multiple_of(__L.1) },
                { __L.1 },
                __N,
                { $crate::executor::__private::words_for(__N) },
                __C,
            > = $crate::executor::__private::PerCorePools::new();
            // Called by the executor that starts the token: creates the
            // task in that executor's pool.
            fn __place(
                on: $crate::executor::__private::StartOn,
                args: ($($ty,)*),
            ) -> $crate::executor::__private::Placed<
                impl ::core::future::Future<Output = __Out>,
                ($($ty,)*),
            > {
                // SAFETY: `__POOLS` is private to this function and only
                // ever receives `__task`'s future.
                unsafe { __POOLS.place(on, args, |($($arg,)*)| __task($($arg),*)) }
            }
            $crate::executor::SpawnToken::deferred(($($arg,)*), __place)
        }
    };
    (
        pool_size = $n:expr;
        $(#[$attr:meta])*
        $vis:vis async fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> $crate::executor::SpawnToken<
            impl ::core::future::Future<Output = $crate::__task_ret!($($ret)?)>,
            ($($ty,)*),
        > {
            type __Out = $crate::__task_ret!($($ret)?);
            async fn __task($($arg: $ty),*) -> __Out $body
            const __L: (usize, usize) = $crate::executor::__private::task_layout(&__task);
            const __N: usize = $n;
            static __POOL: $crate::executor::RawPool<
                { __L.0.next_multiple_of(__L.1) },
                { __L.1 },
                __N,
                { $crate::executor::__private::words_for(__N) },
            > = $crate::executor::RawPool::new();
            // SAFETY: `__POOL` is private to this function and only ever
            // receives `__task`'s future.
            unsafe { __POOL.spawn_token(($($arg,)*), |($($arg,)*)| __task($($arg),*)) }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __task_ret {
    () => {
        ()
    };
    ($t:ty) => {
        $t
    };
}
