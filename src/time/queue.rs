//! The timer queue: an intrusive pairing heap of entries that live in the
//! waiting futures themselves.
//!
//! A [`Sleep`](super::Sleep) carries its own [`TimerEntry`]: deadline, waker
//! and three links. While it waits, the entry is linked into the queue; it is
//! unlinked when it fires, when the sleep completes, and when the sleep is
//! dropped. So the queue has no capacity and a sleep cannot fail: every timer
//! brings its own storage, like embassy's integrated timers and tokio's
//! timer-wheel entries.
//!
//! Why a pairing heap: insertion is O(1), removing the earliest or any entry
//! is O(log n) amortized, the earliest deadline is the root (O(1)), and the
//! whole structure is three pointers per entry with no rebalancing code.
//! Equal deadlines fire in insertion order (a sequence number breaks ties),
//! which keeps programs and tests deterministic.
//!
//! Links are reached through raw pointers. The invariants that make that
//! sound are the callers' (see each `unsafe fn`): an entry is pinned while it
//! is queued and is removed before it is dropped, and every access to an
//! entry's fields happens with exclusive access to the queue (the queue's
//! lock held).

use super::Instant;
use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::ptr;
use core::task::Waker;

/// The part of a timer that the queue links and reads.
struct Links {
    deadline: u64,
    /// Insertion order: the tie-breaker for equal deadlines.
    seq: u64,
    waker: Option<Waker>,
    /// First child in the heap.
    child: *mut Links,
    /// Next sibling.
    next: *mut Links,
    /// The parent if this is a first child, else the previous sibling; null
    /// for the root.
    prev: *mut Links,
    queued: bool,
}

/// One timer's storage, embedded in the future that waits for it. `!Unpin`:
/// once queued it must not move.
pub(crate) struct TimerEntry {
    links: UnsafeCell<Links>,
    _pinned: PhantomPinned,
}

// SAFETY: the fields are only read or written by whoever has exclusive access
// to the queue the entry belongs to (under its lock), or by the owner while
// the entry is not queued; the waker inside is `Send + Sync`.
unsafe impl Send for TimerEntry {}
// SAFETY: as above: shared references never touch the fields without the
// queue's lock.
unsafe impl Sync for TimerEntry {}

impl TimerEntry {
    /// An entry that is not queued.
    pub(crate) const fn new() -> Self {
        TimerEntry {
            links: UnsafeCell::new(Links {
                deadline: 0,
                seq: 0,
                waker: None,
                child: ptr::null_mut(),
                next: ptr::null_mut(),
                prev: ptr::null_mut(),
                queued: false,
            }),
            _pinned: PhantomPinned,
        }
    }

    fn raw(&self) -> *mut Links {
        self.links.get()
    }
}

impl core::fmt::Debug for TimerEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The fields may only be read under the queue's lock.
        f.write_str("TimerEntry")
    }
}

/// Whether `a` fires before `b`.
///
/// # Safety
/// Both point to live entries the caller has exclusive access to.
#[inline]
unsafe fn before(a: *const Links, b: *const Links) -> bool {
    // SAFETY: by the contract.
    unsafe { ((*a).deadline, (*a).seq) < ((*b).deadline, (*b).seq) }
}

/// Melds two heap roots (either may be null) and returns the new root, whose
/// `next` and `prev` are null.
///
/// # Safety
/// Non-null arguments are roots of disjoint heaps of live entries the caller
/// has exclusive access to.
unsafe fn meld(a: *mut Links, b: *mut Links) -> *mut Links {
    if a.is_null() {
        return b;
    }
    if b.is_null() {
        return a;
    }
    // SAFETY: by the contract both are live and exclusively ours.
    unsafe {
        let (root, sub) = if before(b, a) { (b, a) } else { (a, b) };
        (*root).next = ptr::null_mut();
        (*root).prev = ptr::null_mut();
        (*sub).next = (*root).child;
        if !(*root).child.is_null() {
            (*(*root).child).prev = sub;
        }
        (*sub).prev = root;
        (*root).child = sub;
        root
    }
}

/// Melds a sibling list (from `first` along `next`) into one heap with the
/// standard two passes: pairs left to right, then the pairs right to left.
/// Iterative, so its stack use does not grow with the number of timers.
///
/// # Safety
/// `first` is null or the head of a sibling list of live entries the caller
/// has exclusive access to, detached from any parent.
unsafe fn merge_pairs(first: *mut Links) -> *mut Links {
    // SAFETY: every pointer followed below is in the list, by the contract.
    unsafe {
        // Pass 1: meld pairs; the results form a stack through `next`.
        let mut stack: *mut Links = ptr::null_mut();
        let mut cur = first;
        while !cur.is_null() {
            let a = cur;
            let b = (*a).next;
            let pair = if b.is_null() {
                cur = ptr::null_mut();
                (*a).next = ptr::null_mut();
                (*a).prev = ptr::null_mut();
                a
            } else {
                cur = (*b).next;
                meld(a, b)
            };
            (*pair).next = stack;
            stack = pair;
        }
        // Pass 2: meld the pairs from the last to the first.
        let mut root: *mut Links = ptr::null_mut();
        while !stack.is_null() {
            let p = stack;
            stack = (*p).next;
            (*p).next = ptr::null_mut();
            root = meld(root, p);
        }
        root
    }
}

