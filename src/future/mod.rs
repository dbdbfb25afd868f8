//! Combining futures without allocating: wait for all of them, or for the
//! first.
//!
//! | wait for | two futures | an array `[F; N]` | any number, any types |
//! |---|---|---|---|
//! | all | [`join`] | [`join_array`] | [`join!`](crate::join) |
//! | the first | [`select`] | [`select_array`], [`select_array_biased`] | [`select!`](crate::select) (fair, or `biased;`) |
//!
//! Every combinator keeps its futures inside itself (the macros: in the
//! calling future's state), pinned, so nothing is allocated and nothing
//! needs `std`. A bitwake waker names a task, not a future within it, so a
//! combinator cannot tell which input woke it: each poll polls every input
//! that is still running. The selects drop the inputs that lost.
//!
//! Fairness without random numbers: a fair select starts each poll at the
//! next input in turn, so an input that is always ready cannot starve the
//! others; a biased one always starts at the first, which makes the order a
//! priority.

mod join;
mod maybe_done;
mod rotor;
mod select;
mod yield_now;

pub use join::{Join, JoinArray, join, join_array};
pub use select::{Either, Select, SelectArray, select, select_array, select_array_biased};
pub use yield_now::{YieldNow, yield_now};

/// What the macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use super::maybe_done::MaybeDone;
    pub use super::rotor::Rotor;
}
