//! Waiting for all of several futures: [`join`] for two, [`join_array`] for
//! an array of one type, and [`join!`](crate::join) for any number of any
//! types.

use super::maybe_done::MaybeDone;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Polls two futures concurrently and returns both outputs.
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::future::{join, yield_now};
///
/// let both = EXEC.block_on(join(async { 1 }, async { yield_now().await; "two" }));
/// assert_eq!(both, (1, "two"));
/// ```
///
/// For more than two, use [`join!`](crate::join) (any types) or
/// [`join_array`] (one type).
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a: MaybeDone::new(a),
        b: MaybeDone::new(b),
    }
}

/// Future of [`join`].
#[must_use = "futures do nothing unless awaited"]
pub struct Join<A: Future, B: Future> {
    a: MaybeDone<A>,
    b: MaybeDone<B>,
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of both fields: they are never moved
        // out of the pinned `Join`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above.
        let (mut a, mut b) = unsafe {
            (
                Pin::new_unchecked(&mut this.a),
                Pin::new_unchecked(&mut this.b),
            )
        };
        let ra = a.as_mut().poll_done(cx);
        let rb = b.as_mut().poll_done(cx);
        if ra && rb {
            Poll::Ready((a.take_output(), b.take_output()))
        } else {
            Poll::Pending
        }
    }
}

/// Polls every future of an array concurrently and returns their outputs
/// in the array's order. Nothing is allocated: the futures, then their
/// outputs, live in the returned future.
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::future::{join_array, yield_now};
///
/// async fn square(x: u32) -> u32 {
///     yield_now().await;
///     x * x
/// }
///
/// let squares = EXEC.block_on(join_array([square(1), square(2), square(3)]));
/// assert_eq!(squares, [1, 4, 9]);
/// ```
pub fn join_array<F: Future, const N: usize>(futures: [F; N]) -> JoinArray<F, N> {
    JoinArray {
        cells: futures.map(MaybeDone::new),
    }
}

/// Future of [`join_array`].
#[must_use = "futures do nothing unless awaited"]
pub struct JoinArray<F: Future, const N: usize> {
    cells: [MaybeDone<F>; N],
}

impl<F: Future, const N: usize> Future for JoinArray<F, N> {
    type Output = [F::Output; N];
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of the array's elements: the array is
        // never moved out of the pinned `JoinArray`, nor are its elements.
        let cells = unsafe { &mut self.get_unchecked_mut().cells };
        let mut all = true;
        for cell in cells.iter_mut() {
            // SAFETY: as above.
            all &= unsafe { Pin::new_unchecked(cell) }.poll_done(cx);
        }
        if !all {
            return Poll::Pending;
        }
        Poll::Ready(core::array::from_fn(|i| {
            // SAFETY: as above; `from_fn` calls with each `i < N` once.
            unsafe { Pin::new_unchecked(&mut cells[i]) }.take_output()
        }))
    }
}

/// Awaits any number of futures concurrently and evaluates to the tuple of
/// their outputs, in argument order. Use it inside `async` code; each
/// argument is anything that implements `IntoFuture`.
///
/// The futures live pinned in the calling future's state: nothing is
/// allocated. Every poll polls each unfinished future once, in argument
/// order.
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::future::yield_now;
///
/// let (a, b, c) = EXEC.block_on(async {
///     bitwake::join!(
///         async { 1u8 },
///         async { yield_now().await; "two" },
///         async { 3.0f32 },
///     )
/// });
/// assert_eq!((a, b, c), (1, "two", 3.0));
/// ```
///
/// The macro recurses once per argument, so the compiler's
/// `recursion_limit` (128 unless raised) bounds the count at about 120.
#[macro_export]
macro_rules! join {
    ($($fut:expr),+ $(,)?) => {
        $crate::__join_bind!([] $($fut,)+)
    };
}

/// The recursion of [`join!`]: each step pins one future in a local whose
/// name is private to that step (macro hygiene), and passes the name on.
#[doc(hidden)]
#[macro_export]
macro_rules! __join_bind {
    ([$($cell:ident)*] $head:expr, $($rest:expr,)*) => {{
        let mut cell = ::core::pin::pin!($crate::future::__private::MaybeDone::new(
            ::core::future::IntoFuture::into_future($head),
        ));
        $crate::__join_bind!([$($cell)* cell] $($rest,)*)
    }};
    ([$($cell:ident)*]) => {
        ::core::future::poll_fn(|cx| {
            let mut all = true;
            $( all &= $cell.as_mut().poll_done(cx); )*
            if all {
                ::core::task::Poll::Ready(($($cell.as_mut().take_output(),)*))
            } else {
                ::core::task::Poll::Pending
            }
        })
        .await
    };
}
