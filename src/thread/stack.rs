//! A thread's memory: one anonymous mapping holding a guard, the stack and
//! the thread's block.

use crate::sys::{self, Errno};

/// Bytes of inaccessible memory below every stack. A multiple of every page
/// size Linux uses (4, 16 and 64 KiB), so `mprotect` accepts it as is.
pub(crate) const GUARD: usize = 64 * 1024;

/// One thread's mapping: `[guard | stack | top]`, `top` holding `top_len`
/// bytes for the block, closure and result.
pub(crate) struct Mapping {
    pub(crate) base: *mut u8,
    pub(crate) len: usize,
    /// The first byte above the stack: the stack's (16-byte aligned) top and
    /// the start of the top area.
    pub(crate) top: *mut u8,
}

/// `n` rounded up to a multiple of [`GUARD`], or `None` on overflow.
fn round(n: usize) -> Option<usize> {
    n.checked_add(GUARD - 1).map(|v| v & !(GUARD - 1))
}

impl Mapping {
    /// Maps a stack of at least `stack` bytes plus `top_len` bytes above it.
    pub(crate) fn new(stack: usize, top_len: usize) -> Result<Mapping, Errno> {
        let stack = round(stack.max(GUARD)).ok_or(Errno::EINVAL)?;
        let top = round(top_len.max(1)).ok_or(Errno::EINVAL)?;
        let len = GUARD
            .checked_add(stack)
            .and_then(|v| v.checked_add(top))
            .ok_or(Errno::EINVAL)?;
        let addr = sys::mmap_anonymous(
            len,
            sys::PROT_READ | sys::PROT_WRITE,
            sys::MAP_NORESERVE | sys::MAP_STACK,
        )?;
        // SAFETY: the first GUARD bytes of the mapping we just made; nothing
        // refers to them.
        if let Err(e) = unsafe { sys::mprotect(addr, GUARD, sys::PROT_NONE) } {
            // SAFETY: our fresh mapping, unused.
            let _ = unsafe { sys::munmap(addr, len) };
            return Err(e);
        }
        let base = addr as *mut u8;
        Ok(Mapping {
            base,
            len,
            // SAFETY: GUARD + stack < len, inside the mapping.
            top: unsafe { base.add(GUARD + stack) },
        })
    }

    /// Unmaps it.
    ///
    /// # Safety
    /// Nothing may use the mapping any more: no thread runs on the stack and
    /// no reference points into it.
    pub(crate) unsafe fn unmap(self) {
        // SAFETY: by the caller. An error (impossible for a mapping we made)
        // would only leak it.
        let _ = unsafe { sys::munmap(self.base as usize, self.len) };
    }
}
