//! An intrusive list of waiters: every task waiting for one event, with no
//! allocation and no fixed limit.
//!
//! A [`Waiter`] is a node that lives inside the waiting future, which is
//! pinned while it is polled. The [`WaitList`] links those nodes into a
//! doubly-linked FIFO: the list itself is two pointers, each node adds two
//! pointers, its waker and a flag. A waiter joins at the tail
//! ([`push`](WaitList::push)), the owner of the event takes waiters from the
//! head to wake them ([`take`](WaitList::take)), and a future dropped while
//! it waits unlinks itself ([`remove`](WaitList::remove)), so a cancelled
//! operation leaves nothing behind.
//!
//! Soundness rests on two rules the caller keeps (the `# Safety` sections of
//! `push` and `remove` spell them out):
//!
//! * every list operation, and so every access to a node's links and waker,
//!   happens under the one lock that guards the list;
//! * a node leaves the list before its memory does: the future that holds
//!   it removes it in its `Drop`. `Pin`'s drop guarantee is what makes that
//!   enough: a pinned node is never moved or freed without its owner's
//!   `Drop` running first.
//!
//! Nodes keep their links in an `UnsafeCell` and are `!Unpin`, so the list's
//! pointers stay valid while the owner holds `&mut` to the surrounding
//! future (the aliasing rules exempt `!Unpin` data from uniqueness).
//!
//! The list never wakes a waker itself: a caller takes the wakers out under
//! its lock and wakes them after releasing it, because a waker may run any
//! code, including code that takes the same lock.
#![cfg_attr(
    not(all(
        any(feature = "linux", all(any(test, doc), target_os = "linux")),
        any(target_arch = "x86_64", target_arch = "aarch64")
    )),
    // Only the Linux reactor uses the list so far.
    allow(dead_code)
)]

use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Waker;

type Link = Option<NonNull<Waiter>>;

/// The parts of a node that only the list's lock holder touches.
struct Node {
    prev: Link,
    next: Link,
    /// Set while the node is linked; taken when a waker is handed out.
    waker: Option<Waker>,
}

/// One waiting task's node. Embed it in the waiting future; see the module
/// docs for the rules.
pub(crate) struct Waiter {
    node: UnsafeCell<Node>,
    /// Whether the node is in a list. Written under the list's lock; read
    /// without it by [`is_linked`](Waiter::is_linked).
    linked: AtomicBool,
    /// Whether the node left its list through
    /// [`take_marked`](WaitList::take_marked) (a wake-up that carries
    /// something, e.g. one notification). Only accessed under the list's
    /// lock; atomic only to need no `unsafe`, and it fits in the padding.
    marked: AtomicBool,
    _pinned: PhantomPinned,
}

// SAFETY: the node's links and waker are only accessed under the lock that
// guards its list (the contract of `push`/`remove`), `linked` is atomic, and
// a `Waker` is `Send + Sync`; so the node may move between threads with the
// future that holds it, and be shared by reference like any locked data.
unsafe impl Send for Waiter {}
// SAFETY: as for `Send`.
unsafe impl Sync for Waiter {}

impl Waiter {
    /// A node that is in no list.
    pub(crate) const fn new() -> Self {
        Waiter {
            node: UnsafeCell::new(Node {
                prev: None,
                next: None,
                waker: None,
            }),
            linked: AtomicBool::new(false),
            marked: AtomicBool::new(false),
            _pinned: PhantomPinned,
        }
    }

    /// Whether the node is in a list. Needs no lock: only the owner links
    /// its node, and a list that unlinks it stores `false` last, after its
    /// final access to the node. So `false` means no list will touch the
    /// node again until the owner pushes it again, and the owner may drop
    /// it without taking the lock. `true` may be stale; the owner then takes
    /// the lock and calls [`WaitList::remove`], which checks again.
    pub(crate) fn is_linked(&self) -> bool {
        self.linked.load(Ordering::Acquire)
    }

