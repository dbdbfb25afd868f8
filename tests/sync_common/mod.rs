//! Helpers for the sync tests: a waker that counts, manual polling, and a
//! small thread-parking `block_on` for the multi-thread stress tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts how often it was woken.
pub struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A counting waker and its counter.
pub fn counter() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

/// How often the counter's waker was woken.
pub fn wakes(c: &Count) -> usize {
    c.0.load(SeqCst)
}

/// Polls once with `w`.
pub fn poll<F: Future>(f: Pin<&mut F>, w: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(w))
}

/// Wakes a parked thread.
struct Unpark(std::thread::Thread);
impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `f` on this thread, parking while it is pending (with a timeout, so
/// a lost wake-up shows up as a slow test rather than a hang).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let w = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = poll(f.as_mut(), &w) {
            return v;
        }
        std::thread::park_timeout(std::time::Duration::from_millis(100));
    }
}
