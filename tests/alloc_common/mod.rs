//! The counting global allocator of the zero-heap tests: it forwards to the
//! system allocator and counts every allocation and reallocation, in total
//! and per thread (the harness's main thread may allocate while a test
//! runs, so a test that is not alone in its binary counts its own thread).
//!
//! A test binary includes it with `mod alloc_common;`, which installs the
//! allocator for the whole binary.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // A const-initialised `Cell` of a plain integer: reaching it allocates
    // nothing and registers no destructor, so the allocator may use it.
    static THREAD_ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    ALLOCS.fetch_add(1, SeqCst);
    // `try_with`: a thread being torn down may still free and allocate.
    let _ = THREAD_ALLOCS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: forwards every call to the system allocator unchanged, only
// counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's guarantees for `alloc`, passed on.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `System` (every allocation here does).
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        count();
        // SAFETY: `p` came from `System`; the caller's guarantees passed on.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and reallocations so far, on every thread.
pub fn allocations() -> usize {
    ALLOCS.load(SeqCst)
}

/// Allocations and reallocations so far on the calling thread.
pub fn allocations_on_this_thread() -> usize {
    THREAD_ALLOCS.with(Cell::get)
}