    /// Whether the node was unlinked by
    /// [`take_marked`](WaitList::take_marked) since it was last pushed. Call
    /// it under the list's lock.
    pub(crate) fn is_marked(&self) -> bool {
        self.marked.load(Ordering::Relaxed)
    }
}

impl Default for Waiter {
    fn default() -> Self {
        Self::new()
    }
}

/// A FIFO of [`Waiter`]s. An empty list is all zeros, so it can sit in a
/// large static table for free.
pub(crate) struct WaitList {
    head: Link,
    tail: Link,
}

// SAFETY: the list only points at nodes, and those are accessed under the
// lock that guards the list (see `Waiter`'s `Send`).
unsafe impl Send for WaitList {}

impl WaitList {
    /// An empty list.
    pub(crate) const fn new() -> Self {
        WaitList {
            head: None,
            tail: None,
        }
    }

    /// Whether no waiter is linked.
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// How many waiters are linked (walks the list).
    pub(crate) fn len(&self) -> usize {
        let mut n = 0;
        let mut at = self.head;
        while let Some(p) = at {
            // SAFETY: a linked node is alive (contract of `push`) and only
            // accessed under the lock the caller holds (`&self` to a list
            // that lives under that lock).
            at = unsafe { (*p.as_ref().node.get()).next };
            n += 1;
        }
        n
    }

    /// Makes `waiter` wait in this list for `waker`: links it at the tail,
    /// or, if it is linked already, keeps its place and replaces its waker
    /// (unless the old one wakes the same task).
    ///
    /// # Safety
    ///
    /// * The caller holds the lock that guards this list, and every list
    ///   operation on `waiter` happens under that same lock, on this list:
    ///   a node is in this list or in none.
    /// * `waiter` leaves the list (through [`remove`](Self::remove) or
    ///   [`take`](Self::take)) before it is dropped.
    pub(crate) unsafe fn push(&mut self, waiter: Pin<&Waiter>, waker: &Waker) {
        // SAFETY: the contract is `push_node`'s; a pinned reference is a
        // live node that stays put.
        unsafe { self.push_node(NonNull::from(waiter.get_ref()), waker) }
    }

    /// As [`push`](Self::push), for a node that is the first field of a
    /// larger `#[repr(C)]` struct: `ptr` keeps that whole struct's
    /// provenance, so whoever later gets it back from
    /// [`first`](Self::first) may reach the struct's other fields.
    ///
    /// # Safety
    ///
    /// As for [`push`](Self::push); `ptr` points at a live, pinned node.
    pub(crate) unsafe fn push_node(&mut self, ptr: NonNull<Waiter>, waker: &Waker) {
        // SAFETY: `ptr` is live (contract).
        let waiter = unsafe { ptr.as_ref() };
        // SAFETY: we hold the lock (contract), so nobody else accesses the
        // node's cell.
        let node = unsafe { &mut *waiter.node.get() };
        if waiter.linked.load(Ordering::Relaxed) {
            match &mut node.waker {
                Some(w) if w.will_wake(waker) => {}
                other => *other = Some(waker.clone()),
            }
            return;
        }
        node.waker = Some(waker.clone());
        waiter.marked.store(false, Ordering::Relaxed);
        node.prev = self.tail;
        node.next = None;
        match self.tail {
            // SAFETY: the tail is a linked, hence live, node (contract), and
            // not `waiter` itself (which is unlinked); we hold the lock.
            Some(tail) => unsafe { (*tail.as_ref().node.get()).next = Some(ptr) },
            None => self.head = Some(ptr),
        }
        self.tail = Some(ptr);
        waiter.linked.store(true, Ordering::Relaxed);
    }

