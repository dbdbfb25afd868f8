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
