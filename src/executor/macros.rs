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
#[macro_export]
macro_rules! task {
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
