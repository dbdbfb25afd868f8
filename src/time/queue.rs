//! A static-capacity timer queue: an indexed binary min-heap with stable slots.
//!
//! Layout: `slots[N]` hold the timers (deadline, waker, generation) and never
//! move, so a [`TimerHandle`] can name one by index; `heap[..len]` is a binary
//! min-heap of slot indices ordered by `(deadline, seq)`, and every occupied
//! slot records its own heap position so cancellation can find it in O(1) and
//! remove it in O(log n). Free slots form an intrusive stack through `next_free`.
//!
//! * `seq` is a per-queue insertion counter: equal deadlines fire in insertion
//!   order (FIFO), which keeps the runtime (and its tests) deterministic.
//! * `generation` is bumped every time a slot is vacated, so a handle kept by a
//!   dropped `Sleep` can never cancel the timer that later reuses its slot.

use core::fmt;
use core::task::Waker;

use super::Instant;

/// Errors from [`TimerQueue`] operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimerError {
    /// All `N` slots are in use; the timer was not inserted.
    Full,
    /// The handle no longer names a pending timer: it fired, was cancelled, or
    /// its slot now belongs to another timer.
    Stale,
}

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimerError::Full => "timer queue is full",
            TimerError::Stale => "stale timer handle",
        })
    }
}

impl core::error::Error for TimerError {}

/// Names one pending timer in a [`TimerQueue`]. Cheap to copy; goes stale
/// (detectably) once its timer fires or is cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerHandle {
    slot: u32,
    generation: u32,
}

impl TimerHandle {
    /// The slot index (stable while the timer is pending); useful in traces.
    #[inline]
    pub const fn slot(self) -> usize {
        self.slot as usize
    }

    /// The slot's generation when this handle was issued.
    #[inline]
    pub const fn generation(self) -> u32 {
        self.generation
    }
}

/// Marks a slot that is not in the heap (free).
const NOT_IN_HEAP: u32 = u32::MAX;
/// Terminates the free list. The list stores `slot + 1` so that an empty
/// queue is all zero bytes: a large queue inside a `static` then lands in
/// `.bss` and costs nothing in the binary (any non-zero byte would move the
/// whole static, e.g. the reactor, into `.data`).
const NO_SLOT: u32 = 0;

struct Slot {
    deadline: u64,
    /// Insertion sequence number: the FIFO tie-breaker for equal deadlines.
    seq: u64,
    /// `Some` exactly while the slot holds a pending timer.
    waker: Option<Waker>,
    generation: u32,
    /// Index into `heap` while pending, `NOT_IN_HEAP` once vacated (a
    /// never-used slot says 0; it is only read for pending slots).
    heap_pos: u32,
    /// Next free slot + 1 while free (`NO_SLOT` ends the list).
    next_free: u32,
}

impl Slot {
    const EMPTY: Slot = Slot {
        deadline: 0,
        seq: 0,
        waker: None,
        generation: 0,
        heap_pos: 0,
        next_free: NO_SLOT,
    };
}

/// A fixed-capacity queue of `(deadline, Waker)` timers.
///
/// | operation | cost |
/// |---|---|
/// | [`insert`](Self::insert), [`cancel`](Self::cancel), [`reschedule`](Self::reschedule), one expiry | O(log n) |
/// | [`next_deadline`](Self::next_deadline), [`contains`](Self::contains), [`set_waker`](Self::set_waker) | O(1) |
///
/// `N` must be below `u32::MAX` (checked at compile time). [`TimerQueue::new`]
/// is `const`, so a queue can live in a `static` (behind the reactor's lock or
/// cell of choice).
pub struct TimerQueue<const N: usize> {
    slots: [Slot; N],
    heap: [u32; N],
    len: usize,
    free_head: u32,
    /// Slots `>= fresh` have never been used; they are handed out before the
    /// free list is needed, which lets `new` stay `const` and O(1)-simple.
    fresh: u32,
    next_seq: u64,
}

