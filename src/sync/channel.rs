//! [`Channel`]: a bounded multi-producer, multi-consumer queue in a ring of
//! `N` slots.
//!
//! Waiters are served by direct hand-off. A sender that finds a receiver
//! waiting moves its value into that receiver's future (its waiter node has
//! a cell for it) and wakes it; a receiver that frees capacity moves the
//! first waiting sender's value into the ring (or on to a waiting receiver)
//! and wakes it. A wake-up therefore carries finished work and promises
//! nothing: a woken waiter finds its value delivered or taken, and a
//! newcomer cannot overtake it because the ring is full while senders wait
//! and empty while receivers wait.
//!
//! A value handed to a receiver keeps counting against the capacity until
//! the receiver takes it, so a receive dropped after the hand-off can always
//! put the value back at the front of the ring (or hand it to the next
//! receiver) without losing it.

use super::Lock;
use crate::waitlist::{WaitList, Waiter};
use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, Waker};

/// A bounded queue of up to `N` values of type `T`, for any number of senders
/// and receivers.
///
/// `const fn new` makes it usable from a `static`:
///
/// ```
/// use bitwake::sync::Channel;
/// static JOBS: Channel<u32, 8> = Channel::new();
/// assert!(JOBS.try_send(7).is_ok());
/// assert_eq!(JOBS.try_recv(), Ok(7));
/// ```
///
/// Senders and receivers that must wait are served in arrival order.
/// Dropping a pending [`send`](Self::send) or [`recv`](Self::recv) future is
/// safe at any point: a value the channel accepted stays in it (a value
/// already handed to a dropped receiver goes to the next receiver, or back
/// to the front of the queue), and a waiting sender's value is dropped with
/// its future.
///
/// [`close`](Self::close) ends the channel for both sides: sends fail and give
/// their value back, receivers still get what was queued and then
/// [`RecvError::Closed`].
///
/// The channel is `Sync` when `T: Send`. On microcontrollers its lock is a
/// critical section, so interrupt handlers may call
/// [`try_send`](Self::try_send) and [`try_recv`](Self::try_recv); on Linux
/// and hosts it is a spin lock, so a signal handler must not use a channel
/// that the interrupted thread may be using.
///
/// `N` must be at least 1 and fit in a `u32` (a compile-time error
/// otherwise).
// On 64-bit targets a channel starts a cache line: its lock and counters,
// which both sides write, then never share a line with a neighbour's hot
// data (false sharing across cores), and a small channel fits one line.
#[cfg_attr(target_pointer_width = "64", repr(align(64)))]
pub struct Channel<T, const N: usize> {
    state: Lock<State<T, N>>,
}

/// The channel's state, all under its lock.
struct State<T, const N: usize> {
    /// The ring: slots `head .. head + len` (mod `N`) are initialised.
    buf: [MaybeUninit<T>; N],
    // Counts are `u32` (`N` fits, see `new`) to keep the header small.
    head: u32,
    len: u32,
    /// Values handed to receivers that have not taken them yet.
    handed: u32,
    closed: bool,
    /// Waiting senders, each node's cell holding its value.
    senders: WaitList,
    /// Waiting receivers, each node's cell empty until a hand-off.
    receivers: WaitList,
}

