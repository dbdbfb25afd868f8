//! [`Channel`]: a bounded multi-producer, multi-consumer queue in a ring of
//! `N` slots.
//!
//! Fairness and cancellation rest on two counters. When a slot frees up and a
//! sender waits, the first waiting sender is woken and the slot is *reserved*
//! for it; when an item arrives and a receiver waits, the first waiting
//! receiver is woken and the item is *claimed* for it. A newcomer only sees
//! the slots and items nobody was promised, so it cannot overtake a woken
//! waiter (FIFO order), and a woken waiter whose future is dropped before it
//! runs hands its promise to the next waiter in line (no lost wake-up). Once
//! the channel is closed the promises no longer matter and are cleared.

use super::Lock;
use crate::waitlist::{WaitList, Waiter};
use core::fmt;
use core::future::Future;
use core::mem::MaybeUninit;
use core::pin::Pin;
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
/// safe at any point: a value the channel accepted stays in it, and a wake-up
/// meant for a dropped receiver (or sender) goes to the next one in line.
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
    /// Free slots promised to woken senders that have not written yet.
    reserved: u32,
    /// Queued items promised to woken receivers that have not taken them.
    claimed: u32,
    closed: bool,
    senders: WaitList,
    receivers: WaitList,
}

impl<T, const N: usize> State<T, N> {
    const CAP: u32 = N as u32;

    /// Slots a newcomer may fill.
    fn free(&self) -> u32 {
        Self::CAP
            .saturating_sub(self.len)
            .saturating_sub(self.reserved)
    }

    /// Items a newcomer may take.
    fn available(&self) -> u32 {
        self.len.saturating_sub(self.claimed)
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

    /// After an item arrived (or a claim was given up): promises an unclaimed
    /// item to the first waiting receiver, whose waker the caller wakes after
    /// the lock.
    fn offer_item(&mut self) -> Option<Waker> {
        if self.available() == 0 || self.receivers.is_empty() {
            return None;
        }
        let w = self.receivers.take()?;
        self.claimed += 1;
        Some(w)
    }

    /// After a slot was freed (or a reservation was given up): promises a
    /// free slot to the first waiting sender.
    fn offer_slot(&mut self) -> Option<Waker> {
        if self.free() == 0 || self.senders.is_empty() {
            return None;
        }
        let w = self.senders.take()?;
        self.reserved += 1;
        Some(w)
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
                reserved: 0,
                claimed: 0,
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
            waiter: LazyWaiter::new(),
        }
    }

    /// Receives the oldest value, waiting while the channel is empty. Fails
    /// once the channel is closed and drained.
    pub fn recv(&self) -> Recv<'_, T, N> {
        Recv {
            chan: self,
            waiting: false,
            done: false,
            waiter: LazyWaiter::new(),
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
            s.push(value);
            (Ok(()), s.offer_item())
        });
        wake(waker);
        result
    }

    /// Receives the oldest value if one is queued and not promised to a
    /// receiver that is already waiting. Never waits.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let (result, waker) = self.state.with(|s| {
            if s.available() > 0 {
                let v = s.pop();
                (Ok(v), s.offer_slot())
            } else if s.closed && s.len == 0 {
                (Err(TryRecvError::Closed), None)
            } else {
                (Err(TryRecvError::Empty), None)
            }
        });
        wake(waker);
        result
    }

    /// Closes the channel: every send fails from now on, and receivers get
    /// [`RecvError::Closed`] once the queued values are taken. Wakes every
    /// waiting sender and receiver. Closing twice is harmless.
    pub fn close(&self) {
        self.state.with(|s| {
            s.closed = true;
            s.reserved = 0;
            s.claimed = 0;
        });
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

    /// How many values are queued.
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
/// waits): await it, or pin it to poll it by hand. Dropping it before it
/// completes drops the value, which the channel never accepted.
#[must_use = "futures do nothing unless awaited"]
pub struct Send<'a, T, const N: usize> {
    chan: &'a Channel<T, N>,
    /// The value until the channel accepts it.
    value: Option<T>,
    /// Whether `waiter` was pushed into the senders' list and not yet
    /// accounted for: still linked, or woken with a reserved slot.
    waiting: bool,
    waiter: LazyWaiter,
}

