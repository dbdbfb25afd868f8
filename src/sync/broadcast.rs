//! [`Broadcast`]: every subscriber sees every message, from a ring of the
//! last `N`; a subscriber that falls more than `N` behind is told how many
//! it missed, and publishers never wait for anyone.
//!
//! Messages are numbered from 0 as they are sent; message `s` lives in slot
//! `s % N` until message `s + N` overwrites it. A subscriber is nothing but
//! the number of the next message it wants, so it costs the broadcast no
//! memory and no bookkeeping beyond a count. Reading message `s` clones it
//! under the lock; a subscriber whose next number is older than the oldest
//! kept message (`sent - N`) skips to the oldest and reports the gap once as
//! [`RecvError::Lagged`].
//!
//! Every send wakes every subscriber that was waiting at that moment (see
//! `wake_all.rs`). A wake-up carries no promise, so a receive future dropped
//! after its wake-up loses nothing: the message stays in the ring and the
//! subscriber's position did not move.

use super::Lock;
use super::wake_all::{WaiterSet, wake_all};
use crate::waitlist::Waiter;
use core::fmt;
use core::future::Future;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::task::{Context, Poll};

/// A bounded publish-subscribe channel: each message goes to every
/// [`Subscriber`], the ring keeps the last `N`, and a slow subscriber
/// learns how many messages it missed instead of holding up the senders.
///
/// `const fn new` makes it usable from a `static`:
///
/// ```
/// # use bitwake::executor::{Executor, SpinPark};
/// # static EXEC: Executor = Executor::new(&SpinPark);
/// use bitwake::sync::broadcast::{Broadcast, RecvError};
///
/// static NEWS: Broadcast<u32, 2> = Broadcast::new();
///
/// let mut fast = NEWS.subscribe();
/// let mut slow = NEWS.subscribe();
/// for n in 1..=3 {
///     assert_eq!(NEWS.send(n), Ok(2)); // reached both subscribers
///     assert_eq!(EXEC.block_on(fast.recv()), Ok(n));
/// }
/// // Only the last 2 are kept: `slow` missed message 1.
/// assert_eq!(EXEC.block_on(slow.recv()), Err(RecvError::Lagged(1)));
/// assert_eq!(EXEC.block_on(slow.recv()), Ok(2));
/// assert_eq!(EXEC.block_on(slow.recv()), Ok(3));
///
/// NEWS.close();
/// assert_eq!(EXEC.block_on(fast.recv()), Err(RecvError::Closed));
/// ```
///
/// * [`send`](Self::send) never waits: it overwrites the oldest message
///   when the ring is full, whoever has not read it yet. A subscriber only
///   sees messages sent after it subscribed. There is no mode in which a
///   sender waits for the slowest subscriber: one stalled reader would
///   stall every other. Where each consumer must get every message, give
///   each its own [`Channel`](super::Channel).
/// * Receiving clones the message (`T: Clone`), under the broadcast's lock:
///   keep `T` cheap to clone (a small value, or a handle).
/// * [`close`](Self::close) ends it: sends fail and hand the value back;
///   subscribers still get the messages kept for them, then
///   [`Closed`](RecvError::Closed).
/// * Cancellation: dropping a pending [`recv`](Subscriber::recv) future
///   loses no message and leaves no waiter behind.
///
/// It is `Sync` when `T: Send`. On microcontrollers its lock is a critical
/// section, so an interrupt handler may [`send`](Self::send) (the clone of
/// a receive then also runs with interrupts masked); on Linux and hosts it
/// is a spin lock, so a signal handler must not use a broadcast the
/// interrupted thread may be using.
///
/// `N` must be at least 1 (a compile-time error otherwise).
pub struct Broadcast<T, const N: usize> {
    state: Lock<State<T, N>>,
}