/// A waiter node with a cell for one value: a waiting sender's value, or
/// the value handed to a waiting receiver. `repr(C)` puts the node first,
/// so the pointer a wait list holds is also a pointer to the cell's owner.
#[repr(C)]
struct Slot<T> {
    waiter: Waiter,
    /// Initialised while a sender waits, and after a hand-off to a
    /// receiver until it takes the value; only accessed under the lock.
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T, const N: usize> State<T, N> {
    const CAP: u32 = N as u32;

    /// Capacity a new value may take.
    fn free(&self) -> u32 {
        Self::CAP
            .saturating_sub(self.len)
            .saturating_sub(self.handed)
    }

    /// Appends `value`; the caller has checked that a slot is free.
    fn push(&mut self, value: T) {
        let mut i = self.head + self.len;
        if i >= Self::CAP {
            i -= Self::CAP;
        }
        // SAFETY: `head < N` and `len < N` (a slot is free), so `i < N`.
        unsafe { self.buf.get_unchecked_mut(i as usize) }.write(value);
        self.len += 1;
    }

    /// Puts `value` back in front of the oldest; the caller has checked
    /// that a slot is free.
    fn push_front(&mut self, value: T) {
        self.head = if self.head == 0 {
            Self::CAP - 1
        } else {
            self.head - 1
        };
        // SAFETY: `head < N`, and the slot before the old head is free
        // because `len < N`.
        unsafe { self.buf.get_unchecked_mut(self.head as usize) }.write(value);
        self.len += 1;
    }

    /// Removes the oldest item; the caller has checked that `len > 0`.
    fn pop(&mut self) -> T {
        // SAFETY: `head < N`, and the slot at `head` is initialised because
        // `len > 0`; `head` moves past it, so it is read exactly once.
        let value = unsafe {
            self.buf
                .get_unchecked(self.head as usize)
                .assume_init_read()
        };
        self.head += 1;
        if self.head == Self::CAP {
            self.head = 0;
        }
        self.len -= 1;
        value
    }

    /// Delivers `value`, for which the caller has checked capacity: into
    /// the first waiting receiver (whose waker the caller wakes after the
    /// lock), or onto the ring.
    fn deliver(&mut self, value: T) -> Option<Waker> {
        let Some(first) = self.receivers.first() else {
            self.push(value);
            return None;
        };
        // SAFETY: every node in `receivers` is the `waiter` of a live,
        // pinned `Slot<T>` pushed with a pointer to the whole slot; we hold
        // the lock, and its cell is empty while it waits.
        unsafe { (*first.cast::<Slot<T>>().as_ref().value.get()).write(value) };
        self.handed += 1;
        self.receivers.take_marked()
    }

    /// After capacity was freed: moves the first waiting sender's value on
    /// (see `deliver`). Returns the sender's waker and, when the value went
    /// to a waiting receiver, that receiver's: both are woken after the
    /// lock. A closed channel admits nobody: its senders get their values
    /// back.
    fn admit_sender(&mut self) -> Wakers {
        let Some(first) = self.senders.first() else {
            return Wakers(None, None);
        };
        if self.closed || self.free() == 0 {
            return Wakers(None, None);
        }
        // SAFETY: every node in `senders` is the `waiter` of a live, pinned
        // `Slot<T>` pushed with a pointer to the whole slot, whose cell
        // holds the sender's value while it is linked; we hold the lock,
        // and the sender learns (from the mark) that the cell is empty.
        let value = unsafe { (*first.cast::<Slot<T>>().as_ref().value.get()).assume_init_read() };
        let sender = self.senders.take_marked();
        Wakers(sender, self.deliver(value))
    }
}

/// Up to two wakers to wake after the lock: a receiver that frees capacity
/// may admit a sender whose value goes on to a waiting receiver (when
/// values handed to receivers fill the capacity).
struct Wakers(Option<Waker>, Option<Waker>);

impl Wakers {
    fn wake(self) {
        wake(self.0);
        wake(self.1);
    }
}

fn wake(w: Option<Waker>) {
    if let Some(w) = w {
        w.wake();
    }
}

impl<T, const N: usize> Channel<T, N> {
    /// An empty, open channel.
    pub const fn new() -> Self {
        const {
            assert!(N > 0, "a Channel needs at least one slot");
            assert!(
                N <= u32::MAX as usize,
                "a Channel has at most u32::MAX slots"
            );
        };
        Channel {
            state: Lock::new(State {
                buf: [const { MaybeUninit::uninit() }; N],
                head: 0,
                len: 0,
                handed: 0,
                closed: false,
                senders: WaitList::new(),
                receivers: WaitList::new(),
            }),
        }
    }

    /// Sends `value`, waiting while the channel is full. Fails, giving the
    /// value back, if the channel is closed.
    pub fn send(&self, value: T) -> Send<'_, T, N> {
        Send {
            chan: self,
            value: Some(value),
            waiting: false,
            node: LazySlot::new(),
        }
    }

