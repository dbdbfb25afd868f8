//! The one error of a `send` on a closed channel, broadcast or watch.

use core::fmt;

/// A `send` failed because the channel, broadcast or watch is closed; the
/// value comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending after close")
    }
}

impl<T> core::error::Error for SendError<T> {}