/// The broadcast's state, all under its lock.
struct State<T, const N: usize> {
    /// Slot `s % N` holds message `s` for the last `min(sent, N)` messages.
    buf: [MaybeUninit<T>; N],
    /// Messages sent so far: the number the next one gets.
    sent: u64,
    /// `sent % N`, the slot the next message goes to (no 64-bit division
    /// on the hot path).
    write: usize,
    closed: bool,
    /// Live [`Subscriber`]s.
    subscribers: usize,
    waiters: WaiterSet,
}

/// What a subscriber at position `next` gets now.
enum Read<T> {
    Message(T),
    Lagged(u64),
    Closed,
    Empty,
}

impl<T, const N: usize> State<T, N> {
    /// How many messages the ring holds.
    fn kept(&self) -> u64 {
        self.sent.min(N as u64)
    }

    /// The number of the oldest kept message.
    fn oldest(&self) -> u64 {
        self.sent - self.kept()
    }

    /// Appends `value`; gives back the message it overwrote, to be dropped
    /// after the lock.
    fn push(&mut self, value: T) -> Option<T> {
        // SAFETY: `write < N`.
        let slot = unsafe { self.buf.get_unchecked_mut(self.write) };
        let old = if self.sent >= N as u64 {
            // SAFETY: the ring is full, so every slot holds a message; this
            // one is read out once and then overwritten.
            Some(unsafe { slot.assume_init_read() })
        } else {
            None
        };
        slot.write(value);
        self.sent += 1;
        self.write += 1;
        if self.write == N {
            self.write = 0;
        }
        old
    }

    /// What a subscriber at `*next` gets, moving `*next` past it.
    fn read(&self, next: &mut u64) -> Read<T>
    where
        T: Clone,
    {
        let oldest = self.oldest();
        if *next < oldest {
            let missed = oldest - *next;
            *next = oldest;
            return Read::Lagged(missed);
        }
        if *next < self.sent {
            // `1 ..= N` messages back from the write position.
            let back = (self.sent - *next) as usize;
            let i = if back <= self.write {
                self.write - back
            } else {
                self.write + N - back
            };
            // SAFETY: `i < N`, and message `*next` is kept (it is at least
            // the oldest and less than `sent`), so its slot is initialised.
            let v = unsafe { self.buf.get_unchecked(i).assume_init_ref() }.clone();
            *next += 1;
            return Read::Message(v);
        }
        if self.closed {
            Read::Closed
        } else {
            Read::Empty
        }
    }
}

impl<T, const N: usize> Broadcast<T, N> {
    /// An empty, open broadcast with no subscriber.
    pub const fn new() -> Self {
        const { assert!(N > 0, "a Broadcast needs at least one slot") };
        Broadcast {
            state: Lock::new(State {
                buf: [const { MaybeUninit::uninit() }; N],
                sent: 0,
                write: 0,
                closed: false,
                subscribers: 0,
                waiters: WaiterSet::new(),
            }),
        }
    }

    /// Sends `value` to every subscriber; returns how many there are (0 is
    /// not an error: the message is kept, and overwritten in time). Never
    /// waits: when the ring is full the oldest message is dropped, and the
    /// subscribers that had not read it will see
    /// [`Lagged`](RecvError::Lagged). Fails, giving the value back, once
    /// the broadcast is closed.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let r = self.state.with(|s| {
            if s.closed {
                return Err(value);
            }
            let old = s.push(value);
            Ok((old, s.subscribers, s.waiters.len()))
        });
        match r {
            Err(v) => Err(SendError(v)),
            Ok((old, subscribers, waiting)) => {
                drop(old);
                wake_all(&self.state, waiting, |s| &mut s.waiters);
                Ok(subscribers)
            }
        }
    }

    /// A new subscriber, which will receive the messages sent from now on.
    /// Subscribing to a closed broadcast works; its first receive says
    /// [`Closed`](RecvError::Closed).
    pub fn subscribe(&self) -> Subscriber<'_, T, N> {
        let next = self.state.with(|s| {
            s.subscribers += 1;
            s.sent
        });
        Subscriber { chan: self, next }
    }

    /// Closes the broadcast: sends fail from now on, and each subscriber
    /// gets [`Closed`](RecvError::Closed) once it has read what is kept
    /// for it. Wakes every waiting subscriber. Closing twice is harmless.
    pub fn close(&self) {
        let waiting = self.state.with(|s| {
            s.closed = true;
            s.waiters.len()
        });
        wake_all(&self.state, waiting, |s| &mut s.waiters);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.with(|s| s.closed)
    }

    /// How many [`Subscriber`]s are alive.
    pub fn subscriber_count(&self) -> usize {
        self.state.with(|s| s.subscribers)
    }

    /// The number of messages kept, `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// A copyable handle that can only send (and close).
    pub const fn publisher(&self) -> Publisher<'_, T, N> {
        Publisher { chan: self }
    }
}