    /// Receives the oldest value, waiting while the channel is empty. Fails
    /// once the channel is closed and drained.
    pub fn recv(&self) -> Recv<'_, T, N> {
        Recv {
            chan: self,
            waiting: false,
            done: false,
            node: LazySlot::new(),
        }
    }

    /// Sends `value` if a slot is free now. Never waits.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let (result, waker) = self.state.with(|s| {
            if s.closed {
                return (Err(TrySendError::Closed(value)), None);
            }
            if s.free() == 0 {
                return (Err(TrySendError::Full(value)), None);
            }
            (Ok(()), s.deliver(value))
        });
        wake(waker);
        result
    }

    /// Receives the oldest value if one is queued. Never waits.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let (result, waker) = self.state.with(|s| {
            if s.len > 0 {
                let v = s.pop();
                (Ok(v), s.admit_sender())
            } else if s.closed {
                (Err(TryRecvError::Closed), Wakers(None, None))
            } else {
                (Err(TryRecvError::Empty), Wakers(None, None))
            }
        });
        waker.wake();
        result
    }

    /// Closes the channel: every send fails from now on, and receivers get
    /// [`RecvError::Closed`] once the queued values are taken. Wakes every
    /// waiting sender and receiver. Closing twice is harmless.
    pub fn close(&self) {
        self.state.with(|s| s.closed = true);
        // One waiter per lock hold, woken outside it: no buffer needed, and
        // nobody joins a closed channel's lists.
        while let Some(w) = self
            .state
            .with(|s| s.senders.take().or_else(|| s.receivers.take()))
        {
            w.wake();
        }
    }

    /// Opens a closed channel again, for a new round of senders and
    /// receivers; values still queued stay. Opening an open channel does
    /// nothing.
    pub fn reopen(&self) {
        self.state.with(|s| s.closed = false);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.with(|s| s.closed)
    }

    /// How many values are queued. A value already handed to a waiting
    /// receiver is not counted, though it takes capacity until that
    /// receiver takes it (see [`TrySendError::Full`]).
    pub fn len(&self) -> usize {
        self.state.with(|s| s.len as usize)
    }

    /// Whether no value is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every slot holds a value.
    pub fn is_full(&self) -> bool {
        self.len() == N
    }

    /// The number of slots, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// A copyable sending handle.
    pub const fn sender(&self) -> Sender<'_, T, N> {
        Sender { chan: self }
    }

    /// A copyable receiving handle.
    pub const fn receiver(&self) -> Receiver<'_, T, N> {
        Receiver { chan: self }
    }
}

impl<T, const N: usize> Default for Channel<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Drop for Channel<T, N> {
    fn drop(&mut self) {
        self.state.with(|s| {
            while s.len > 0 {
                drop(s.pop());
            }
        });
    }
}

impl<T, const N: usize> fmt::Debug for Channel<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (len, closed, senders, receivers) = self
            .state
            .with(|s| (s.len, s.closed, s.senders.len(), s.receivers.len()));
        f.debug_struct("Channel")
            .field("len", &len)
            .field("capacity", &N)
            .field("closed", &closed)
            .field("waiting_senders", &senders)
            .field("waiting_receivers", &receivers)
            .finish()
    }
}

/// The future returned by [`Channel::send`].
///
/// It is `!Unpin` (its waiter node is linked into the channel while it
/// waits): await it, or pin it to poll it by hand. Dropping it before the
/// channel takes its value drops the value.
#[must_use = "futures do nothing unless awaited"]
pub struct Send<'a, T, const N: usize> {
    chan: &'a Channel<T, N>,
    /// The value until it is sent or moved into the node's cell to wait.
    value: Option<T>,
    /// Whether the node was pushed into the senders' list and its outcome
    /// not yet seen: still linked (value in the cell), taken by a receiver
    /// (marked, cell empty), or unlinked by `close` (value in the cell).
    waiting: bool,
    node: LazySlot<T>,
}

/// What one locked step of [`Send::poll`] decided.
enum SendStep<T> {
    Wait,
    /// Sent; wake this receiver after the lock.
    Sent(Option<Waker>),
    /// Closed: give the value back (and drop the unlinked node's waker
    /// after the lock).
    Closed(T, Option<Waker>),
}

