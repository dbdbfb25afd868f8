//! [`OwnerLock`]: a process-wide lock word that holds its owner's thread id,
//! so the owner can tell that it already holds it (re-entry) and everyone
//! else spins. Only atomics here (no system calls), so the loom model in
//! `tests/critical_section_loom.rs` compiles this very file.

#[cfg(loom)]
use loom::hint::spin_loop;
#[cfg(loom)]
use loom::sync::atomic::{AtomicI32, Ordering};

#[cfg(not(loom))]
use core::hint::spin_loop;
#[cfg(not(loom))]
use core::sync::atomic::{AtomicI32, Ordering};

/// Free (`0`) or held by the thread whose id it holds (Linux never hands
/// out tid 0).
pub(crate) struct OwnerLock {
    owner: AtomicI32,
}

impl OwnerLock {
    /// A free lock.
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        OwnerLock {
            owner: AtomicI32::new(0),
        }
    }

    /// A free lock (loom's atomics are not `const`).
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        OwnerLock {
            owner: AtomicI32::new(0),
        }
    }

    /// Whether thread `me` holds the lock. Exact for the caller's own id:
    /// only `me` ever stores `me`, and it reads its own stores.
    #[inline]
    pub(crate) fn held_by(&self, me: i32) -> bool {
        self.owner.load(Ordering::Relaxed) == me
    }

    /// Takes the lock for thread `me` (not already the owner), spinning
    /// while another thread holds it.
    #[inline]
    pub(crate) fn lock(&self, me: i32) {
        while self
            .owner
            .compare_exchange_weak(0, me, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            while self.owner.load(Ordering::Relaxed) != 0 {
                spin_loop();
            }
        }
    }

    /// Releases the lock (the caller is the owner).
    #[inline]
    pub(crate) fn unlock(&self) {
        self.owner.store(0, Ordering::Release);
    }
}
