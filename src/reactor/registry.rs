//! The table of registered file descriptors: one slot per fd, static
//! capacity, O(1) allocation.
//!
//! A slot remembers, per direction (read, write), the waker of the task
//! waiting for readiness and a *tick* that counts readiness events. An I/O
//! operation reads the tick before its system call; if the call says
//! `EAGAIN`, the operation parks its waker only if the tick did not move in
//! between — otherwise an edge arrived during the call and it retries. That is
//! how edge-triggered epoll loses no wake-up.
//!
//! An empty slot is all zeros, so a large registry costs nothing in the
//! binary (it lives in `.bss`) and nothing in memory until pages are touched.

use core::task::Waker;

/// Index of the read direction in per-direction arrays.
pub const READ: usize = 0;
/// Index of the write direction in per-direction arrays.
pub const WRITE: usize = 1;

/// One registered fd.
#[derive(Default)]
pub(crate) struct Slot {
    /// Bumped when the slot is vacated: an event or a handle carrying an old
    /// generation is stale and ignored.
    pub(crate) generation: u32,
    pub(crate) used: bool,
    /// Readiness events seen per direction (wrapping).
    pub(crate) ticks: [u32; 2],
    /// Whether the fd reported HUP/ERR: every later wait returns at once.
    pub(crate) closed: bool,
    pub(crate) wakers: [Option<Waker>; 2],
}

/// Fixed-capacity slots plus a stack of freed indices.
pub(crate) struct Registry<const N: usize> {
    slots: [Slot; N],
    free: [u32; N],
    free_len: usize,
    /// Slots at or above `fresh` were never used (so `new` needs no loop).
    fresh: usize,
    live: usize,
}

impl<const N: usize> Registry<N> {
    const EMPTY: Slot = Slot {
        generation: 0,
        used: false,
        ticks: [0; 2],
        closed: false,
        wakers: [None, None],
    };

    pub(crate) const fn new() -> Self {
        Registry {
            slots: [const { Self::EMPTY }; N],
            free: [0; N],
            free_len: 0,
            fresh: 0,
            live: 0,
        }
    }

    /// Takes a free slot: `(index, generation)`, or `None` when all `N` are used.
    pub(crate) fn alloc(&mut self) -> Option<(u32, u32)> {
        // `get` rather than indexing, here and in `release`: the free stack
        // only holds indices below `N`, but the compiler cannot know that,
        // and each indexing would leave a panic site in every program.
        let index = if self.free_len > 0 {
            self.free_len -= 1;
            *self.free.get(self.free_len)? as usize
        } else if self.fresh < N {
            self.fresh += 1;
            self.fresh - 1
        } else {
            return None;
        };
        let slot = self.slots.get_mut(index)?;
        slot.used = true;
        slot.ticks = [0; 2];
        slot.closed = false;
        self.live += 1;
        Some((index as u32, slot.generation))
    }

    /// Returns a slot; its generation moves on so stale handles and events
    /// can no longer reach whoever gets it next. Gives back any parked wakers.
    pub(crate) fn release(&mut self, index: u32, generation: u32) -> [Option<Waker>; 2] {
        let Some(slot) = self.get_mut(index, generation) else {
            return [None, None];
        };
        slot.used = false;
        slot.generation = slot.generation.wrapping_add(1);
        let wakers = [slot.wakers[0].take(), slot.wakers[1].take()];
        // A live slot was allocated, so the free stack has room for it.
        if let Some(free) = self.free.get_mut(self.free_len) {
            *free = index;
            self.free_len += 1;
        }
        self.live -= 1;
        wakers
    }

    /// The slot, if `(index, generation)` still names a live registration.
    pub(crate) fn get_mut(&mut self, index: u32, generation: u32) -> Option<&mut Slot> {
        self.slots
            .get_mut(index as usize)
            .filter(|s| s.used && s.generation == generation)
    }

    /// How many slots are in use.
    pub(crate) fn live(&self) -> usize {
        self.live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_until_full_then_reuses_with_new_generation() {
        let mut r = Registry::<3>::new();
        let a = r.alloc().unwrap();
        let b = r.alloc().unwrap();
        let c = r.alloc().unwrap();
        assert_eq!((a.0, b.0, c.0), (0, 1, 2));
        assert!(r.alloc().is_none());
        r.release(b.0, b.1);
        assert!(
            r.get_mut(b.0, b.1).is_none(),
            "released slot still reachable"
        );
        let d = r.alloc().unwrap();
        assert_eq!(d.0, b.0);
        assert_ne!(d.1, b.1, "generation did not move on");
        // A stale release is ignored and does not corrupt the free list.
        r.release(b.0, b.1);
        assert_eq!(r.live(), 3);
        assert!(r.alloc().is_none());
    }
}
