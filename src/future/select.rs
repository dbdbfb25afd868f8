//! Waiting for the first of several futures: [`select`] for two,
//! [`select_array`] for an array of one type, and
//! [`select!`](crate::select) for any number of any types, biased or fair.

use super::rotor::Rotor;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Output of [`select`]: which future finished first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first future finished first.
    Left(A),
    /// The second future finished first.
    Right(B),
}

/// Polls two futures concurrently; returns the output of the first to finish
/// (the first argument wins ties). The other is dropped with the returned
/// future.
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::future::{Either, select, yield_now};
///
/// let first = EXEC.block_on(select(core::future::pending::<u8>(), async {
///     yield_now().await;
///     "ready"
/// }));
/// assert_eq!(first, Either::Right("ready"));
/// ```
///
/// For more than two, use [`select!`](crate::select) (any types) or
/// [`select_array`] (one type).
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select { a, b }
}

/// Future of [`select`].
#[must_use = "futures do nothing unless awaited"]
pub struct Select<A, B> {
    a: A,
    b: B,
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning; the fields are never moved.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        if let Poll::Ready(v) = unsafe { Pin::new_unchecked(&mut this.a) }.poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        // SAFETY: as above.
        if let Poll::Ready(v) = unsafe { Pin::new_unchecked(&mut this.b) }.poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    }
}

/// Where fair [`select_array`]s start polling: rotates on every poll of any
/// of them, so no index is favoured across polls or across selects.
static ARRAY_START: Rotor = Rotor::new();

/// Polls every future of an array concurrently and returns the output of
/// the first to finish together with its index. The rest are dropped with
/// the returned future.
///
/// Fair: each poll starts at another index (rotating, no random numbers), so
/// an input that is always ready cannot starve the others. For
/// lowest-index-wins, use [`select_array_biased`].
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::future::{select_array, yield_now};
///
/// async fn after(yields: u32) -> u32 {
///     for _ in 0..yields {
///         yield_now().await;
///     }
///     yields
/// }
///
/// let (output, index) = EXEC.block_on(select_array([after(5), after(1), after(3)]));
/// assert_eq!((output, index), (1, 1));
/// ```
///
/// `N` must be at least 1 (a compile-time error otherwise): a select of
/// nothing would never finish.
pub fn select_array<F: Future, const N: usize>(futures: [F; N]) -> SelectArray<F, N> {
    const { assert!(N > 0, "select_array needs at least one future") };
    SelectArray {
        futures,
        biased: false,
    }
}

/// As [`select_array`], but every poll starts at index 0: when several
/// futures are ready, the lowest index wins.
pub fn select_array_biased<F: Future, const N: usize>(futures: [F; N]) -> SelectArray<F, N> {
    const { assert!(N > 0, "select_array needs at least one future") };
    SelectArray {
        futures,
        biased: true,
    }
}

/// Future of [`select_array`] and [`select_array_biased`].
#[must_use = "futures do nothing unless awaited"]
pub struct SelectArray<F, const N: usize> {
    futures: [F; N],
    biased: bool,
}

impl<F: Future, const N: usize> Future for SelectArray<F, N> {
    type Output = (F::Output, usize);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of the array's elements: none is ever
        // moved out of the pinned `SelectArray`.
        let this = unsafe { self.get_unchecked_mut() };
        let start = if this.biased { 0 } else { ARRAY_START.next(N) };
        for i in 0..N {
            let k = if start + i >= N {
                start + i - N
            } else {
                start + i
            };
            // SAFETY: as above; `k < N` because `start < N` and `i < N`.
            let f = unsafe { Pin::new_unchecked(this.futures.get_unchecked_mut(k)) };
            if let Poll::Ready(v) = f.poll(cx) {
                return Poll::Ready((v, k));
            }
        }
        Poll::Pending
    }
}

