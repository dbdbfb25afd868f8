//! Cancel-safe replies: [`ReplyTo`], the [`Ask`] future and the static table
//! of generation-checked reply slots between them.
//!
//! A slot holds a generation, a state and a pointer to the waiting `Ask`'s
//! value cell. The replier writes through the pointer only under the slot's
//! lock and only if its generation still matches; the asker retires the
//! generation under the same lock before its memory can go away (its `Drop`),
//! so a late reply finds a mismatch and gets its value back.

use super::Actor;
use super::addr::{Addr, Tell};
use crate::lock::Lock;
use crate::sync::{Notified, Notify};
use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::marker::{PhantomData, PhantomPinned};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

/// How many `ask`s can wait for their reply at once, program-wide; a
/// further `ask` waits (in arrival order) for a slot to free up.
pub const REPLY_SLOTS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Waiting,
    Filled,
    Dropped,
}

struct Slot {
    epoch: u32,
    state: State,
    /// The asker's `UnsafeCell<Option<R>>`, valid while `state` is
    /// `Waiting` (the asker retires the slot before its memory goes).
    dest: *mut (),
    waker: Option<Waker>,
}

struct Table {
    slots: [Lock<Slot>; REPLY_SLOTS],
    /// Bit `i` set: slot `i` is taken (zero at start: the table is all
    /// zero bytes and lands in `.bss`).
    busy: Lock<u64>,
    freed: Notify,
}

// SAFETY: `dest` is only dereferenced under the slot's lock, by the holder
// of a matching `ReplyTo` (which is `Send` only when `R` is), while the
// asker keeps the pointee alive and pinned.
unsafe impl Sync for Table {}

static TABLE: Table = Table {
    slots: [const {
        Lock::new(Slot {
            epoch: 0,
            state: State::Idle,
            dest: core::ptr::null_mut(),
            waker: None,
        })
    }; REPLY_SLOTS],
    busy: Lock::new(0),
    freed: Notify::new(),
};

fn acquire() -> Option<usize> {
    TABLE.busy.with(|m| {
        if *m == u64::MAX {
            return None;
        }
        let i = m.trailing_ones() as usize;
        *m |= 1 << i;
        Some(i)
    })
}

fn release(i: usize) {
    let old = TABLE.slots[i].with(|s| {
        s.epoch = s.epoch.wrapping_add(1);
        s.state = State::Idle;
        s.dest = core::ptr::null_mut();
        s.waker.take()
    });
    drop(old);
    TABLE.busy.with(|m| *m &= !(1 << i));
    TABLE.freed.notify_one();
}

/// Where the answer to one [`ask`](Addr::ask) goes; carried in the request
/// message. Answer with [`send`](Self::send); dropping it unanswered ends
/// the `ask` with [`AskError::NoReply`]. It is 8 bytes and `Send` when `R`
/// is.
#[must_use = "dropping a ReplyTo ends the ask with NoReply"]
pub struct ReplyTo<R> {
    slot: u32,
    epoch: u32,
    _reply: PhantomData<R>,
}

impl<R> ReplyTo<R> {
    /// Delivers `value` to the asker. Gives it back if the asker is gone
    /// (dropped, timed out): never a panic, never a write into a later
    /// request.
    pub fn send(self, value: R) -> Result<(), R> {
        let me = core::mem::ManuallyDrop::new(self);
        let mut value = Some(value);
        let waker = TABLE.slots[me.slot as usize].with(|s| {
            if s.epoch != me.epoch || s.state != State::Waiting {
                return None;
            }
            // SAFETY: the generation matches and the slot waits, so `dest`
            // is the live, pinned `UnsafeCell<Option<R>>` of the `Ask` that
            // made this `ReplyTo` (the same `R`: the generation names that
            // ask); the asker reads it only under this lock.
            unsafe { *s.dest.cast::<Option<R>>() = value.take() };
            s.state = State::Filled;
            s.waker.take()
        });
        match value {
            Some(v) => Err(v),
            None => {
                if let Some(w) = waker {
                    w.wake();
                }
                Ok(())
            }
        }
    }

    /// Whether the asker still waits for this reply.
    pub fn is_wanted(&self) -> bool {
        TABLE.slots[self.slot as usize].with(|s| s.epoch == self.epoch && s.state == State::Waiting)
    }
}

impl<R> Drop for ReplyTo<R> {
    fn drop(&mut self) {
        let waker = TABLE.slots[self.slot as usize].with(|s| {
            if s.epoch != self.epoch || s.state != State::Waiting {
                return None;
            }
            s.state = State::Dropped;
            s.waker.take()
        });
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<R> fmt::Debug for ReplyTo<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("slot", &self.slot)
            .field("epoch", &self.epoch)
            .finish()
    }
}

/// Why an [`ask`](Addr::ask) got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AskError {
    /// The actor had stopped: the request was not delivered.
    Stopped,
    /// [`try_ask`](Addr::try_ask) only: the mailbox was full.
    Full,
    /// [`ask_timeout`](Addr::ask_timeout) only: no answer in time.
    Timeout,
    /// The request was delivered but its [`ReplyTo`] was dropped
    /// unanswered: the handler chose not to answer, failed, or the actor
    /// stopped before it got to the request.
    NoReply,
    /// [`ask_blocking`](Addr::ask_blocking) only: called outside a fiber,
    /// where it cannot block (nothing was sent).
    NotOnFiber,
}

