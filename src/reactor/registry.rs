//! The table of registered file descriptors: one slot per fd, static
//! capacity, O(1) allocation.
//!
//! A slot holds, per direction (read, write), the list of operations waiting
//! for readiness and a *tick* that counts readiness events. An operation
//! reads the tick before its system call; if the call says `EAGAIN`, it
//! waits only if the tick did not move in between — otherwise an edge
//! arrived during the call and it retries. That is how edge-triggered epoll
//! loses no wake-up.
//!
//! A linked waiter of a registration is always in *that* slot's list: a
//! slot goes back to the free stack only once its lists are empty (see
//! [`Registry::close`] and [`Registry::free`]).
//!
//! An empty slot is all zeros, so a large registry costs nothing in the
//! binary (it lives in `.bss`) and nothing in memory until pages are touched.

use crate::waitlist::WaitList;

/// Index of the read direction in per-direction arrays.
pub(super) const READ: usize = 0;
/// Index of the write direction in per-direction arrays.
pub(super) const WRITE: usize = 1;

/// One registered fd.
pub(super) struct Slot {
    /// Bumped when the slot is closed: an event or a handle carrying an old
    /// generation is stale and ignored.
    generation: u32,
    used: bool,
    /// Readiness events seen per direction (wrapping).
    pub(super) ticks: [u32; 2],
    /// Whether the fd reported HUP/ERR: every later wait returns at once.
    pub(super) closed: bool,
    /// The operations waiting for readiness, per direction.
    pub(super) waiters: [WaitList; 2],
}

/// Fixed-capacity slots plus a stack of freed indices.
pub(super) struct Registry<const N: usize> {
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
        waiters: [WaitList::new(), WaitList::new()],
    };

    pub(super) const fn new() -> Self {
        Registry {
            slots: [const { Self::EMPTY }; N],
            free: [0; N],
            free_len: 0,
            fresh: 0,
            live: 0,
        }
    }

    /// Takes a free slot: `(index, generation)`, or `None` when all `N` are used.
    pub(super) fn alloc(&mut self) -> Option<(u32, u32)> {
        // `get` rather than indexing, here and below: the free stack only
        // holds indices below `N`, but the compiler cannot know that, and
        // each indexing would leave a panic site in every program.
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

    /// Ends a registration: its generation moves on, so stale handles and
    /// events can no longer reach the slot. Its waiters stay linked for the
    /// caller to wake (through [`waiters`](Self::waiters)); the caller then
    /// calls [`free`](Self::free). `false` if `(index, generation)` was not
    /// live.
    pub(super) fn close(&mut self, index: u32, generation: u32) -> bool {
        let Some(slot) = self.get_mut(index, generation) else {
            return false;
        };
        slot.used = false;
        slot.generation = slot.generation.wrapping_add(1);
        self.live -= 1;
        true
    }

    /// Puts a closed slot whose lists are empty back on the free stack.
    pub(super) fn free(&mut self, index: u32) {
        // A closed slot was allocated, so the free stack has room for it.
        if let Some(free) = self.free.get_mut(self.free_len) {
            *free = index;
            self.free_len += 1;
        }
    }

    /// The slot, if `(index, generation)` still names a live registration.
    pub(super) fn get_mut(&mut self, index: u32, generation: u32) -> Option<&mut Slot> {
        self.slots
            .get_mut(index as usize)
            .filter(|s| s.used && s.generation == generation)
    }

    /// The waiter lists of slot `index`, live or closed. A waiter linked for
    /// a registration is in these lists even after the registration closed,
    /// until it is woken or removes itself.
    pub(super) fn waiters(&mut self, index: u32) -> Option<&mut [WaitList; 2]> {
        self.slots.get_mut(index as usize).map(|s| &mut s.waiters)
    }

    /// Whether slot `index` has waiters in either direction.
    pub(super) fn has_waiters(&self, index: u32) -> bool {
        self.slots
            .get(index as usize)
            .is_some_and(|s| s.waiters.iter().any(|l| !l.is_empty()))
    }

    /// How many slots are in use.
    pub(super) fn live(&self) -> usize {
        self.live
    }

    /// How many operations wait, over all slots and both directions.
    pub(super) fn waiting(&self) -> usize {
        let used = self.slots.get(..self.fresh).unwrap_or_default();
        used.iter()
            .flat_map(|s| &s.waiters)
            .map(WaitList::len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(r: &mut Registry<3>, (index, generation): (u32, u32)) {
        if r.close(index, generation) {
            r.free(index);
        }
    }

    #[test]
    fn allocates_until_full_then_reuses_with_new_generation() {
        let mut r = Registry::<3>::new();
        let a = r.alloc().unwrap();
        let b = r.alloc().unwrap();
        let c = r.alloc().unwrap();
        assert_eq!((a.0, b.0, c.0), (0, 1, 2));
        assert!(r.alloc().is_none());
        release(&mut r, b);
        assert!(
            r.get_mut(b.0, b.1).is_none(),
            "released slot still reachable"
        );
        let d = r.alloc().unwrap();
        assert_eq!(d.0, b.0);
        assert_ne!(d.1, b.1, "generation did not move on");
        // A stale release is ignored and does not corrupt the free list.
        release(&mut r, b);
        assert_eq!(r.live(), 3);
        assert!(r.alloc().is_none());
    }
}