impl<T, const N: usize> Future for Send<'_, T, N> {
    type Output = Result<(), SendError<T>>;

    // Every send's hot path: the compiler may leave it out of line (it has
    // several callers per task), and the call with its spills costs more
    // than the body.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `node` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        let waiting = &mut this.waiting;
        let lazy = &mut this.node;
        let value = &mut this.value;
        if value.is_none() && !*waiting {
            // Polled after completion: nothing more to do.
            return Poll::Pending;
        }
        let step = this.chan.state.with(|s| {
            let v = match value.take() {
                Some(v) => v,
                None => {
                    // SAFETY: under the channel's lock; `waiting` means the
                    // node was written and pushed into this channel's
                    // senders' list.
                    let woken =
                        unsafe { sender_woken(waiting, lazy, s.closed, &mut s.senders, cx) };
                    match woken {
                        Woken::Waiting => return SendStep::Wait,
                        Woken::Done => return SendStep::Sent(None),
                        Woken::Back(v, unlinked) => {
                            if s.closed {
                                return SendStep::Closed(v, unlinked);
                            }
                            v
                        }
                    }
                }
            };
            if s.closed {
                return SendStep::Closed(v, None);
            }
            if s.free() > 0 {
                return SendStep::Sent(s.deliver(v));
            }
            let slot = lazy.get();
            // SAFETY: under the lock; the cell is empty (the node is in no
            // list, and was never pushed or its value came back).
            unsafe { (*slot.value.get()).write(v) };
            // SAFETY: under the channel's lock; the node is part of this
            // pinned future (structural pinning), only ever joins this
            // channel's senders' list, and `Drop` removes it.
            unsafe { s.senders.push_node(slot.ptr(), cx.waker()) };
            *waiting = true;
            SendStep::Wait
        });
        match step {
            SendStep::Wait => Poll::Pending,
            SendStep::Sent(w) => {
                wake(w);
                Poll::Ready(Ok(()))
            }
            SendStep::Closed(v, unlinked) => {
                drop(unlinked);
                Poll::Ready(Err(SendError(v)))
            }
        }
    }
}

/// What a waiting sender's node says when its future is polled again.
enum Woken<T> {
    /// Still linked (its waker is updated).
    Waiting,
    /// A receiver took the value.
    Done,
    /// Unlinked by `close`: the value is back (with the node's waker if
    /// this poll unlinked it, to drop after the lock).
    Back(T, Option<Waker>),
}

/// The second and later polls of a waiting send. Out of line: the first
/// poll, which nearly always completes at once, stays small enough to
/// inline into the task.
///
/// # Safety
///
/// Called under the channel's lock with `*waiting` set, so the pinned
/// future's node is written and in `senders` or in no list.
#[cold]
#[inline(never)]
unsafe fn sender_woken<T>(
    waiting: &mut bool,
    lazy: &mut LazySlot<T>,
    closed: bool,
    senders: &mut WaitList,
    cx: &Context<'_>,
) -> Woken<T> {
    let slot = lazy.get();
    if slot.waiter.is_linked() {
        if !closed {
            // SAFETY: under the lock (contract); the node is in `senders`.
            unsafe { senders.push_node(slot.ptr(), cx.waker()) };
            return Woken::Waiting;
        }
        // `close` sets its flag before it unlinks the waiters, so a poll in
        // between (a shared waker, another thread) finds the node still
        // linked: leave now, or the finished future could leave its node
        // dangling in the list.
        // SAFETY: under the lock (contract); the node is in `senders`.
        let unlinked = unsafe { senders.remove(Pin::new_unchecked(&slot.waiter)) };
        *waiting = false;
        // SAFETY: it was linked, so the value is in the cell; read once
        // (`waiting` is cleared).
        let v = unsafe { (*slot.value.get()).assume_init_read() };
        return Woken::Back(v, unlinked);
    } else if slot.waiter.is_marked() {
        *waiting = false;
        return Woken::Done;
    }
    *waiting = false;
    // SAFETY: unlinked by `close` without a mark: the value is still in the
    // cell; it is read once (`waiting` is cleared).
    Woken::Back(unsafe { (*slot.value.get()).assume_init_read() }, None)
}