    /// Unlinks `waiter` if it is linked, returning its waker (`None`: it was
    /// not linked, e.g. because [`take`](Self::take) handed it out already).
    /// Drop the waker after releasing the lock.
    ///
    /// # Safety
    ///
    /// As for [`push`](Self::push): the caller holds the list's lock, and
    /// `waiter` is in this list or in none.
    pub(crate) unsafe fn remove(&mut self, waiter: Pin<&Waiter>) -> Option<Waker> {
        if !waiter.linked.load(Ordering::Relaxed) {
            return None;
        }
        // SAFETY: `waiter` is linked in this list (contract), and we hold
        // the lock.
        Some(unsafe { self.unlink(NonNull::from(waiter.get_ref())) })
    }

    /// The first waiter, still linked, as the pointer it was pushed with.
    /// It stays valid while it is linked and the caller holds the lock.
    pub(crate) fn first(&self) -> Option<NonNull<Waiter>> {
        self.head
    }

    /// Unlinks the first waiter and returns its waker: wake it after
    /// releasing the lock. Taking every waiter this way is "wake all";
    /// taking one is "wake one", in arrival order.
    pub(crate) fn take(&mut self) -> Option<Waker> {
        let first = self.head?;
        // SAFETY: the head is linked in this list; we hold the lock (`&mut`
        // to a list that lives under it).
        Some(unsafe { self.unlink(first) })
    }

    /// As [`take`](Self::take), and marks the node so that its owner can
    /// tell (with [`Waiter::is_marked`]) that this wake-up was meant for it
    /// alone, and pass it on if it gives up.
    pub(crate) fn take_marked(&mut self) -> Option<Waker> {
        let first = self.head?;
        // SAFETY: the head is linked in this list, hence alive; we hold the
        // lock. The mark is written before `unlink` releases the node.
        unsafe { first.as_ref().marked.store(true, Ordering::Relaxed) };
        // SAFETY: as in `take`.
        Some(unsafe { self.unlink(first) })
    }

    /// Unlinks `ptr` and takes its waker; the node is not accessed after
    /// `linked` is cleared.
    ///
    /// # Safety
    ///
    /// `ptr` is linked in this list and the caller holds its lock.
    unsafe fn unlink(&mut self, ptr: NonNull<Waiter>) -> Waker {
        // SAFETY: linked nodes are alive (contract of `push`) and we hold
        // the lock, so this is the only access to the node's cell; `prev`
        // and `next` are other linked nodes, distinct from this one.
        unsafe {
            let node = &mut *ptr.as_ref().node.get();
            match node.prev {
                Some(prev) => (*prev.as_ref().node.get()).next = node.next,
                None => self.head = node.next,
            }
            match node.next {
                Some(next) => (*next.as_ref().node.get()).prev = node.prev,
                None => self.tail = node.prev,
            }
            node.prev = None;
            node.next = None;
            // Every linked node has a waker (`push` sets it); a noop waker
            // covers the impossible case without a panic site.
            let waker = node.waker.take().unwrap_or_else(|| Waker::noop().clone());
            // Last access: after this store the owner may free the node.
            ptr.as_ref().linked.store(false, Ordering::Release);
            waker
        }
    }
}