/// What one locked step of [`Send::poll`] decided.
enum SendStep<T> {
    /// Still waiting: keep the value.
    Wait(T),
    /// Accepted; wake this receiver after the lock.
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
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        let Some(value) = this.value.take() else {
            // Polled after completion: nothing more to do.
            return Poll::Pending;
        };
        let waiting = &mut this.waiting;
        let lazy = &mut this.waiter;
        let step = this.chan.state.with(|s| {
            if s.closed {
                // SAFETY: under the channel's lock; `lazy` is this pinned
                // future's node, which only ever joins this senders' list.
                let unlinked = unsafe { leave_on_close(waiting, lazy, &mut s.senders) };
                return SendStep::Closed(value, unlinked);
            }
            if *waiting {
                // SAFETY: structural pinning of `waiter` (see above).
                let waiter = unsafe { Pin::new_unchecked(lazy.get()) };
                if waiter.is_linked() {
                    // SAFETY: under the channel's lock; this node only ever
                    // joins this channel's senders' list; `Drop` removes it.
                    unsafe { s.senders.push(waiter, cx.waker()) };
                    return SendStep::Wait(value);
                }
                // Woken with a reserved slot: use it. No reservation left
                // means a close cleared it (and a `reopen` may have come
                // since): then wait like a newcomer.
                *waiting = false;
                if s.reserved > 0 {
                    s.reserved -= 1;
                } else if s.free() == 0 {
                    // SAFETY: under the channel's lock; the node is in no list
                    // (it was taken), and `Drop` removes it once pushed.
                    unsafe { s.senders.push(waiter, cx.waker()) };
                    *waiting = true;
                    return SendStep::Wait(value);
                }
            } else if s.free() == 0 {
                // SAFETY: as above.
                let waiter = unsafe { Pin::new_unchecked(lazy.get()) };
                // SAFETY: as above.
                unsafe { s.senders.push(waiter, cx.waker()) };
                *waiting = true;
                return SendStep::Wait(value);
            }
            s.push(value);
            SendStep::Sent(s.offer_item())
        });
        match step {
            SendStep::Wait(v) => {
                this.value = Some(v);
                Poll::Pending
            }
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

/// A send that finds the channel closed: `close` sets the flag before it
/// unlinks the waiters, so a poll in between (a shared waker, another
/// thread) may find the node still linked. Unlink it, or the finished
/// future would leave it dangling in the list. Out of line: the hot path
/// of `Send::poll` stays small enough to inline into the task.
///
/// # Safety
///
/// Called under the channel's lock with the pinned future's own node, which
/// only ever joins `senders`.
#[cold]
#[inline(never)]
unsafe fn leave_on_close(
    waiting: &mut bool,
    lazy: &mut LazyWaiter,
    senders: &mut WaitList,
) -> Option<Waker> {
    if !core::mem::take(waiting) {
        return None;
    }
    // SAFETY: the future is pinned (structural pinning of its node).
    let waiter = unsafe { Pin::new_unchecked(lazy.get()) };
    // SAFETY: the caller holds the lock; the node is in `senders` or none.
    unsafe { senders.remove(waiter) }
}

impl<T, const N: usize> Drop for Send<'_, T, N> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        // SAFETY: the future was pinned when `waiting` was set (the node was
        // written and pushed from `poll`), and this is the node's last use.
        let waiter = unsafe { Pin::new_unchecked(self.waiter.get()) };
        let (removed, next) = self.chan.state.with(|s| {
            if waiter.is_linked() {
                // SAFETY: under the channel's lock; the node is in this
                // channel's senders' list.
                (unsafe { s.senders.remove(waiter) }, None)
            } else if !s.closed {
                // Woken with a reserved slot that will not be used: pass it on.
                s.reserved = s.reserved.saturating_sub(1);
                (None, s.offer_slot())
            } else {
                (None, None)
            }
        });
        drop(removed);
        wake(next);
    }
}