impl<T, const N: usize> Drop for Send<'_, T, N> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        let slot = self.node.get();
        let (unlinked, value) = self.chan.state.with(|s| {
            // SAFETY: under the channel's lock; the node is in this
            // channel's senders' list or in none.
            let unlinked = unsafe { s.senders.remove(Pin::new_unchecked(&slot.waiter)) };
            let value = if unlinked.is_some() || !slot.waiter.is_marked() {
                // SAFETY: still waiting or unlinked by `close`: the cell
                // holds the value, read once, as this is the node's last use.
                Some(unsafe { (*slot.value.get()).assume_init_read() })
            } else {
                None
            };
            (unlinked, value)
        });
        drop(unlinked);
        drop(value);
    }
}

/// The future returned by [`Channel::recv`].
///
/// It is `!Unpin` (its waiter node is linked into the channel while it
/// waits). Dropping it before it completes takes nothing from the channel.
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T, const N: usize> {
    chan: &'a Channel<T, N>,
    /// Whether the node was pushed into the receivers' list and its
    /// outcome not yet seen: still linked, handed a value (marked), or
    /// unlinked by `close`.
    waiting: bool,
    done: bool,
    node: LazySlot<T>,
}

/// What one locked step of [`Recv::poll`] decided.
enum RecvStep<T> {
    Wait,
    Got(T, Wakers),
    Closed,
}

impl<T, const N: usize> Future for Recv<'_, T, N> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `node` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return Poll::Pending;
        }
        let waiting = &mut this.waiting;
        let lazy = &mut this.node;
        let step = this.chan.state.with(|s| {
            if *waiting {
                // SAFETY: under the channel's lock; `waiting` means the node
                // was written and pushed into this channel's receivers' list.
                if let Some(step) = unsafe { receiver_woken(waiting, lazy, s, cx) } {
                    return step;
                }
            }
            if s.len > 0 {
                let v = s.pop();
                return RecvStep::Got(v, s.admit_sender());
            }
            if s.closed {
                return RecvStep::Closed;
            }
            let slot = lazy.get();
            // SAFETY: under the channel's lock; the node is part of this
            // pinned future, only ever joins this channel's receivers'
            // list, and `Drop` removes it.
            unsafe { s.receivers.push_node(slot.ptr(), cx.waker()) };
            *waiting = true;
            RecvStep::Wait
        });
        match step {
            RecvStep::Wait => Poll::Pending,
            RecvStep::Got(v, w) => {
                this.done = true;
                w.wake();
                Poll::Ready(Ok(v))
            }
            RecvStep::Closed => {
                this.done = true;
                Poll::Ready(Err(RecvError::Closed))
            }
        }
    }
}

/// The second and later polls of a waiting receive: `None` if the close
/// woke it and it looks again like a newcomer. Out of line, as for
/// `sender_woken`.
///
/// # Safety
///
/// Called under the channel's lock with `*waiting` set, so the pinned
/// future's node is written and in the receivers' list or in no list.
#[inline(always)]
unsafe fn receiver_woken<T, const N: usize>(
    waiting: &mut bool,
    lazy: &mut LazySlot<T>,
    s: &mut State<T, N>,
    cx: &Context<'_>,
) -> Option<RecvStep<T>> {
    let slot = lazy.get();
    if slot.waiter.is_linked() {
        // SAFETY: under the lock (contract); the node is in this channel's
        // receivers' list.
        unsafe { s.receivers.push_node(slot.ptr(), cx.waker()) };
        return Some(RecvStep::Wait);
    }
    *waiting = false;
    if !slot.waiter.is_marked() {
        // Unlinked by `close`.
        return None;
    }
    // SAFETY: marked: a sender handed a value into the cell; read once
    // (`waiting` is cleared).
    let v = unsafe { (*slot.value.get()).assume_init_read() };
    s.handed = s.handed.saturating_sub(1);
    Some(RecvStep::Got(v, s.admit_sender()))
}

impl<T, const N: usize> Drop for Recv<'_, T, N> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        let slot = self.node.get();
        let (unlinked, next) = self.chan.state.with(|s| {
            // SAFETY: under the channel's lock; the node is in this
            // channel's receivers' list or in none.
            let unlinked = unsafe { s.receivers.remove(Pin::new_unchecked(&slot.waiter)) };
            if unlinked.is_some() || !slot.waiter.is_marked() {
                return (unlinked, None);
            }
            // SAFETY: marked: a value was handed into the cell and not
            // taken; read once, as this is the node's last use.
            let v = unsafe { (*slot.value.get()).assume_init_read() };
            // Its capacity is still counted, so it fits: to the next
            // receiver, or back in front of the queue it came before.
            s.handed = s.handed.saturating_sub(1);
            if s.receivers.is_empty() {
                s.push_front(v);
                (None, None)
            } else {
                (None, s.deliver(v))
            }
        });
        drop(unlinked);
        wake(next);
    }
}