impl<T, const N: usize> Default for Broadcast<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Drop for Broadcast<T, N> {
    fn drop(&mut self) {
        self.state.with(|s| {
            let kept = s.kept() as usize;
            for slot in &mut s.buf[..kept] {
                // SAFETY: the first `kept` slots are initialised (the ring
                // fills from slot 0 and never empties), and each is dropped
                // once, here.
                unsafe { slot.assume_init_drop() };
            }
        });
    }
}

impl<T, const N: usize> fmt::Debug for Broadcast<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sent, closed, subscribers, waiting) = self
            .state
            .with(|s| (s.sent, s.closed, s.subscribers, s.waiters.len()));
        f.debug_struct("Broadcast")
            .field("sent", &sent)
            .field("capacity", &N)
            .field("closed", &closed)
            .field("subscribers", &subscribers)
            .field("waiting", &waiting)
            .finish()
    }
}

/// A copyable sending handle; see [`Broadcast::publisher`].
pub struct Publisher<'a, T, const N: usize> {
    chan: &'a Broadcast<T, N>,
}

impl<T, const N: usize> Clone for Publisher<'_, T, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const N: usize> Copy for Publisher<'_, T, N> {}

impl<'a, T, const N: usize> Publisher<'a, T, N> {
    /// As [`Broadcast::send`].
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        self.chan.send(value)
    }
    /// As [`Broadcast::close`].
    pub fn close(&self) {
        self.chan.close()
    }
    /// As [`Broadcast::is_closed`].
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
    /// As [`Broadcast::subscribe`].
    pub fn subscribe(&self) -> Subscriber<'a, T, N> {
        self.chan.subscribe()
    }
}

/// One subscriber's place in a [`Broadcast`]: the number of the next
/// message it will receive. Cloning it makes a subscriber at the same
/// place.
pub struct Subscriber<'a, T, const N: usize> {
    chan: &'a Broadcast<T, N>,
    next: u64,
}

impl<'a, T, const N: usize> Subscriber<'a, T, N> {
    /// Receives the next message, waiting while there is none. Reports a
    /// gap once as [`RecvError::Lagged`] (and moves past it), and
    /// [`RecvError::Closed`] once the broadcast is closed and everything
    /// kept for this subscriber was read.
    pub fn recv(&mut self) -> Recv<'_, 'a, T, N> {
        Recv {
            sub: self,
            waiting: false,
            waiter: Waiter::new(),
        }
    }

    /// As [`recv`](Self::recv), but never waits.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let next = &mut self.next;
        match self.chan.state.with(|s| s.read(next)) {
            Read::Message(v) => Ok(v),
            Read::Lagged(n) => Err(TryRecvError::Lagged(n)),
            Read::Closed => Err(TryRecvError::Closed),
            Read::Empty => Err(TryRecvError::Empty),
        }
    }

    /// How many messages wait for this subscriber (a gap counts as the
    /// messages kept after it).
    pub fn len(&self) -> usize {
        let next = self.next;
        self.chan
            .state
            .with(|s| (s.sent - next.max(s.oldest())) as usize)
    }

    /// Whether no message waits for this subscriber.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Skips every message sent so far; returns how many were skipped
    /// (including any that were lost to lag).
    pub fn skip_all(&mut self) -> u64 {
        let sent = self.chan.state.with(|s| s.sent);
        let skipped = sent - self.next;
        self.next = sent;
        skipped
    }

    /// Whether the broadcast is closed (messages may still wait).
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