/// Pending timers, earliest first. Has no capacity: entries bring their own
/// storage (see the module docs).
pub(crate) struct TimerQueue {
    root: *mut Links,
    len: usize,
    seq: u64,
}

// SAFETY: the queue only holds pointers to entries, which are `Send + Sync`;
// it is always used behind a lock.
unsafe impl Send for TimerQueue {}

impl TimerQueue {
    /// An empty queue (all zero bytes, so a `static` one lands in `.bss`).
    pub(crate) const fn new() -> Self {
        TimerQueue {
            root: ptr::null_mut(),
            len: 0,
            seq: 0,
        }
    }

    /// How many timers are pending.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        // SAFETY: a non-null root is a queued, live entry (queue invariant),
        // and `&self` is exclusive access to the queue by its lock.
        (!self.root.is_null()).then(|| Instant::from_nanos(unsafe { (*self.root).deadline }))
    }

    /// Whether `entry` is queued.
    #[cfg(test)]
    ///
    /// # Safety
    /// `entry` is live; the caller holds the queue's lock (so no one else
    /// touches the entry's fields).
    pub(crate) unsafe fn is_queued(&self, entry: &TimerEntry) -> bool {
        // SAFETY: by the contract.
        unsafe { (*entry.raw()).queued }
    }

    /// Queues `entry` for `deadline`, to wake `waker`; if it is queued
    /// already it is moved to the new deadline. Returns whether it is now the
    /// earliest timer (the platform's alarm must then be moved).
    ///
    /// # Safety
    /// `entry` stays at its address and is [`remove`](Self::remove)d from
    /// this queue before it is dropped or moved (it is pinned); it is never
    /// queued in another queue; the caller holds the queue's lock.
    pub(crate) unsafe fn insert(
        &mut self,
        entry: &TimerEntry,
        deadline: Instant,
        waker: &Waker,
    ) -> bool {
        let e = entry.raw();
        // SAFETY: by the contract the entry is live, and ours under the lock.
        unsafe {
            if (*e).queued {
                self.unlink(e);
            }
            self.seq = self.seq.wrapping_add(1);
            (*e).deadline = deadline.as_nanos();
            (*e).seq = self.seq;
            match &mut (*e).waker {
                Some(w) if w.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
            (*e).child = ptr::null_mut();
            (*e).next = ptr::null_mut();
            (*e).prev = ptr::null_mut();
            (*e).queued = true;
            self.len += 1;
            self.root = meld(self.root, e);
            self.root == e
        }
    }

    /// Replaces the waker of a queued `entry`; returns `false` (and does
    /// nothing) if it is not queued.
    ///
    /// # Safety
    /// As [`is_queued`](Self::is_queued).
    pub(crate) unsafe fn set_waker(&mut self, entry: &TimerEntry, waker: &Waker) -> bool {
        let e = entry.raw();
        // SAFETY: by the contract.
        unsafe {
            if !(*e).queued {
                return false;
            }
            match &mut (*e).waker {
                Some(w) if w.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
        }
        true
    }

    /// Unlinks `entry` if it is queued and drops its waker; returns whether
    /// it was queued.
    ///
    /// # Safety
    /// As [`is_queued`](Self::is_queued), and a queued `entry` is in this
    /// queue.
    pub(crate) unsafe fn remove(&mut self, entry: &TimerEntry) -> bool {
        let e = entry.raw();
        // SAFETY: by the contract.
        unsafe {
            if !(*e).queued {
                (*e).waker = None;
                return false;
            }
            self.unlink(e);
            (*e).waker = None;
        }
        true
    }

    /// Takes the earliest timer if its deadline is at or before `now`:
    /// unlinks it and returns its waker for the caller to wake (outside the
    /// lock where it can).
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<Waker> {
        let root = self.root;
        // SAFETY: a non-null root is a live queued entry, ours under the
        // lock (queue invariant: entries are removed before they are dropped).
        unsafe {
            if root.is_null() || (*root).deadline > now.as_nanos() {
                return None;
            }
            self.unlink(root);
            (*root).waker.take()
        }
    }

    /// Unlinks a queued entry.
    ///
    /// # Safety
    /// `e` is a live entry queued in this queue; the caller holds the lock.
    unsafe fn unlink(&mut self, e: *mut Links) {
        // SAFETY: every pointer followed is a live entry of this heap (the
        // heap only links queued entries, and queued entries are live).
        unsafe {
            let rest = merge_pairs((*e).child);
            if e == self.root {
                self.root = rest;
            } else {
                let prev = (*e).prev;
                let next = (*e).next;
                if (*prev).child == e {
                    (*prev).child = next;
                } else {
                    (*prev).next = next;
                }
                if !next.is_null() {
                    (*next).prev = prev;
                }
                self.root = meld(self.root, rest);
            }
            (*e).child = ptr::null_mut();
            (*e).next = ptr::null_mut();
            (*e).prev = ptr::null_mut();
            (*e).queued = false;
            self.len -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::boxed::Box;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use std::vec::Vec;

    /// A waker that records which timer woke, in order.
    struct Tag(usize, Arc<std::sync::Mutex<Vec<usize>>>);
    impl Wake for Tag {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    fn t(n: u64) -> Instant {
        Instant::from_nanos(n)
    }

    /// A tiny deterministic generator (no dependency needed).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn fires_in_deadline_order_then_insertion_order() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let entries: Vec<Box<TimerEntry>> = (0..6).map(|_| Box::new(TimerEntry::new())).collect();
        let deadlines = [30, 10, 20, 10, 5, 30];
        let mut q = TimerQueue::new();
        for (i, (e, d)) in entries.iter().zip(deadlines).enumerate() {
            let w = Waker::from(Arc::new(Tag(i, log.clone())));
            // SAFETY: boxed entries do not move and are removed below.
            unsafe { q.insert(e, t(d), &w) };
        }
        assert_eq!(q.next_deadline(), Some(t(5)));
        assert!(q.pop_expired(t(4)).is_none());
        while let Some(w) = q.pop_expired(t(100)) {
            w.wake();
        }
        assert_eq!(*log.lock().unwrap(), [4, 1, 3, 2, 0, 5]);
        assert_eq!(q.len(), 0);
        for e in &entries {
            // SAFETY: as above.
            assert!(!unsafe { q.is_queued(e) });
        }
    }

    #[test]
    fn insert_reports_a_new_earliest_and_reinsert_moves() {
        let w = Waker::noop();
        let (a, b) = (Box::new(TimerEntry::new()), Box::new(TimerEntry::new()));
        let mut q = TimerQueue::new();
        // SAFETY: boxed entries, removed before the end of the test.
        unsafe {
            assert!(q.insert(&a, t(50), w));
            assert!(!q.insert(&b, t(60), w));
            assert!(q.insert(&b, t(40), w), "moved earlier: new earliest");
            assert_eq!(q.len(), 2);
            assert!(!q.insert(&b, t(70), w));
            assert_eq!(q.next_deadline(), Some(t(50)));
            assert!(q.remove(&a));
            assert!(!q.remove(&a));
            assert_eq!(q.next_deadline(), Some(t(70)));
            assert!(q.remove(&b));
        }
        assert_eq!(q.next_deadline(), None);
    }

    /// Random inserts, removals, re-inserts and expiries against a sorted
    /// model: same order, same lengths, same earliest deadline.
    #[test]
    fn differential_against_a_sorted_model() {
        const N: usize = 64;
        let rounds = if cfg!(miri) { 400 } else { 20_000 };
        let fired = Arc::new(AtomicUsize::new(usize::MAX));
        struct Id(usize, Arc<AtomicUsize>);
        impl Wake for Id {
            fn wake(self: Arc<Self>) {
                self.1.store(self.0, Ordering::SeqCst);
            }
        }
        let wakers: Vec<Waker> = (0..N)
            .map(|i| Waker::from(Arc::new(Id(i, fired.clone()))))
            .collect();
        let entries: Vec<Box<TimerEntry>> = (0..N).map(|_| Box::new(TimerEntry::new())).collect();
        // Model: (deadline, seq, id) of queued timers.
        let mut model: Vec<(u64, u64, usize)> = Vec::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        let mut q = TimerQueue::new();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..rounds {
            let id = (rng.next() % N as u64) as usize;
            match rng.next() % 4 {
                0 | 1 => {
                    let d = now + rng.next() % 50;
                    // SAFETY: boxed entries outlive the queue use; all are
                    // removed at the end.
                    let earliest = unsafe { q.insert(&entries[id], t(d), &wakers[id]) };
                    model.retain(|m| m.2 != id);
                    seq += 1;
                    model.push((d, seq, id));
                    model.sort();
                    assert_eq!(earliest, model[0].2 == id);
                }
                2 => {
                    // SAFETY: as above.
                    let was = unsafe { q.remove(&entries[id]) };
                    let had = model.iter().any(|m| m.2 == id);
                    model.retain(|m| m.2 != id);
                    assert_eq!(was, had);
                }
                _ => {
                    now += rng.next() % 20;
                    while let Some(w) = q.pop_expired(t(now)) {
                        w.wake();
                        let (d, _, id) = model.remove(0);
                        assert!(d <= now);
                        assert_eq!(fired.load(Ordering::SeqCst), id);
                    }
                    assert!(model.first().is_none_or(|m| m.0 > now));
                }
            }
            assert_eq!(q.len(), model.len());
            assert_eq!(q.next_deadline(), model.first().map(|m| t(m.0)));
        }
        for e in &entries {
            // SAFETY: as above.
            unsafe { q.remove(e) };
        }
        assert_eq!(q.len(), 0);
    }
}