impl Default for WaitList {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    /// A waker that counts its wakes and says who it is.
    struct Count(usize, AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter(id: usize) -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(id, AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    /// Which counters the list's wakers belong to, in order, by waking them.
    fn take_all(list: &mut WaitList, counters: &[&Arc<Count>]) -> Vec<usize> {
        let mut order = Vec::new();
        while let Some(w) = list.take() {
            let before: Vec<_> = counters
                .iter()
                .map(|c| c.1.load(Ordering::SeqCst))
                .collect();
            w.wake();
            for (c, b) in counters.iter().zip(before) {
                if c.1.load(Ordering::SeqCst) != b {
                    order.push(c.0);
                }
            }
        }
        order
    }

    #[test]
    fn takes_in_arrival_order_and_empties() {
        let mut list = WaitList::new();
        let (a, wa) = counter(1);
        let (b, wb) = counter(2);
        let (c, wc) = counter(3);
        let na = core::pin::pin!(Waiter::new());
        let nb = core::pin::pin!(Waiter::new());
        let nc = core::pin::pin!(Waiter::new());
        // SAFETY: one thread, the list outlives no node (all are taken
        // before the end of the test), each node is only in this list.
        unsafe {
            list.push(na.as_ref(), &wa);
            list.push(nb.as_ref(), &wb);
            list.push(nc.as_ref(), &wc);
        }
        assert_eq!(list.len(), 3);
        assert!(na.is_linked() && nb.is_linked() && nc.is_linked());
        assert_eq!(take_all(&mut list, &[&a, &b, &c]), [1, 2, 3]);
        assert!(list.is_empty());
        assert_eq!(list.len(), 0);
        assert!(!na.is_linked() && !nb.is_linked() && !nc.is_linked());
        assert!(list.take().is_none());
    }

    #[test]
    fn pushing_a_linked_waiter_keeps_its_place_and_updates_its_waker() {
        let mut list = WaitList::new();
        let (a, wa) = counter(1);
        let (b, wb) = counter(2);
        let (a2, wa2) = counter(4);
        let na = core::pin::pin!(Waiter::new());
        let nb = core::pin::pin!(Waiter::new());
        // SAFETY: as in the test above.
        unsafe {
            list.push(na.as_ref(), &wa);
            list.push(nb.as_ref(), &wb);
            list.push(na.as_ref(), &wa2);
        }
        assert_eq!(list.len(), 2);
        assert_eq!(take_all(&mut list, &[&a, &b, &a2]), [4, 2]);
        assert_eq!(
            a.1.load(Ordering::SeqCst),
            0,
            "the replaced waker was woken"
        );
    }

    #[test]
    fn remove_unlinks_from_the_head_the_middle_and_the_tail() {
        for victim in 0..3 {
            let mut list = WaitList::new();
            let counters: Vec<_> = (0..3).map(counter).collect();
            let nodes = [Waiter::new(), Waiter::new(), Waiter::new()];
            let nodes = core::pin::pin!(nodes);
            let node = |i: usize| {
                // SAFETY: structural pinning of an array element: the array
                // is pinned and never moved.
                unsafe { Pin::new_unchecked(&nodes.as_ref().get_ref()[i]) }
            };
            for (i, (_, w)) in counters.iter().enumerate() {
                // SAFETY: as in the tests above.
                unsafe { list.push(node(i), w) };
            }
            // SAFETY: the node is in this list; one thread.
            let w = unsafe { list.remove(node(victim)) };
            assert!(w.is_some(), "a linked waiter gave no waker back");
            assert!(!node(victim).is_linked());
            // SAFETY: as above; removing twice is a no-op.
            assert!(unsafe { list.remove(node(victim)) }.is_none());
            assert_eq!(list.len(), 2);
            let refs: Vec<_> = counters.iter().map(|(c, _)| c).collect();
            let want: Vec<_> = (0..3).filter(|&i| i != victim).collect();
            assert_eq!(take_all(&mut list, &refs), want);
            assert!(list.is_empty());
            // The list works again after being emptied.
            // SAFETY: as above.
            unsafe { list.push(node(victim), &counters[victim].1) };
            assert_eq!(list.len(), 1);
            assert!(list.take().is_some());
        }
    }

    #[test]
    fn take_marked_marks_and_push_clears_the_mark() {
        let mut list = WaitList::new();
        let (_, w) = counter(0);
        let na = core::pin::pin!(Waiter::new());
        let nb = core::pin::pin!(Waiter::new());
        // SAFETY: as in the tests above.
        unsafe {
            list.push(na.as_ref(), &w);
            list.push(nb.as_ref(), &w);
        }
        assert!(list.take_marked().is_some());
        assert!(list.take().is_some());
        assert!(na.is_marked() && !nb.is_marked());
        // SAFETY: as above.
        unsafe { list.push(na.as_ref(), &w) };
        assert!(!na.is_marked());
        assert!(list.take().is_some());
        assert!(list.take_marked().is_none());
    }

    /// The intended use: a future holds the node, waits in a list behind a
    /// mutex, and unlinks itself when dropped before it was woken.
    struct Wait<'a> {
        list: &'a Mutex<WaitList>,
        waiter: Waiter,
        polled: bool,
    }

    impl core::future::Future for Wait<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> core::task::Poll<()> {
            // SAFETY: `waiter` is structurally pinned: never moved out, and
            // `Drop` unlinks it.
            let this = unsafe { self.get_unchecked_mut() };
            // SAFETY: as above.
            let waiter = unsafe { Pin::new_unchecked(&this.waiter) };
            let mut list = this.list.lock().unwrap();
            // Under the lock: outside it, `true` may be stale, and pushing
            // again would wait for a wake that already happened.
            if this.polled && !waiter.is_linked() {
                return core::task::Poll::Ready(());
            }
            this.polled = true;
            // SAFETY: the mutex guards the list; this node only ever joins
            // this list; `Drop` removes it.
            unsafe { list.push(waiter, cx.waker()) };
            core::task::Poll::Pending
        }
    }

