//! An owned file descriptor that closes itself.

use super::{RawFd, close};

/// A file descriptor this value owns: dropping it closes the fd.
#[derive(Debug, PartialEq, Eq)]
pub struct OwnedFd(RawFd);

impl OwnedFd {
    /// Takes ownership of `fd`.
    ///
    /// # Safety
    /// `fd` must be open and owned by nobody else (it will be closed on drop).
    pub const unsafe fn from_raw(fd: RawFd) -> Self {
        OwnedFd(fd)
    }

    /// The fd number (still owned by `self`).
    pub const fn raw(&self) -> RawFd {
        self.0
    }

    /// Gives up ownership without closing.
    pub fn into_raw(self) -> RawFd {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // Linux releases the fd even when close reports EINTR or EIO, so
        // retrying could close an fd another part of the program just opened.
        let _ = close(self.0);
    }
}