/// Awaits the first of any number of futures, then runs that branch's
/// code with its output. Use it inside `async` code.
///
/// ```text
/// select! {
///     PATTERN = FUTURE => EXPRESSION,
///     ...
/// }
/// select! { biased; ... }
/// ```
///
/// Each `FUTURE` (anything that implements `IntoFuture`) is evaluated once,
/// in order, and pinned in the calling future's state: nothing is
/// allocated. When the first of them completes, **all** of them are dropped
/// (so a branch may use what another branch's future borrowed), its output
/// is bound to `PATTERN`, and the `select!` evaluates to that branch's
/// `EXPRESSION`. The expression runs in the enclosing `async` code, so
/// `return`, `break`, `continue`, `?` and `.await` work in it as anywhere
/// else. Patterns must be irrefutable (a refutable one is a compile error):
/// to tell outputs apart, `match` in the expression.
///
/// Fair by default: each poll starts at another branch, rotating (no random
/// numbers), so a branch that is always ready cannot starve the others.
/// With `biased;` first, every poll tries the branches top to bottom, so
/// the first ready one wins: cheaper, and the order is a priority.
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::sync::Channel;
///
/// static WORK: Channel<u32, 4> = Channel::new();
/// static STOP: Channel<(), 1> = Channel::new();
///
/// let handled = EXEC.block_on(async {
///     WORK.try_send(7).unwrap();
///     WORK.try_send(8).unwrap();
///     let mut handled = 0;
///     loop {
///         bitwake::select! {
///             biased;
///             _ = STOP.recv() => break handled,
///             job = WORK.recv() => match job {
///                 Ok(n) => {
///                     handled += n;
///                     if WORK.is_empty() {
///                         STOP.try_send(()).unwrap();
///                     }
///                 }
///                 Err(_) => break handled,
///             },
///         }
///     }
/// });
/// assert_eq!(handled, 15);
/// ```
///
/// A refutable pattern does not compile (there is no branch to fall back
/// to):
///
/// ```compile_fail,E0005
/// # async fn f(ch: &bitwake::sync::Channel<u32, 1>) {
/// bitwake::select! {
///     Ok(v) = ch.recv() => v,
/// };
/// # }
/// ```
///
/// The macro recurses once per branch, so the compiler's `recursion_limit`
/// (128 unless raised) bounds the count at about 120.
#[macro_export]
macro_rules! select {
    (biased; $($branches:tt)+) => {
        $crate::__select_parse!(biased [] [] $($branches)+)
    };
    ($($branches:tt)+) => {
        $crate::__select_parse!(fair [] [] $($branches)+)
    };
}

/// The parser of [`select!`]: one step per branch. Each step records the
/// branch with two names private to that step (macro hygiene): the pinned
/// future's and its output slot's, and the branch's index as `(0 +1 ...)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    ($mode:ident [$($rec:tt)*] [$($n:tt)*] $p:pat = $f:expr => $b:block, $($rest:tt)*) => {
        $crate::__select_parse!($mode [$($rec)* [fut out ($p) ($f) $b (0 $($n)*)]] [$($n)* +1] $($rest)*)
    };
    ($mode:ident [$($rec:tt)*] [$($n:tt)*] $p:pat = $f:expr => $b:block $($rest:tt)*) => {
        $crate::__select_parse!($mode [$($rec)* [fut out ($p) ($f) $b (0 $($n)*)]] [$($n)* +1] $($rest)*)
    };
    ($mode:ident [$($rec:tt)*] [$($n:tt)*] $p:pat = $f:expr => $b:expr, $($rest:tt)*) => {
        $crate::__select_parse!($mode [$($rec)* [fut out ($p) ($f) { $b } (0 $($n)*)]] [$($n)* +1] $($rest)*)
    };
    ($mode:ident [$($rec:tt)*] [$($n:tt)*] $p:pat = $f:expr => $b:expr) => {
        $crate::__select_parse!($mode [$($rec)* [fut out ($p) ($f) { $b } (0 $($n)*)]] [$($n)* +1])
    };
    ($mode:ident [$([$fut:ident $out:ident ($p:pat) ($f:expr) $b:block $i:tt])+] [$($n:tt)*]) => {{
        $( let mut $out = ::core::option::Option::None; )+
        {
            $(
                let mut $fut = ::core::pin::pin!(::core::future::IntoFuture::into_future($f));
            )+
            ::core::future::poll_fn(|cx| {
                const COUNT: usize = 0 $($n)*;
                let start = $crate::__select_start!($mode, COUNT);
                let mut i = 0;
                while i < COUNT {
                    let k = if start + i >= COUNT { start + i - COUNT } else { start + i };
                    $(
                        if k == $i {
                            if let ::core::task::Poll::Ready(v) =
                                ::core::future::Future::poll($fut.as_mut(), cx)
                            {
                                $out = ::core::option::Option::Some(v);
                                return ::core::task::Poll::Ready(());
                            }
                        }
                    )+
                    i += 1;
                }
                ::core::task::Poll::Pending
            })
            .await;
        }
        $(
            if let ::core::option::Option::Some(v) = $out {
                let $p = v;
                $b
            } else
        )+ {
            ::core::unreachable!("select! finished with no output")
        }
    }};
}

/// Where a [`select!`] starts polling: branch 0 when biased, else the next
/// value of a rotor private to this `select!` (one per call site).
#[doc(hidden)]
#[macro_export]
macro_rules! __select_start {
    (biased, $count:expr) => {
        0
    };
    (fair, $count:expr) => {{
        static ROTOR: $crate::future::__private::Rotor = $crate::future::__private::Rotor::new();
        ROTOR.next($count)
    }};
}