    impl Drop for Wait<'_> {
        fn drop(&mut self) {
            if self.waiter.is_linked() {
                // SAFETY: `self.waiter` is pinned (never moved since its
                // first poll) and this is its last use.
                let waiter = unsafe { Pin::new_unchecked(&self.waiter) };
                // SAFETY: under the list's mutex; the node is in this list
                // or in none. The waker is dropped after the lock.
                let w = unsafe { self.list.lock().unwrap().remove(waiter) };
                drop(w);
            }
        }
    }

    fn wait(list: &Mutex<WaitList>) -> Wait<'_> {
        Wait {
            list,
            waiter: Waiter::new(),
            polled: false,
        }
    }

    #[test]
    fn a_dropped_future_leaves_no_waiter_and_woken_ones_finish() {
        let list = Mutex::new(WaitList::new());
        let (c, w) = counter(0);
        let mut cx = core::task::Context::from_waker(&w);
        let mut first = Box::pin(wait(&list));
        let mut second = Box::pin(wait(&list));
        let mut third = Box::pin(wait(&list));
        assert!(first.as_mut().poll(&mut cx).is_pending());
        assert!(second.as_mut().poll(&mut cx).is_pending());
        assert!(third.as_mut().poll(&mut cx).is_pending());
        assert_eq!(list.lock().unwrap().len(), 3);
        drop(second);
        assert_eq!(list.lock().unwrap().len(), 2);
        // Wake all: take every waker under the lock, wake them after.
        let wakers: Vec<_> = {
            let mut l = list.lock().unwrap();
            core::iter::from_fn(|| l.take()).collect()
        };
        assert_eq!(wakers.len(), 2);
        wakers.into_iter().for_each(Waker::wake);
        assert_eq!(c.1.load(Ordering::SeqCst), 2);
        assert!(first.as_mut().poll(&mut cx).is_ready());
        drop(first);
        // Dropping a woken (already unlinked) future touches nothing.
        drop(third);
        assert!(list.lock().unwrap().is_empty());
    }

    #[test]
    fn waiters_on_other_threads_all_get_woken() {
        let list = Arc::new(Mutex::new(WaitList::new()));
        let (c, w) = counter(0);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let list = list.clone();
                let w = w.clone();
                std::thread::spawn(move || {
                    let mut cx = core::task::Context::from_waker(&w);
                    let mut f = core::pin::pin!(wait(&list));
                    assert!(f.as_mut().poll(&mut cx).is_pending());
                    while f.as_mut().poll(&mut cx).is_pending() {
                        std::thread::yield_now();
                    }
                })
            })
            .collect();
        let mut woken = 0;
        while woken < 4 {
            let ws: Vec<_> = {
                let mut l = list.lock().unwrap();
                core::iter::from_fn(|| l.take()).collect()
            };
            woken += ws.len();
            ws.into_iter().for_each(Waker::wake);
            std::thread::yield_now();
        }
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(c.1.load(Ordering::SeqCst), 4);
        assert!(list.lock().unwrap().is_empty());
    }
}
