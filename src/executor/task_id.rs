//! The one encoding of a task's name: a pool's registry index and a slot.
//!
//! A [`TaskId`] is what a remote waker carries as its data word and what a
//! slot's metadata records as its joiner. It is built and taken apart only
//! here; the registry, the run loop, the wakers and the joiner bookkeeping
//! all go through it.

/// Bits of an id that hold the slot; pools have at most `1 << SLOT_BITS` slots.
pub(crate) const SLOT_BITS: u32 = 12;
/// Largest pool capacity.
pub const MAX_CAPACITY: usize = 1 << SLOT_BITS;

/// A task in a registered pool: `index << SLOT_BITS | slot`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TaskId(usize);

impl TaskId {
    /// Slot `slot` (`< MAX_CAPACITY`) of the pool registered at `index`.
    #[inline(always)]
    pub(crate) const fn new(index: usize, slot: usize) -> Self {
        Self((index << SLOT_BITS) | slot)
    }
    /// The pool's registry index.
    #[inline(always)]
    pub(crate) const fn index(self) -> usize {
        self.0 >> SLOT_BITS
    }
    /// The slot within the pool.
    #[inline(always)]
    pub(crate) const fn slot(self) -> usize {
        self.0 & (MAX_CAPACITY - 1)
    }
    /// The id as one word (a waker's data, a joiner field).
    #[inline(always)]
    pub(crate) const fn to_bits(self) -> usize {
        self.0
    }
    /// The id a word made by [`to_bits`](Self::to_bits) names. Any word is a
    /// well-formed id; whether it names a live pool is the registry's
    /// question.
    #[inline(always)]
    pub(crate) const fn from_bits(bits: usize) -> Self {
        Self(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_slot_round_trip() {
        for (i, s) in [(0, 0), (1, 4095), (1023, 17), (5, 0)] {
            let id = TaskId::from_bits(TaskId::new(i, s).to_bits());
            assert_eq!((id.index(), id.slot()), (i, s));
        }
    }
}
