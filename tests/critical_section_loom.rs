//! loom model of the lock behind bitwake's Linux `critical-section`
//! implementation (`src/linux_critical_section/owner.rs`, compiled here as
//! is): two threads, each entering a section and a nested one inside it,
//! update a plain cell; loom explores every interleaving and reports a data
//! race or a lost update. (The signal half — handlers held off while a
//! thread holds the lock — is a kernel guarantee, tested for real in
//! `interop_critical_section` and the freestanding `test-interop`.)
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --test critical_section_loom`
#![cfg(loom)]

#[allow(dead_code)]
#[path = "../src/linux_critical_section/owner.rs"]
mod owner;

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use owner::OwnerLock;

struct Shared {
    lock: OwnerLock,
    count: UnsafeCell<u32>,
}

// SAFETY: `count` is only touched by the thread that holds `lock`.
unsafe impl Sync for Shared {}

/// What `acquire`/`release` do with the lock word: an outer section locks,
/// a nested one (same thread) sees itself as the owner and does nothing.
fn section(s: &Shared, me: i32, f: impl FnOnce()) {
    let nested = s.lock.held_by(me);
    if !nested {
        s.lock.lock(me);
    }
    f();
    if !nested {
        s.lock.unlock();
    }
}

fn bump(s: &Shared) {
    // SAFETY: called inside `section`, so this thread holds the lock.
    s.count.with_mut(|c| unsafe { *c += 1 });
}

#[test]
fn nested_sections_on_two_threads_exclude_each_other() {
    loom::model(|| {
        let s = Arc::new(Shared {
            lock: OwnerLock::new(),
            count: UnsafeCell::new(0),
        });
        let t = {
            let s = s.clone();
            loom::thread::spawn(move || {
                section(&s, 2, || {
                    bump(&s);
                    section(&s, 2, || bump(&s));
                })
            })
        };
        section(&s, 1, || {
            section(&s, 1, || bump(&s));
            bump(&s);
        });
        t.join().unwrap();
        // SAFETY: both threads are done (joined).
        let total = s.count.with(|c| unsafe { *c });
        assert_eq!(total, 4);
        assert!(!s.lock.held_by(1) && !s.lock.held_by(2));
    });
}
