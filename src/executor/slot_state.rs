//! The per-slot metadata word: lifecycle flags and the joiner.
//!
//! Every pool slot has one `AtomicU32`. Its low bits are flags, its high bits
//! name who awaits the task's [`JoinHandle`](super::JoinHandle) (the
//! *joiner*):
//!
//! | bits | meaning | set by | cleared by |
//! |---|---|---|---|
//! | [`SPAWNED`] | the future is in the slot and handed to an executor | spawn | release |
//! | [`DONE`] | the task has stopped; the slot holds its output unless `CANCELLED` | the executor (completion) | release |
//! | [`DETACHED`] | the handle is gone: whoever sees `DONE` second frees the slot | handle drop | release |
//! | [`ABORT`] | the handle asked for the task to be dropped instead of polled | `abort` | release |
//! | [`CANCELLED`] | the task was dropped before finishing (no output) | the executor | release |
//! | [`PANICKED`] | the task's poll unwound (with `CANCELLED`) | the executor | release |
//! | joiner (`>> JOINER_SHIFT`) | a [`Joiner`] | the handle's poll | release |
//!
//! The executor polls a ready slot only if it is `SPAWNED` and not `DONE`,
//! so a stale wake of a free or merely claimed slot polls nothing. The
//! handle and the executor hand the slot over through this word with
//! `AcqRel` read-modify-writes: the output is published by the `DONE` RMW.

use super::task_id::TaskId;

/// The task's future is in the slot and started.
pub(crate) const SPAWNED: u32 = 32;
/// The task has stopped (finished, cancelled or panicked).
pub(crate) const DONE: u32 = 1;
/// The join handle has been dropped.
pub(crate) const DETACHED: u32 = 2;
/// The join handle asked for the task to be dropped.
pub(crate) const ABORT: u32 = 4;
/// The task was dropped before it finished: no output.
pub(crate) const CANCELLED: u32 = 8;
/// The task's poll panicked.
pub(crate) const PANICKED: u32 = 16;
/// All flag bits.
pub(crate) const FLAGS: u32 = 63;
/// Where the joiner field starts.
pub(crate) const JOINER_SHIFT: u32 = 6;

/// The joiner field's code for "a waker that is not a bitwake task's,
/// stored in the pool header's cell".
const FOREIGN: u32 = u32::MAX >> JOINER_SHIFT;
/// The joiner field's code for "the `block_on` future of the executor the
/// pool is bound to".
const MAIN: u32 = FOREIGN - 1;
/// Task ids whose code (`id + 1`) is below this fit the joiner field.
pub(crate) const TASK_CODES: usize = MAIN as usize;

/// Who awaits a task's join handle.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Joiner {
    /// Nobody has polled the handle yet.
    None,
    /// A task in a pool (woken through its id).
    Task(TaskId),
    /// The `block_on` future of the executor the pool is bound to.
    Main,
    /// Any other waker: kept in the pool header's one-waker cell.
    Foreign,
}

impl Joiner {
    /// The joiner field (already shifted down) for this joiner. A task id
    /// must be below [`TASK_CODES`] (the registry's size guarantees it).
    #[inline]
    pub(crate) fn code(self) -> u32 {
        match self {
            Joiner::None => 0,
            Joiner::Task(id) => id.to_bits() as u32 + 1,
            Joiner::Main => MAIN,
            Joiner::Foreign => FOREIGN,
        }
    }

    /// The joiner a field made by [`code`](Self::code) names.
    #[inline]
    pub(crate) fn from_code(code: u32) -> Self {
        match code {
            0 => Joiner::None,
            MAIN => Joiner::Main,
            FOREIGN => Joiner::Foreign,
            c => Joiner::Task(TaskId::from_bits(c as usize - 1)),
        }
    }
}

const _: () = assert!(FLAGS == SPAWNED | DONE | DETACHED | ABORT | CANCELLED | PANICKED);
const _: () = assert!(FLAGS < 1 << JOINER_SHIFT);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joiner_codes_round_trip() {
        let id = TaskId::new(1023, 4095);
        for j in [
            Joiner::None,
            Joiner::Task(id),
            Joiner::Main,
            Joiner::Foreign,
        ] {
            assert_eq!(Joiner::from_code(j.code()), j);
            assert!(j.code() <= u32::MAX >> JOINER_SHIFT);
        }
    }
}
