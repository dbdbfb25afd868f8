//! Host tests of fibers on the std park (each test runs its own executor).

extern crate std;

use super::*;
use crate::executor::{Executor, StdPark};
use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::vec::Vec;

static PARK: StdPark = StdPark::new();
/// Fiber task pools bind to the first executor that runs a fiber, so every
/// test uses this one, one test at a time.
static EXEC: Executor = Executor::new(&PARK);
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn result_comes_back_through_the_handle() {
    let _s = serial();
    static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
    let r = EXEC.block_on(async {
        let h = spawn_on(&EXEC, &STACK, || {
            yield_now();
            40 + 2
        })
        .unwrap();
        h.await
    });
    assert_eq!(r, Ok(42));
    assert!(STACK.is_free());
    assert!(STACK.high_water().is_some());
}

#[test]
fn a_live_stack_is_not_handed_out_twice() {
    let _s = serial();
    static STACK: FiberStack<4096> = FiberStack::new();
    EXEC.block_on(async {
        let a = spawn_on(&EXEC, &STACK, yield_now).unwrap();
        let b = spawn_on(&EXEC, &STACK, || ());
        assert_eq!(b.err(), Some(SpawnError::Stack(StackError::Busy)));
        a.await.unwrap();
        // Free again once the result is taken.
        spawn_on(&EXEC, &STACK, || ()).unwrap().await.unwrap();
    });
}

#[test]
fn wait_runs_a_future_inside_a_fiber() {
    let _s = serial();
    static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
    let r = EXEC.block_on(async {
        spawn_on(&EXEC, &STACK, || {
            wait(current::PendingOnce(false));
            wait(async { 7 })
        })
        .unwrap()
        .await
    });
    assert_eq!(r, Ok(7));
}

#[test]
fn fibers_interleave_in_order() {
    let _s = serial();
    static STACKS: StackPool<{ 8 * 1024 }, 4> = StackPool::new();
    static LOG: std::sync::Mutex<Vec<(usize, usize)>> = std::sync::Mutex::new(Vec::new());
    EXEC.block_on(async {
        let mut hs = Vec::new();
        for id in 0..4 {
            hs.push(
                spawn_on(&EXEC, &STACKS, move || {
                    for step in 0..3 {
                        LOG.lock().unwrap().push((id, step));
                        yield_now();
                    }
                })
                .unwrap(),
            );
        }
        for h in hs {
            h.await.unwrap();
        }
    });
    let log = LOG.lock().unwrap();
    let want: Vec<_> = (0..3).flat_map(|s| (0..4).map(move |id| (id, s))).collect();
    assert_eq!(*log, want);
}

#[test]
fn detached_result_is_dropped_and_stack_freed() {
    let _s = serial();
    static STACK: FiberStack<4096> = FiberStack::new();
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct D;
    impl Drop for D {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }
    EXEC.block_on(async {
        drop(spawn_on(&EXEC, &STACK, || D).unwrap());
        while !STACK.is_free() {
            crate::executor::yield_now().await;
        }
    });
    assert_eq!(DROPS.load(SeqCst), 1);
}

#[test]
fn aborting_an_unstarted_fiber_drops_its_closure() {
    let _s = serial();
    static STACK: FiberStack<4096> = FiberStack::new();
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct D;
    impl Drop for D {
        fn drop(&mut self) {
            DROPS.fetch_add(1, SeqCst);
        }
    }
    let r = EXEC.block_on(async {
        let d = D;
        let h = spawn_on(&EXEC, &STACK, move || drop(d)).unwrap();
        h.abort();
        h.await
    });
    assert_eq!(r, Err(crate::executor::JoinError::Cancelled));
    assert_eq!(DROPS.load(SeqCst), 1);
    assert!(STACK.is_free());
}

#[test]
fn a_too_small_stack_is_refused() {
    let _s = serial();
    static STACK: FiberStack<256> = FiberStack::new();
    EXEC.block_on(async {
        let big = [7u8; 512];
        let r = spawn_on(&EXEC, &STACK, move || big[0]);
        assert_eq!(r.err(), Some(SpawnError::Stack(StackError::TooSmall)));
        assert!(STACK.is_free());
    });
}

#[test]
fn wait_outside_a_fiber_hands_the_future_back() {
    let _s = serial();
    assert!(!in_fiber());
    assert!(try_wait(async { 1 }).is_err());
    yield_now(); // no-op outside a fiber
}
