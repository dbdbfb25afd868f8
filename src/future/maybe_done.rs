//! [`MaybeDone`]: a future, then its output, then nothing — the cell each
//! input of a join sits in.

use core::future::Future;
use core::pin::Pin;
use core::task::Context;

/// A future until it completes, then its output until that is taken.
///
/// Public only for the expansion of [`join!`](crate::join); not part of the
/// API.
#[doc(hidden)]
pub enum MaybeDone<F: Future> {
    /// Still running.
    Pending(F),
    /// Finished; the output waits to be taken.
    Done(F::Output),
    /// The output was taken.
    Taken,
}

impl<F: Future> MaybeDone<F> {
    /// A cell holding the running future `f`.
    pub const fn new(f: F) -> Self {
        MaybeDone::Pending(f)
    }

    /// Polls the future if it still runs; true once the output is there
    /// (or was taken).
    pub fn poll_done(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: the future inside `Pending` is pinned with `self` and never
        // moved out: the state is only replaced, by `Done`, once the future
        // has completed, and overwriting drops it in place. `Done` and
        // `Taken` hold nothing pinned.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Pending(f) => {
                // SAFETY: structural pinning of the future, as above.
                let f = unsafe { Pin::new_unchecked(f) };
                match f.poll(cx) {
                    core::task::Poll::Ready(v) => {
                        *this = MaybeDone::Done(v);
                        true
                    }
                    core::task::Poll::Pending => false,
                }
            }
            MaybeDone::Done(_) | MaybeDone::Taken => true,
        }
    }

    /// Takes the output. The joins call it once, after
    /// [`poll_done`](Self::poll_done) said true for every input.
    pub fn take_output(self: Pin<&mut Self>) -> F::Output {
        // SAFETY: only the `Done` state is moved out of, and it holds no
        // pinned data (the future was dropped when it became `Done`).
        let this = unsafe { self.get_unchecked_mut() };
        match core::mem::replace(this, MaybeDone::Taken) {
            MaybeDone::Done(v) => v,
            // The joins take each output once, after it arrived.
            MaybeDone::Pending(_) | MaybeDone::Taken => {
                unreachable!("a join took an output that was not there")
            }
        }
    }
}
