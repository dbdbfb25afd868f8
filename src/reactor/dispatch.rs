//! Dispatch: turning the events of one wait into wakes.
//!
//! For each event, under the registry lock: bump the tick of each direction
//! the event reports (HUP/ERR report both and mark the fd closed), and take
//! *every* waiter of those directions out of its list. Edge-triggered epoll
//! reports an edge once, so all waiters must see it: they retry their call,
//! and the ones that get `EAGAIN` wait again. The wakers are woken after the
//! lock is released, a batch at a time (a foreign waker may do anything,
//! even call back into the reactor).

use super::batch::WakeBatch;
use super::registration::{Registrations, slot_of};
use super::registry::{READ, Registry, WRITE};
use super::selector::UNPARK_TOKEN;
use crate::sys::{self, EpollEvent};

/// What one wait dispatched.
pub(super) struct Dispatched {
    /// How many wakers were woken.
    pub(super) woken: usize,
    /// Whether the unpark eventfd was among the events.
    pub(super) unparked: bool,
}

/// Waiters of one event still owed a wake when the batch filled: the slot
/// and, per direction, how many were waiting at the edge and are not woken
/// yet.
struct Owed {
    index: u32,
    generation: u32,
    counts: [usize; 2],
}

/// Wakes the waiters of every fd that `events` report ready, taking the
/// registry lock once per batch of wakes.
pub(super) fn dispatch<const N: usize>(
    registrations: &Registrations<N>,
    events: &[EpollEvent],
) -> Dispatched {
    let mut out = Dispatched {
        woken: 0,
        unparked: false,
    };
    let mut batch = WakeBatch::new();
    let mut events = events.iter();
    let mut owed: Option<Owed> = None;
    loop {
        {
            let mut registry = registrations.lock();
            if let Some(o) = owed.take() {
                owed = resume(&mut registry, o, &mut batch);
            }
            while owed.is_none() && !batch.is_full() {
                let Some(ev) = events.next() else { break };
                let (bits, data) = (ev.events, ev.data);
                crate::trace!("event: token {:#x} events {:#x}", data, bits);
                if data == UNPARK_TOKEN {
                    out.unparked = true;
                    continue;
                }
                owed = on_event(&mut registry, bits, data, &mut batch);
            }
        }
        if batch.is_empty() && owed.is_none() {
            // Nothing collected means no event is left.
            return out;
        }
        out.woken += batch.wake_all();
    }
}

/// Bumps the ticks of the directions `bits` report and moves their waiters
/// into `batch`; returns what did not fit.
fn on_event<const N: usize>(
    registry: &mut Registry<N>,
    bits: u32,
    data: u64,
    batch: &mut WakeBatch,
) -> Option<Owed> {
    let (index, generation) = slot_of(data);
    let slot = registry.get_mut(index, generation)?;
    let hup = bits & (sys::EPOLLHUP | sys::EPOLLERR) != 0;
    if hup {
        slot.closed = true;
    }
    let ready = [
        hup || bits & (sys::EPOLLIN | sys::EPOLLRDHUP | sys::EPOLLPRI) != 0,
        hup || bits & sys::EPOLLOUT != 0,
    ];
    let mut counts = [0; 2];
    for d in [READ, WRITE] {
        if ready[d] {
            slot.ticks[d] = slot.ticks[d].wrapping_add(1);
            counts[d] = batch.fill_from(&mut slot.waiters[d], usize::MAX);
        }
    }
    (counts != [0, 0]).then_some(Owed {
        index,
        generation,
        counts,
    })
}

/// Continues waking the waiters an event is still owed, if its
/// registration is still live (deregistering wakes them all itself).
fn resume<const N: usize>(
    registry: &mut Registry<N>,
    mut owed: Owed,
    batch: &mut WakeBatch,
) -> Option<Owed> {
    let slot = registry.get_mut(owed.index, owed.generation)?;
    for (list, count) in slot.waiters.iter_mut().zip(&mut owed.counts) {
        *count = batch.fill_from(list, *count);
    }
    (owed.counts != [0, 0]).then_some(owed)
}