/// A future's waiter node and value cell, written the first time the
/// future has to wait.
///
/// Most sends and receives complete at once; building the node up front
/// would write it into every future that is then moved into its task, and
/// the processor pays for reloading those fresh, differently sized stores
/// (store-to-load forwarding fails) on every message.
struct LazySlot<T> {
    written: bool,
    node: MaybeUninit<Slot<T>>,
}

impl<T> LazySlot<T> {
    const fn new() -> Self {
        LazySlot {
            written: false,
            node: MaybeUninit::uninit(),
        }
    }

    /// The node, written on first use. It lives as long as `self`, which
    /// the owning future keeps pinned once it has called this.
    #[inline]
    fn get(&mut self) -> &Slot<T> {
        if !self.written {
            self.node.write(Slot {
                waiter: Waiter::new(),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            });
            self.written = true;
        }
        // SAFETY: written above or earlier (`written` says so).
        unsafe { self.node.assume_init_ref() }
    }
}

impl<T> Slot<T> {
    /// The pointer a wait list keeps: to the node, with the whole slot's
    /// provenance, so `deliver` and `admit_sender` can reach the cell.
    fn ptr(&self) -> NonNull<Waiter> {
        NonNull::from(self).cast()
    }
}

impl<T> Drop for LazySlot<T> {
    fn drop(&mut self) {
        if self.written {
            // SAFETY: written (`written` says so) and dropped exactly once;
            // the owning future's `Drop` has unlinked it already and taken
            // any value out of the cell (`MaybeUninit` drops nothing).
            unsafe { self.node.assume_init_drop() }
        }
    }
}

/// A copyable handle that can only send; see [`Channel::sender`]. From a
/// `static` channel it is `Sender<'static, T, N>`.
pub struct Sender<'a, T, const N: usize> {
    chan: &'a Channel<T, N>,
}

impl<T, const N: usize> Clone for Sender<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize> Copy for Sender<'_, T, N> {}

impl<'a, T, const N: usize> Sender<'a, T, N> {
    /// As [`Channel::send`].
    pub fn send(&self, value: T) -> Send<'a, T, N> {
        self.chan.send(value)
    }
    /// As [`Channel::try_send`].
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }
    /// As [`Channel::close`].
    pub fn close(&self) {
        self.chan.close()
    }
    /// As [`Channel::is_closed`].
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

/// A copyable handle that can only receive; see [`Channel::receiver`].
pub struct Receiver<'a, T, const N: usize> {
    chan: &'a Channel<T, N>,
}

impl<T, const N: usize> Clone for Receiver<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize> Copy for Receiver<'_, T, N> {}

impl<'a, T, const N: usize> Receiver<'a, T, N> {
    /// As [`Channel::recv`].
    pub fn recv(&self) -> Recv<'a, T, N> {
        self.chan.recv()
    }
    /// As [`Channel::try_recv`].
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }
    /// As [`Channel::close`].
    pub fn close(&self) {
        self.chan.close()
    }
    /// As [`Channel::is_closed`].
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

use super::send_error::SendError;

/// Why [`try_send`](Channel::try_send) failed; the value comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// Every slot is taken (or held by a value handed to a receiver that
    /// has not taken it yet).
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}
impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}
impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("channel full"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}
impl<T> core::error::Error for TrySendError<T> {}

/// Why a [`recv`](Channel::recv) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// The channel is closed and every queued value has been taken.
    Closed,
}
impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed and empty")
    }
}
impl core::error::Error for RecvError {}

/// Why [`try_recv`](Channel::try_recv) failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing is queued.
    Empty,
    /// The channel is closed and every queued value has been taken.
    Closed,
}
impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed and empty"),
        }
    }
}
impl core::error::Error for TryRecvError {}