impl<const N: usize> Default for TimerQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for TimerQueue<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerQueue")
            .field("len", &self.len)
            .field("capacity", &N)
            .field("next_deadline", &self.next_deadline())
            .finish()
    }
}

impl<const N: usize> TimerQueue<N> {
    /// Slot indices and heap positions are `u32`, with `u32::MAX` as a sentinel.
    const CAPACITY_OK: () = assert!(N < u32::MAX as usize - 1, "TimerQueue capacity too large");

    /// An empty queue.
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::CAPACITY_OK;
        TimerQueue {
            slots: [const { Slot::EMPTY }; N],
            heap: [0; N],
            len: 0,
            free_head: NO_SLOT,
            fresh: 0,
            next_seq: 0,
        }
    }

    /// The fixed capacity `N`.
    #[inline]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Number of pending timers.
    #[inline]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// `true` if no timer is pending.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `true` if all `N` slots are in use.
    #[inline]
    pub const fn is_full(&self) -> bool {
        self.len == N
    }

    /// Schedules `waker` to be handed back by [`pop_expired`](Self::pop_expired)
    /// once `now >= deadline`. Returns [`TimerError::Full`] (and drops nothing
    /// but the given waker) when all slots are in use.
    pub fn insert(&mut self, deadline: Instant, waker: Waker) -> Result<TimerHandle, TimerError> {
        let slot = self.alloc_slot().ok_or(TimerError::Full)?;
        let seq = self.next_seq;
        // u64 sequence numbers cannot wrap in practice (2^64 inserts).
        self.next_seq = self.next_seq.wrapping_add(1);
        let pos = self.len;
        let s = &mut self.slots[slot as usize];
        s.deadline = deadline.as_nanos();
        s.seq = seq;
        s.waker = Some(waker);
        s.heap_pos = pos as u32;
        self.heap[pos] = slot;
        self.len += 1;
        self.sift_up(pos);
        Ok(TimerHandle {
            slot,
            generation: self.slots[slot as usize].generation,
        })
    }

    /// `true` if `handle` names a timer that is still pending.
    #[inline]
    pub fn contains(&self, handle: TimerHandle) -> bool {
        self.live_slot(handle).is_some()
    }

    /// The deadline of a pending timer.
    pub fn deadline(&self, handle: TimerHandle) -> Result<Instant, TimerError> {
        let i = self.live_slot(handle).ok_or(TimerError::Stale)?;
        Ok(Instant::from_nanos(self.slots[i].deadline))
    }

    /// Removes a pending timer and returns its waker.
    ///
    /// A handle whose timer already fired, was cancelled, or whose slot was
    /// reused gives [`TimerError::Stale`] and touches nothing, so a dropped
    /// `Sleep` may call this unconditionally.
    pub fn cancel(&mut self, handle: TimerHandle) -> Result<Waker, TimerError> {
        let i = self.live_slot(handle).ok_or(TimerError::Stale)?;
        let pos = self.slots[i].heap_pos as usize;
        Ok(self.remove_at(pos))
    }

    /// Replaces the waker of a pending timer unless it would wake the same task
    /// (a re-polled `Sleep` calls this with its current context's waker).
    pub fn set_waker(&mut self, handle: TimerHandle, waker: &Waker) -> Result<(), TimerError> {
        let i = self.live_slot(handle).ok_or(TimerError::Stale)?;
        let slot_waker = &mut self.slots[i].waker;
        match slot_waker {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot_waker = Some(waker.clone()),
        }
        Ok(())
    }

    /// Moves a pending timer to a new deadline in O(log n), keeping its handle.
    ///
    /// The timer counts as newly inserted for FIFO tie-breaking, exactly as if
    /// it had been cancelled and inserted again.
    pub fn reschedule(&mut self, handle: TimerHandle, deadline: Instant) -> Result<(), TimerError> {
        let i = self.live_slot(handle).ok_or(TimerError::Stale)?;
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.slots[i].deadline = deadline.as_nanos();
        self.slots[i].seq = seq;
        let pos = self.slots[i].heap_pos as usize;
        // The key grew or shrank; only one of the two sifts moves it.
        let pos = self.sift_up(pos);
        self.sift_down(pos);
        Ok(())
    }

    /// The earliest pending deadline: what the reactor turns into its
    /// `epoll_pwait` timeout.
    #[inline]
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.len == 0 {
            None
        } else {
            self.slot_at(0).map(|s| Instant::from_nanos(s.deadline))
        }
    }

    /// Removes the earliest timer if its deadline is `<= now`, returning its
    /// (now stale) handle and its waker.
    pub fn pop_expired_one(&mut self, now: Instant) -> Option<(TimerHandle, Waker)> {
        if self.len == 0 {
            return None;
        }
        let slot = *self.heap.first()?;
        let s = self.slots.get(slot as usize)?;
        if s.deadline > now.as_nanos() {
            return None;
        }
        let handle = TimerHandle {
            slot,
            generation: s.generation,
        };
        Some((handle, self.remove_at(0)))
    }

    /// Removes every timer whose deadline is `<= now`, in deadline order (FIFO
    /// among equal deadlines), passing each waker to `f`. Returns how many fired.
    ///
    /// Each timer is removed *before* `f` sees its waker, so `f` may wake the
    /// task right away; it must not touch this queue (it is borrowed mutably),
    /// which a bit-setting bitwake waker never does.
    pub fn pop_expired(&mut self, now: Instant, mut f: impl FnMut(Waker)) -> usize {
        let mut n = 0;
        while let Some((_, waker)) = self.pop_expired_one(now) {
            f(waker);
            n += 1;
        }
        n
    }

    /// Removes all timers, dropping their wakers. Outstanding handles go stale.
    pub fn clear(&mut self) {
        while self.len > 0 {
            drop(self.remove_at(self.len - 1));
        }
    }

    // ----- internals -------------------------------------------------------

    /// The slot index of `handle` if it names a pending timer.
    #[inline]
    fn live_slot(&self, handle: TimerHandle) -> Option<usize> {
        let i = handle.slot as usize;
        let s = self.slots.get(i)?;
        (s.waker.is_some() && s.generation == handle.generation).then_some(i)
    }

    fn alloc_slot(&mut self) -> Option<u32> {
        if self.free_head != NO_SLOT {
            let slot = self.free_head - 1;
            self.free_head = self.slots[slot as usize].next_free;
            Some(slot)
        } else if (self.fresh as usize) < N {
            let slot = self.fresh;
            self.fresh += 1;
            Some(slot)
        } else {
            None
        }
    }

    /// Takes the timer at heap position `pos` out of the heap, frees its slot
    /// (bumping the generation) and returns its waker.
    fn remove_at(&mut self, pos: usize) -> Waker {
        debug_assert!(pos < self.len);
        // `pos < len <= N` and heap entries are slot indices below `N`; the
        // `get`s that say so again cost a compare each, where indexing would
        // also leave a panic site (and its location) in every program.
        let (Some(&slot), Some(&moved)) = (self.heap.get(pos), self.heap.get(self.len - 1)) else {
            return unreachable_waker();
        };
        self.len -= 1;
        if pos != self.len {
            if let Some(p) = self.heap.get_mut(pos) {
                *p = moved;
            }
            self.set_heap_pos(pos);
            // The moved element may belong above or below `pos`.
            let p = self.sift_up(pos);
            self.sift_down(p);
        }
        let Some(s) = self.slots.get_mut(slot as usize) else {
            return unreachable_waker();
        };
        s.heap_pos = NOT_IN_HEAP;
        // Wrapping: a slot would need 2^32 reuses while one old handle is still
        // held for a stale handle to alias; accepted and documented.
        s.generation = s.generation.wrapping_add(1);
        s.next_free = self.free_head;
        self.free_head = slot + 1;
        // `waker` is Some for every slot in the heap (invariant of `insert`).
        s.waker.take().unwrap_or_else(unreachable_waker)
    }

    /// The slot of the timer at heap position `pos`. Always `Some` for
    /// `pos < len` (heap entries are slot indices below `N`); a lookup
    /// instead of indexing keeps the heap code free of panic sites.
    #[inline]
    fn slot_at(&self, pos: usize) -> Option<&Slot> {
        self.slots.get(*self.heap.get(pos)? as usize)
    }

    /// `(deadline, seq)` of the timer at heap position `pos`.
    #[inline]
    fn key(&self, pos: usize) -> (u64, u64) {
        self.slot_at(pos)
            .map_or((u64::MAX, u64::MAX), |s| (s.deadline, s.seq))
    }

    /// Records `pos` as the heap position of the timer stored there.
    #[inline]
    fn set_heap_pos(&mut self, pos: usize) {
        let slot = self.heap.get(pos).map_or(usize::MAX, |&i| i as usize);
        if let Some(s) = self.slots.get_mut(slot) {
            s.heap_pos = pos as u32;
        }
    }

    #[inline]
    fn swap(&mut self, a: usize, b: usize) {
        if a < N && b < N {
            self.heap.swap(a, b);
        }
        self.set_heap_pos(a);
        self.set_heap_pos(b);
    }

    /// Moves the element at `pos` up while it is smaller than its parent;
    /// returns its final position.
    fn sift_up(&mut self, mut pos: usize) -> usize {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if self.key(pos) < self.key(parent) {
                self.swap(pos, parent);
                pos = parent;
            } else {
                break;
            }
        }
        pos
    }

    /// Moves the element at `pos` down while a child is smaller.
    fn sift_down(&mut self, mut pos: usize) {
        loop {
            let l = 2 * pos + 1;
            if l >= self.len {
                break;
            }
            let r = l + 1;
            let child = if r < self.len && self.key(r) < self.key(l) {
                r
            } else {
                l
            };
            if self.key(child) < self.key(pos) {
                self.swap(pos, child);
                pos = child;
            } else {
                break;
            }
        }
    }

    /// Checks every structural invariant; host tests call this after each step.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        for pos in 0..self.len {
            let slot = self.heap[pos] as usize;
            assert_eq!(self.slots[slot].heap_pos as usize, pos);
            assert!(self.slots[slot].waker.is_some());
            if pos > 0 {
                assert!(self.key((pos - 1) / 2) <= self.key(pos));
            }
        }
        let live = self.slots.iter().filter(|s| s.waker.is_some()).count();
        assert_eq!(live, self.len);
    }
}