impl fmt::Display for AskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AskError::Stopped => "the actor has stopped",
            AskError::Full => "the actor's mailbox is full",
            AskError::Timeout => "no answer in time",
            AskError::NoReply => "the request was dropped unanswered",
            AskError::NotOnFiber => "a blocking ask outside a fiber",
        })
    }
}
impl core::error::Error for AskError {}

enum Phase {
    /// Waiting for a free reply slot.
    Slot,
    /// Request sent (or being sent); slot `slot` is ours.
    Sent,
    Done,
}

/// The future of [`Addr::ask`] and [`Addr::try_ask`]. `!Unpin`: the reply
/// is written into it. Dropping it at any point is safe and retires its
/// reply slot.
#[must_use = "futures do nothing unless awaited"]
pub struct Ask<A: Actor, R, F> {
    addr: Addr<A>,
    make: Option<F>,
    try_only: bool,
    phase: Phase,
    slot: usize,
    freed: Option<Notified<'static>>,
    tell: Option<Tell<A>>,
    value: UnsafeCell<Option<R>>,
    _pin: PhantomPinned,
}

// SAFETY: the value cell is only written by a `ReplyTo<R>` (sent across
// threads only when `R: Send`) under the slot lock; the rest is `Send` when
// its parts are.
unsafe impl<A: Actor, R: Send, F: Send> Send for Ask<A, R, F> {}

impl<A: Actor, R, F: FnOnce(ReplyTo<R>) -> A::Msg> Ask<A, R, F> {
    pub(crate) fn new(addr: Addr<A>, make: F, try_only: bool) -> Self {
        Ask {
            addr,
            make: Some(make),
            try_only,
            phase: Phase::Slot,
            slot: 0,
            freed: None,
            tell: None,
            value: UnsafeCell::new(None),
            _pin: PhantomPinned,
        }
    }
}

impl<A: Actor, R, F: FnOnce(ReplyTo<R>) -> A::Msg> Future for Ask<A, R, F> {
    type Output = Result<R, AskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing is moved out of the pinned future: `freed` and
        // `tell` are pinned in place below and only dropped in place;
        // `value` is reached through its cell.
        let this = unsafe { self.get_unchecked_mut() };
        if let Phase::Slot = this.phase {
            if !this.addr.is_alive() {
                this.phase = Phase::Done;
                return Poll::Ready(Err(AskError::Stopped));
            }
            let slot = loop {
                if let Some(i) = acquire() {
                    this.freed = None;
                    break i;
                }
                let notified = this.freed.get_or_insert_with(|| TABLE.freed.notified());
                // SAFETY: `freed` lives in the pinned future and is only
                // dropped in place.
                match unsafe { Pin::new_unchecked(notified) }.poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    // A slot was freed: try again with a fresh waiter.
                    Poll::Ready(()) => this.freed = None,
                }
            };
            let epoch = TABLE.slots[slot].with(|s| {
                s.state = State::Waiting;
                s.dest = this.value.get().cast();
                s.epoch
            });
            this.slot = slot;
            this.phase = Phase::Sent;
            let Some(make) = this.make.take() else {
                return Poll::Pending;
            };
            let msg = make(ReplyTo {
                slot: slot as u32,
                epoch,
                _reply: PhantomData,
            });
            if this.try_only {
                if let Err(e) = this.addr.try_tell(msg) {
                    let full = matches!(e, super::TryTellError::Full(_));
                    drop(e); // drops the ReplyTo: the slot reads Dropped
                    this.finish();
                    return Poll::Ready(Err(if full {
                        AskError::Full
                    } else {
                        AskError::Stopped
                    }));
                }
            } else {
                this.tell = Some(this.addr.tell(msg));
            }
        }
        if let Phase::Done = this.phase {
            return Poll::Pending;
        }
        if let Some(tell) = this.tell.as_mut() {
            // SAFETY: `tell` lives in the pinned future and is only dropped
            // in place.
            match unsafe { Pin::new_unchecked(tell) }.poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => {
                    this.tell = None;
                    if let Err(e) = r {
                        drop(e.into_inner());
                        this.finish();
                        return Poll::Ready(Err(AskError::Stopped));
                    }
                }
            }
        }
        let state = TABLE.slots[this.slot].with(|s| {
            if s.state == State::Waiting {
                let same = s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker()));
                if !same {
                    s.waker = Some(cx.waker().clone());
                }
            }
            s.state
        });
        match state {
            State::Waiting => Poll::Pending,
            State::Filled => {
                // SAFETY: `Filled` was written under the slot lock after the
                // value, and we read it after taking that lock; nobody writes
                // it again (the state is no longer `Waiting`).
                let v = unsafe { (*this.value.get()).take() };
                this.finish();
                Poll::Ready(v.ok_or(AskError::NoReply))
            }
            State::Dropped | State::Idle => {
                this.finish();
                Poll::Ready(Err(AskError::NoReply))
            }
        }
    }
}

impl<A: Actor, R, F> Ask<A, R, F> {
    /// Retires the slot (if held) and ends the future.
    fn finish(&mut self) {
        if let Phase::Sent = self.phase {
            release(self.slot);
        }
        self.phase = Phase::Done;
    }
}

impl<A: Actor, R, F> Drop for Ask<A, R, F> {
    fn drop(&mut self) {
        // The request may still sit in the send future: drop it (and its
        // ReplyTo) first, then retire the slot so no late reply reaches us.
        self.tell = None;
        self.finish();
    }
}

impl<A: Actor, R, F> fmt::Debug for Ask<A, R, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ask").field("addr", &self.addr).finish()
    }
}
