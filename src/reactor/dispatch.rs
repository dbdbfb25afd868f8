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
use super::registry::Registry;
use super::selector::UNPARK_TOKEN;
use crate::sys::{self, EpollEvent};

/// What one wait dispatched.
pub(super) struct Dispatched {
    /// How many wakers were woken.
    pub(super) woken: usize,
    /// Whether the unpark eventfd was among the events.
    pub(super) unparked: bool,
}

/// Waiters of one event that did not fit in the batch: the slot and, per
/// direction, how many were waiting at the edge and are not woken yet.
struct Owed {
    index: u32,
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
    loop {
        let mut owed = None;
        {
            let mut registry = registrations.lock();
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
        out.woken += batch.wake_all();
        if let Some(owed) = owed {
            // Waiters joining after the edge queue behind the owed ones, so
            // counting wakes exactly those (or, if some left meanwhile, a
            // few newcomers: a harmless retry).
            out.woken += registrations.wake_slot(owed.index, owed.counts, false);
        }
        if events.len() == 0 {
            return out;
        }
    }
}

/// Bumps the ticks of the directions `bits` report and moves their waiters
/// into `batch`; returns the waiters that did not fit.
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
    // Indexed like `ticks` and `waiters`: read, write.
    let ready = [
        hup || bits & (sys::EPOLLIN | sys::EPOLLRDHUP | sys::EPOLLPRI) != 0,
        hup || bits & sys::EPOLLOUT != 0,
    ];
    let mut counts = [0; 2];
    let per_direction = slot.ticks.iter_mut().zip(&mut slot.waiters);
    for (((tick, list), ready), count) in per_direction.zip(ready).zip(&mut counts) {
        if ready {
            *tick = tick.wrapping_add(1);
            if batch.take_all(list) {
                *count = list.len();
            }
        }
    }
    (counts != [0, 0]).then_some(Owed { index, counts })
}