/// Never called: every slot in the heap holds a waker. Returning a no-op waker
/// instead of panicking keeps `remove_at` total without `unsafe` or `unwrap`.
#[cold]
fn unreachable_waker() -> Waker {
    debug_assert!(false, "timer slot in heap without a waker");
    Waker::noop().clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    /// A waker that logs its id into a shared vector when woken.
    struct Tag(u32, Arc<Mutex<Vec<u32>>>);
    impl Wake for Tag {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }
    fn tag(id: u32, log: &Arc<Mutex<Vec<u32>>>) -> Waker {
        Waker::from(Arc::new(Tag(id, log.clone())))
    }
    fn t(n: u64) -> Instant {
        Instant::from_nanos(n)
    }

    #[test]
    fn orders_by_deadline_then_fifo() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut q = TimerQueue::<8>::new();
        for (id, d) in [(0, 30), (1, 10), (2, 20), (3, 10), (4, 20), (5, 10)] {
            q.insert(t(d), tag(id, &log)).unwrap();
            q.check_invariants();
        }
        assert_eq!(q.next_deadline(), Some(t(10)));
        assert_eq!(q.pop_expired(t(9), |w| w.wake()), 0);
        assert_eq!(q.pop_expired(t(20), |w| w.wake()), 5);
        q.check_invariants();
        assert_eq!(*log.lock().unwrap(), [1, 3, 5, 2, 4]);
        assert_eq!(q.next_deadline(), Some(t(30)));
        assert_eq!(q.pop_expired(Instant::MAX, |w| w.wake()), 1);
        assert!(q.is_empty());
        assert_eq!(q.next_deadline(), None);
    }

    #[test]
    fn cancel_and_stale_handles() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut q = TimerQueue::<2>::new();
        let a = q.insert(t(5), tag(0, &log)).unwrap();
        let b = q.insert(t(6), tag(1, &log)).unwrap();
        assert!(q.cancel(a).is_ok());
        assert_eq!(q.cancel(a).err(), Some(TimerError::Stale));
        q.check_invariants();
        // Slot of `a` is reused; the old handle must not reach the new timer.
        let c = q.insert(t(1), tag(2, &log)).unwrap();
        assert_eq!(c.slot(), a.slot());
        assert_ne!(c.generation(), a.generation());
        assert_eq!(q.cancel(a).err(), Some(TimerError::Stale));
        assert!(!q.contains(a));
        assert!(q.contains(c));
        assert_eq!(q.deadline(c), Ok(t(1)));
        // Fired handles go stale too.
        assert_eq!(q.pop_expired(t(1), |w| w.wake()), 1);
        assert_eq!(q.cancel(c).err(), Some(TimerError::Stale));
        assert_eq!(q.deadline(c), Err(TimerError::Stale));
        assert!(q.contains(b));
        assert_eq!(*log.lock().unwrap(), [2]);
        // Forged out-of-range handle.
        let forged = TimerHandle {
            slot: 99,
            generation: 0,
        };
        assert_eq!(q.cancel(forged).err(), Some(TimerError::Stale));
    }

    #[test]
    fn full_queue_is_an_error() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut q = TimerQueue::<3>::new();
        for i in 0..3 {
            q.insert(t(i), tag(i as u32, &log)).unwrap();
        }
        assert!(q.is_full());
        assert_eq!(q.insert(t(0), tag(9, &log)), Err(TimerError::Full));
        let mut zero = TimerQueue::<0>::new();
        assert_eq!(zero.insert(t(0), tag(9, &log)), Err(TimerError::Full));
        assert_eq!(zero.next_deadline(), None);
        assert!(zero.pop_expired_one(Instant::MAX).is_none());
        q.pop_expired_one(t(0)).unwrap();
        assert!(q.insert(t(0), tag(3, &log)).is_ok());
        q.clear();
        assert!(q.is_empty());
        q.check_invariants();
    }

    #[test]
    fn reschedule_and_set_waker() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut q = TimerQueue::<4>::new();
        let a = q.insert(t(10), tag(0, &log)).unwrap();
        let b = q.insert(t(20), tag(1, &log)).unwrap();
        q.reschedule(a, t(30)).unwrap();
        q.check_invariants();
        assert_eq!(q.next_deadline(), Some(t(20)));
        q.reschedule(a, t(20)).unwrap(); // ties with b, but later in FIFO order
        q.set_waker(b, &tag(7, &log)).unwrap();
        q.pop_expired(t(100), |w| w.wake());
        assert_eq!(*log.lock().unwrap(), [7, 0]);
        assert_eq!(q.reschedule(a, t(1)), Err(TimerError::Stale));
        assert_eq!(q.set_waker(a, Waker::noop()), Err(TimerError::Stale));
    }

    #[test]
    fn pop_one_returns_stale_handle() {
        let mut q = TimerQueue::<2>::new();
        let a = q.insert(t(3), Waker::noop().clone()).unwrap();
        let (h, _) = q.pop_expired_one(t(3)).unwrap();
        assert_eq!(h, a);
        assert!(!q.contains(a));
    }

    #[test]
    fn const_static_construction() {
        static Q: Mutex<TimerQueue<16>> = Mutex::new(TimerQueue::new());
        let mut q = Q.lock().unwrap();
        q.insert(t(1), Waker::noop().clone()).unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(q.capacity(), 16);
        assert!(format!("{:?}", *q).contains("len: 1"));
    }
}
