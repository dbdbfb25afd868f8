//! Threads without libc (`bitwake::thread`): raw `clone`, guarded `mmap`
//! stacks, the thread pointer, futex joins, pinning and the futex park, run
//! natively and under QEMU by `cargo xtask test` (bin `test-thread`).
#![no_std]
#![no_main]
#![allow(clippy::result_large_err)]

use bitwake::executor::Park;
use bitwake::rt::testing::{self, Outcome};
use bitwake::sys::{self, Errno};
use bitwake::thread::{self, Builder, FutexPark};
use bitwake::{cases, check, check_eq};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        spawn_and_join_returns_the_value,
        eight_threads_share_memory,
        threads_have_their_own_tid,
        join_waits_for_a_sleeping_thread,
        a_deep_stack_fits,
        dropping_a_handle_detaches,
        no_core_outside_the_runtime,
        pin_to_each_available_cpu,
        pin_to_a_cpu_out_of_range_is_einval,
        futex_park_latches_and_wakes,
    ])
}

fn spawn_and_join_returns_the_value() -> Outcome {
    let h = thread::spawn(|| 6u64 * 7)?;
    check_eq!(h.join(), 42);
    Ok(())
}

fn eight_threads_share_memory() -> Outcome {
    static SUM: AtomicUsize = AtomicUsize::new(0);
    SUM.store(0, SeqCst);
    let mut hs: heapless::Vec<_, 8> = heapless::Vec::new();
    for i in 0..8usize {
        let h = thread::spawn(move || {
            for _ in 0..10_000 {
                SUM.fetch_add(i, SeqCst);
            }
            i * 2
        })?;
        let _ = hs.push(h);
    }
    let mut got = 0;
    for h in hs {
        got += h.join();
    }
    check_eq!(got, 56);
    check_eq!(SUM.load(SeqCst), 28 * 10_000);
    Ok(())
}

fn threads_have_their_own_tid() -> Outcome {
    let me = sys::gettid();
    let h = thread::spawn(sys::gettid)?;
    let tid = h.tid();
    let inner = h.join();
    check!(inner > 0 && inner != me, "child tid {inner}, main {me}");
    check_eq!(inner, tid);
    check_eq!(sys::getpid(), me);
    Ok(())
}

fn join_waits_for_a_sleeping_thread() -> Outcome {
    let h = thread::spawn(|| {
        let _ = sys::clock_nanosleep(sys::CLOCK_MONOTONIC, &sys::Timespec::from_nanos(30_000_000));
        7u8
    })?;
    check!(!h.is_finished());
    check_eq!(h.join(), 7);
    Ok(())
}

#[inline(never)]
fn touch_deep(depth: usize) -> u64 {
    let mut buf = [0u8; 4096];
    buf[depth % 4096] = depth as u8;
    let v = core::hint::black_box(&mut buf)[depth % 4096] as u64;
    if depth == 0 {
        v
    } else {
        v + touch_deep(depth - 1)
    }
}

fn a_deep_stack_fits() -> Outcome {
    // 400 frames of over 4 KiB: about 1.6 MiB of a 2 MiB stack.
    let h = Builder::new()
        .stack_size(2 << 20)
        .spawn(|| touch_deep(400))?;
    let want: u64 = (0..=400u64).map(|d| d as u8 as u64).sum();
    check_eq!(h.join(), want);
    Ok(())
}

fn dropping_a_handle_detaches() -> Outcome {
    static DONE: AtomicU32 = AtomicU32::new(0);
    // The handle is dropped at once: the thread runs on, detached.
    let _ = thread::spawn(|| DONE.store(1, SeqCst))?;
    for _ in 0..5_000 {
        if DONE.load(SeqCst) == 1 {
            return Ok(());
        }
        let _ = sys::clock_nanosleep(sys::CLOCK_MONOTONIC, &sys::Timespec::from_nanos(1_000_000));
    }
    check!(false, "the detached thread never ran");
    Ok(())
}

fn no_core_outside_the_runtime() -> Outcome {
    check_eq!(thread::current_core(), None);
    check_eq!(thread::spawn(thread::current_core)?.join(), None);
    Ok(())
}

fn pin_to_each_available_cpu() -> Outcome {
    let cpus = thread::available_cpus()?;
    check!(cpus.count() >= 1);
    for n in 0..cpus.count().min(8) {
        let cpu = cpus.nth(n).unwrap_or(0);
        let h = thread::spawn(move || -> Result<usize, Errno> {
            thread::pin_current(cpu)?;
            let now = thread::available_cpus()?;
            Ok(now.count() * 10_000 + now.nth(0).unwrap_or(9999))
        })?;
        check_eq!(h.join()?, 10_000 + cpu);
    }
    Ok(())
}

fn pin_to_a_cpu_out_of_range_is_einval() -> Outcome {
    check_eq!(thread::pin_current(1 << 20), Err(Errno::EINVAL));
    check_eq!(thread::pin_current(1023).is_err(), true);
    Ok(())
}

fn futex_park_latches_and_wakes() -> Outcome {
    static P: FutexPark = FutexPark::new();
    static STEP: AtomicU32 = AtomicU32::new(0);
    // An unpark before the park is latched: the park returns at once.
    P.unpark();
    P.unpark();
    P.park(None);
    // Consumed: now only the timeout ends it.
    P.park(Some(1_000_000));
    // Woken from another thread while blocked.
    let h = thread::spawn(|| {
        let _ = sys::clock_nanosleep(sys::CLOCK_MONOTONIC, &sys::Timespec::from_nanos(20_000_000));
        STEP.store(1, SeqCst);
        P.unpark();
    })?;
    while STEP.load(SeqCst) == 0 {
        P.park(Some(5_000_000_000));
    }
    h.join();
    Ok(())
}
