//! Monitors: "tell me when that actor stops", in a static table.
//!
//! A slot names the watched actor (its cell and generation) and how to
//! tell the watcher: a function monomorphised for the watcher's type, which
//! builds the watcher's message with the watcher's `fn(Down) -> Msg` and
//! `try_tell`s it. The stopping actor moves its generation on *before* it
//! reads the table, and `watch` reads the generation *under* the table's
//! lock, so a watch either lands in the table before the scan or sees the
//! actor gone and reports at once: no notice is lost.

use super::addr::{ActorId, Addr};
use super::{Actor, Exit, TryTellError};
use crate::lock::Lock;
use core::fmt;

/// How many monitors can be set at once, program-wide.
pub const MONITOR_SLOTS: usize = 64;

/// The notice a monitor delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Down {
    /// The actor that stopped (compare with [`Addr::id`]).
    pub id: ActorId,
    /// How its last incarnation ended; `None` if it had already stopped when
    /// the monitor was set.
    pub exit: Option<Exit>,
}

/// Why [`Ctx::monitor`](super::Ctx::monitor) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MonitorError {
    /// All [`MONITOR_SLOTS`] are in use.
    Full,
}

impl fmt::Display for MonitorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("all monitor slots are in use")
    }
}
impl core::error::Error for MonitorError {}

/// What delivering a notice came to.
pub(crate) enum Delivery {
    Done,
    /// The watcher's mailbox is full: try again later.
    Full,
}

type Deliver = unsafe fn(watcher: *const (), epoch: u32, make: *const (), down: Down) -> Delivery;

#[derive(Clone, Copy)]
struct Slot {
    target: ActorId,
    watcher: *const (),
    watcher_gen: u32,
    make: *const (),
    deliver: Deliver,
}

struct Table([Option<Slot>; MONITOR_SLOTS]);

// SAFETY: the pointers are a `'static` cell and a `fn` pointer, both
// shareable; they are only used through `deliver::<B>` for the type they
// were made for.
unsafe impl Send for Table {}

static TABLE: Lock<Table> = Lock::new(Table([None; MONITOR_SLOTS]));

/// # Safety
/// `watcher` is a `&'static ActorCell<B>` and `make` a `fn(Down) -> B::Msg`,
/// both as stored by [`watch`] for this `B`.
unsafe fn deliver<B: Actor>(
    watcher: *const (),
    epoch: u32,
    make: *const (),
    down: Down,
) -> Delivery {
    // SAFETY: the caller passes what `watch::<_, B>` stored: a pointer made
    // from a `&'static ActorCell<B>`.
    let cell = unsafe { &*watcher.cast::<super::ActorCell<B>>() };
    // SAFETY: as above: a `fn(Down) -> B::Msg` turned into a data pointer,
    // which has the same size and representation on every target Rust
    // supports.
    let make = unsafe { core::mem::transmute::<*const (), fn(Down) -> B::Msg>(make) };
    match Addr::new(cell, epoch).try_tell(make(down)) {
        Err(TryTellError::Full(_)) => Delivery::Full,
        _ => Delivery::Done,
    }
}

pub(crate) fn watch<T: Actor, B: Actor>(
    target: Addr<T>,
    watcher: Addr<B>,
    make: fn(Down) -> B::Msg,
) -> Result<(), MonitorError> {
    let slot = Slot {
        target: target.id(),
        watcher: (watcher.cell() as *const super::ActorCell<B>).cast(),
        watcher_gen: watcher.generation(),
        make: make as *const (),
        deliver: deliver::<B>,
    };
    let placed = TABLE.with(|t| {
        if !target.is_alive() {
            return Ok(false);
        }
        let free =
            t.0.iter_mut()
                .find(|s| s.is_none())
                .ok_or(MonitorError::Full)?;
        *free = Some(slot);
        Ok(true)
    })?;
    if !placed {
        let down = Down {
            id: target.id(),
            exit: None,
        };
        // SAFETY: `slot` was made just above for `B`.
        let _ = unsafe { (slot.deliver)(slot.watcher, slot.watcher_gen, slot.make, down) };
    }
    Ok(())
}

/// Delivers one pending notice for `target` (now gone, with `exit`);
/// `None` when none is left, `Some(Full)` when the watcher's mailbox was
/// full (the notice stays in the table: call again later).
pub(crate) fn fire_one(target: ActorId, exit: Exit) -> Option<Delivery> {
    fire(target, exit, false)
}

/// As [`fire_one`], but the notice is dropped if the watcher's mailbox is
/// full (for a loop that cannot wait any more).
pub(crate) fn fire_now(target: ActorId, exit: Exit) -> Option<Delivery> {
    fire(target, exit, true)
}

fn fire(target: ActorId, exit: Exit, always: bool) -> Option<Delivery> {
    let (i, slot) = TABLE.with(|t| {
        t.0.iter()
            .enumerate()
            .find_map(|(i, s)| s.filter(|s| s.target == target).map(|s| (i, s)))
    })?;
    let down = Down {
        id: target,
        exit: Some(exit),
    };
    // SAFETY: the slot was stored by `watch` with a matching `deliver`.
    let d = unsafe { (slot.deliver)(slot.watcher, slot.watcher_gen, slot.make, down) };
    if always || matches!(d, Delivery::Done) {
        TABLE.with(|t| t.0[i] = None);
    }
    Some(d)
}