impl<T, const N: usize> Clone for Subscriber<'_, T, N> {
    fn clone(&self) -> Self {
        self.chan.state.with(|s| s.subscribers += 1);
        Subscriber {
            chan: self.chan,
            next: self.next,
        }
    }
}

impl<T, const N: usize> Drop for Subscriber<'_, T, N> {
    fn drop(&mut self) {
        self.chan.state.with(|s| s.subscribers -= 1);
    }
}

impl<T, const N: usize> fmt::Debug for Subscriber<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber")
            .field("next", &self.next)
            .finish()
    }
}

/// The future returned by [`Subscriber::recv`].
///
/// It is `!Unpin` (its waiter node is linked into the broadcast while it
/// waits). Dropping it before it completes takes nothing: the
/// subscriber's place does not move.
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'s, 'a, T, const N: usize> {
    sub: &'s mut Subscriber<'a, T, N>,
    /// Whether `waiter` was ever pushed (so `Drop` must check it).
    waiting: bool,
    waiter: Waiter,
}

impl<T: Clone, const N: usize> Future for Recv<'_, '_, T, N> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `waiter` is never moved out of the pinned future, and
        // `Drop` unlinks it before its memory can be reused.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above (structural pinning of `waiter`).
        let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
        let next = &mut this.sub.next;
        let waiting = &mut this.waiting;
        let (read, stale) = this.sub.chan.state.with(|s| {
            let read = s.read(next);
            let mut stale = None;
            if let Read::Empty = read {
                // SAFETY: under the broadcast's lock; this node only ever
                // joins this broadcast's set; `Drop` removes it.
                unsafe { s.waiters.wait(waiter, cx.waker()) };
                *waiting = true;
            } else if *waiting {
                // Done: leave the set if a send has not taken us out yet.
                // SAFETY: as above.
                stale = unsafe { s.waiters.cancel(waiter) };
                *waiting = false;
            }
            (read, stale)
        });
        drop(stale);
        match read {
            Read::Message(v) => Poll::Ready(Ok(v)),
            Read::Lagged(n) => Poll::Ready(Err(RecvError::Lagged(n))),
            Read::Closed => Poll::Ready(Err(RecvError::Closed)),
            Read::Empty => Poll::Pending,
        }
    }
}

impl<T, const N: usize> Drop for Recv<'_, '_, T, N> {
    fn drop(&mut self) {
        if !self.waiting || !self.waiter.is_linked() {
            return;
        }
        // SAFETY: the future was pinned when the node was pushed, and this
        // is the node's last use.
        let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
        // SAFETY: under the broadcast's lock; the node is in its set or in
        // none. A wake-up that already took it carries no promise, so there
        // is nothing to pass on.
        let w = self
            .sub
            .chan
            .state
            .with(|s| unsafe { s.waiters.cancel(waiter) });
        drop(w);
    }
}

pub use super::send_error::SendError;

/// Why a [`recv`](Subscriber::recv) gave no message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// The subscriber fell behind by more than the ring holds: this many
    /// messages were overwritten before it read them. The next receive
    /// gets the oldest message still kept.
    Lagged(u64),
    /// The broadcast is closed and every message kept for this subscriber
    /// has been read.
    Closed,
}
impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Lagged(n) => write!(f, "subscriber lagged: {n} messages missed"),
            RecvError::Closed => f.write_str("broadcast closed"),
        }
    }
}
impl core::error::Error for RecvError {}

/// Why [`try_recv`](Subscriber::try_recv) gave no message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// No new message.
    Empty,
    /// As [`RecvError::Lagged`].
    Lagged(u64),
    /// As [`RecvError::Closed`].
    Closed,
}
impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("no new message"),
            TryRecvError::Lagged(n) => write!(f, "subscriber lagged: {n} messages missed"),
            TryRecvError::Closed => f.write_str("broadcast closed"),
        }
    }
}
impl core::error::Error for TryRecvError {}