/// The future returned by [`Channel::recv`].
///
/// It is `!Unpin` (its waiter node is linked into the channel while it
/// waits). Dropping it before it completes takes nothing from the channel.
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T, const N: usize> {
    chan: &'a Channel<T, N>,
    /// Whether `waiter` was pushed into the receivers' list and not yet
    /// accounted for: still linked, or woken with a claimed item.
    waiting: bool,
    done: bool,
    waiter: LazyWaiter,
}

/// What one locked step of [`Recv::poll`] decided.
enum RecvStep<T> {
    Wait,
    Got(T, Option<Waker>),
    Closed,
}

impl<T, const N: usize> Future for Recv<'_, T, N> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        if this.done {
            return Poll::Pending;
        }
        let waiting = &mut this.waiting;
        let lazy = &mut this.waiter;
        let step = this.chan.state.with(|s| {
            if *waiting {
                // SAFETY: structural pinning of `waiter` (see above).
                let waiter = unsafe { Pin::new_unchecked(lazy.get()) };
                if waiter.is_linked() {
                    // SAFETY: under the channel's lock; this node only ever
                    // joins this channel's receivers' list; `Drop` removes it.
                    unsafe { s.receivers.push(waiter, cx.waker()) };
                    return RecvStep::Wait;
                }
                // Woken: an item was claimed for us, unless the channel was
                // closed since (which clears the claims).
                *waiting = false;
                if !s.closed {
                    s.claimed = s.claimed.saturating_sub(1);
                }
            }
            if s.available() > 0 {
                let v = s.pop();
                return RecvStep::Got(v, s.offer_slot());
            }
            if s.closed {
                return RecvStep::Closed;
            }
            // SAFETY: as above.
            let waiter = unsafe { Pin::new_unchecked(lazy.get()) };
            // SAFETY: as above.
            unsafe { s.receivers.push(waiter, cx.waker()) };
            *waiting = true;
            RecvStep::Wait
        });
        match step {
            RecvStep::Wait => Poll::Pending,
            RecvStep::Got(v, w) => {
                this.done = true;
                wake(w);
                Poll::Ready(Ok(v))
            }
            RecvStep::Closed => {
                this.done = true;
                Poll::Ready(Err(RecvError::Closed))
            }
        }
    }
}

impl<T, const N: usize> Drop for Recv<'_, T, N> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        // SAFETY: the future was pinned when `waiting` was set (the node was
        // written and pushed from `poll`), and this is the node's last use.
        let waiter = unsafe { Pin::new_unchecked(self.waiter.get()) };
        let (removed, next) = self.chan.state.with(|s| {
            if waiter.is_linked() {
                // SAFETY: under the channel's lock; the node is in this
                // channel's receivers' list.
                (unsafe { s.receivers.remove(waiter) }, None)
            } else if !s.closed {
                // Woken with a claimed item it will not take: pass it on.
                s.claimed = s.claimed.saturating_sub(1);
                (None, s.offer_item())
            } else {
                (None, None)
            }
        });
        drop(removed);
        wake(next);
    }
}

/// A future's waiter node, written the first time the future has to wait.
///
/// Most sends and receives complete at once; building the node up front
/// would write it into every future that is then moved into its task, and
/// the processor pays for reloading those fresh, differently sized stores
/// (store-to-load forwarding fails) on every message.
struct LazyWaiter {
    written: bool,
    node: MaybeUninit<Waiter>,
}

impl LazyWaiter {
    const fn new() -> Self {
        LazyWaiter {
            written: false,
            node: MaybeUninit::uninit(),
        }
    }

    /// The node, written on first use. It lives as long as `self`, which
    /// the owning future keeps pinned once it has called this.
    #[inline]
    fn get(&mut self) -> &Waiter {
        if !self.written {
            self.node.write(Waiter::new());
            self.written = true;
        }
        // SAFETY: written above or earlier (`written` says so).
        unsafe { self.node.assume_init_ref() }
    }
}

impl Drop for LazyWaiter {
    fn drop(&mut self) {
        if self.written {
            // SAFETY: written (`written` says so) and dropped exactly once;
            // the owning future's `Drop` has unlinked it already.
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
    /// Every slot is taken (or promised to a waiting sender).
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
    /// Nothing is queued (or every queued value is promised to a waiting
    /// receiver).
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
