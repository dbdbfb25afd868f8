//! Shared helpers for the executor integration tests.
#![allow(dead_code)]

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// A host park: latched flag + condvar. The timeout is a safety net so a lost
/// wake-up shows up as a failed assertion (the test counts parks), never as
/// a hang.
pub struct TestPark {
    flag: Mutex<bool>,
    cv: Condvar,
    pub parks: std::sync::atomic::AtomicUsize,
    pub timeouts: std::sync::atomic::AtomicUsize,
}

impl TestPark {
    pub const fn new() -> Self {
        Self {
            flag: Mutex::new(false),
            cv: Condvar::new(),
            parks: std::sync::atomic::AtomicUsize::new(0),
            timeouts: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl bitwake::executor::Park for TestPark {
    fn park(&self, _timeout: Option<u64>) {
        use std::sync::atomic::Ordering::Relaxed;
        self.parks.fetch_add(1, Relaxed);
        let mut g = self.flag.lock().unwrap();
        while !*g {
            let (g2, r) = self.cv.wait_timeout(g, Duration::from_secs(5)).unwrap();
            g = g2;
            if r.timed_out() {
                self.timeouts.fetch_add(1, Relaxed);
                break;
            }
        }
        *g = false;
    }
    fn unpark(&self) {
        *self.flag.lock().unwrap() = true;
        self.cv.notify_one();
    }
}

/// An executor shared by several `#[test]`s of one file. The test harness
/// runs tests on parallel threads, and `Executor::block_on` refuses a
/// concurrent call (it panics), so `block_on` here takes a lock first; every
/// other method (`spawn`, …) is the executor's own.
pub struct SharedExecutor {
    exec: bitwake::executor::Executor,
    turn: Mutex<()>,
}

impl SharedExecutor {
    pub const fn new(park: &'static dyn bitwake::executor::Park) -> Self {
        Self {
            exec: bitwake::executor::Executor::new(park),
            turn: Mutex::new(()),
        }
    }

    /// `Executor::block_on`, one test at a time.
    pub fn block_on<F: std::future::Future>(&'static self, f: F) -> F::Output {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        self.exec.block_on(f)
    }
}

impl std::ops::Deref for SharedExecutor {
    type Target = bitwake::executor::Executor;
    fn deref(&self) -> &Self::Target {
        &self.exec
    }
}
