//! bitwake's executor on the microcontroller, one QEMU boot per test (see
//! `cargo xtask qemu-runner`): spawn/join/abort, a full pool, timers fired by
//! the hardware timer interrupt, sleep accuracy, fairness of yields, and a
//! task woken by an interrupt handler while the executor sleeps in `WFI`.
//!
//! Every test runs the real default executor through the one API of every
//! platform (`bitwake::block_on`, `bitwake::spawn`, `bitwake::time`), with
//! the platform's `WFI` park and time driver set up by `bitwake_mcu::init`
//! (which `bitwake::block_on` calls through `bitwake::platform_init!`).
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {}

#[cfg(target_os = "none")]
mod common;

#[cfg(target_os = "none")]
mod support {
    pub use crate::common::bump;
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    pub static DROPPED: AtomicBool = AtomicBool::new(false);

    /// Sets [`DROPPED`] when dropped: shows an aborted task's future is
    /// dropped in place.
    pub struct DropFlag;

    impl Drop for DropFlag {
        fn drop(&mut self) {
            DROPPED.store(true, Ordering::Relaxed);
        }
    }

    bitwake::task! {
        pool_size = 4;
        /// Adds after yielding once (so the join really waits).
        pub async fn add(a: u32, b: u32) -> u32 {
            bitwake::executor::yield_now().await;
            a + b
        }
    }

    bitwake::task! {
        pool_size = 2;
        /// Never finishes on its own.
        pub async fn forever() {
            let _flag = DropFlag;
            core::future::pending::<()>().await
        }
    }

    pub const FAIR_TASKS: usize = 4;
    pub const FAIR_ROUNDS: u32 = 50;
    pub static PROGRESS: [AtomicU32; FAIR_TASKS] = [const { AtomicU32::new(0) }; FAIR_TASKS];
    pub static UNFAIR: AtomicBool = AtomicBool::new(false);

    bitwake::task! {
        pool_size = 4;
        /// Counts its rounds, yielding after each; flags a moment when the
        /// tasks' round counts differ by more than one (one task got two
        /// polls while another ready task got none).
        pub async fn fair(id: usize) {
            for _ in 0..FAIR_ROUNDS {
                let mine = bump(&PROGRESS[id]);
                for other in &PROGRESS {
                    let o = other.load(Ordering::Relaxed);
                    // Others are at mine-1 (not yet polled this pass) or mine.
                    if o + 1 < mine || o > mine {
                        UNFAIR.store(true, Ordering::Relaxed);
                    }
                }
                bitwake::executor::yield_now().await;
            }
        }
    }

    pub static ORDER: [AtomicU32; 5] = [const { AtomicU32::new(u32::MAX) }; 5];
    pub static FINISHED: AtomicU32 = AtomicU32::new(0);

    bitwake::task! {
        pool_size = 5;
        /// Sleeps `ms`, then records its position in the finishing order.
        pub async fn sleeper(id: u32, ms: u64) {
            bitwake::time::sleep(core::time::Duration::from_millis(ms)).await;
            let pos = FINISHED.load(Ordering::Relaxed);
            FINISHED.store(pos + 1, Ordering::Relaxed);
            ORDER[pos as usize].store(id, Ordering::Relaxed);
        }
    }

    /// More timers at once than the fixed-size queue this crate once had
    /// (16 slots): timers now live in the sleeping futures.
    pub const MANY: usize = 24;

    bitwake::task! {
        pool_size = MANY;
        /// Sleeps `ms` milliseconds, then returns when it woke.
        pub async fn napper(ms: u64) -> bitwake::time::Instant {
            bitwake::time::sleep(core::time::Duration::from_millis(ms)).await;
            bitwake::time::Instant::now()
        }
    }

    bitwake::task! {
        pool_size = 1;
        /// Sleeps, then returns how many timer-interrupt wakes had happened.
        pub async fn nap(ms: u64) -> u32 {
            bitwake::time::sleep(core::time::Duration::from_millis(ms)).await;
            bitwake_mcu::time::interrupt_wakes()
        }
    }
}

#[cfg(target_os = "none")]
#[embedded_test::tests(default_timeout = 10)]
mod tests {
    use crate::common::{arm_with, swi_waker};
    use crate::support::*;
    use bitwake::executor::{JoinError, SpawnError};
    use bitwake::time::{self, Duration, Instant};
    use bitwake::{block_on, spawn};
    use core::pin::pin;
    use core::sync::atomic::{AtomicBool, Ordering};

    #[init]
    fn init() {
        // The clock counts from here (tests read it before `block_on`).
        bitwake_mcu::init();
    }

    #[test]
    fn spawn_and_join() {
        let sum = block_on(async {
            let a = spawn(add(1, 2)).unwrap();
            let b = spawn(add(10, 20)).unwrap();
            let c = spawn(add(100, 200)).unwrap();
            assert!(!c.is_finished());
            a.await.unwrap() + b.await.unwrap() + c.await.unwrap()
        });
        assert_eq!(sum, 333);
    }

    #[test]
    fn abort_drops_the_task_and_frees_its_slot() {
        block_on(async {
            let h = spawn(forever()).unwrap();
            bitwake::executor::yield_now().await;
            assert!(!h.is_finished());
            assert!(!DROPPED.load(Ordering::Relaxed));
            h.abort();
            assert_eq!(h.await, Err(JoinError::Cancelled));
            assert!(DROPPED.load(Ordering::Relaxed), "future not dropped");
            // Both slots are free again.
            let a = spawn(forever()).unwrap();
            let b = spawn(forever()).unwrap();
            a.abort();
            b.abort();
            assert_eq!(a.await, Err(JoinError::Cancelled));
            assert_eq!(b.await, Err(JoinError::Cancelled));
        });
    }

    #[test]
    fn full_pool_returns_spawn_error_then_recovers() {
        block_on(async {
            let a = spawn(forever()).unwrap();
            let b = spawn(forever()).unwrap();
            assert_eq!(spawn(forever()).err(), Some(SpawnError::Full));
            a.abort();
            assert_eq!(a.await, Err(JoinError::Cancelled));
            let c = spawn(forever()).expect("a slot was freed");
            b.abort();
            c.abort();
            let _ = b.await;
            let _ = c.await;
        });
    }

    #[test]
    fn timer_interrupt_wakes_a_sleeping_task() {
        let parks_before = bitwake_mcu::parks();
        let wakes_before = bitwake_mcu::time::interrupt_wakes();
        let wakes_after = block_on(async { spawn(nap(5)).unwrap().await.unwrap() });
        // The task's bit was set by the timer interrupt handler, and the
        // executor slept (parked) while it waited.
        assert!(wakes_after > wakes_before, "no wake from the timer handler");
        assert!(bitwake_mcu::parks() > parks_before, "executor never parked");
    }

    #[test]
    fn sleep_is_never_early_and_rarely_late() {
        block_on(async {
            for ms in [1u64, 3, 10, 25, 50] {
                let want = Duration::from_millis(ms);
                let start = Instant::now();
                time::sleep(want).await;
                let took = Instant::now() - start;
                assert!(took >= want, "sleep({ms} ms) woke after {took:?}");
                // Tick granularity (1 ms on SysTick) plus the wake-up path.
                // Emulated time is deterministic under `-icount ...,sleep=off`
                // (the board files), so this bound holds on a busy host too.
                let slack = Duration::from_millis(2);
                assert!(took <= want + slack, "sleep({ms} ms) took {took:?}");
            }
        });
    }

    /// Spins `n` iterations of a two-instruction loop.
    #[inline(never)]
    fn spin_two_instructions(n: u32) {
        if n == 0 {
            return;
        }
        // SAFETY: a register-only countdown loop; no memory, no stack.
        unsafe {
            #[cfg(target_arch = "arm")]
            core::arch::asm!("2:", "subs {n}, #1", "bne 2b", n = inout(reg) n => _, options(nomem, nostack));
            #[cfg(target_arch = "riscv32")]
            core::arch::asm!("2:", "addi {n}, {n}, -1", "bnez {n}, 2b", n = inout(reg) n => _, options(nomem, nostack));
        }
    }

    #[test]
    fn clock_agrees_with_an_independent_reference() {
        // Checks the board file's `timer-hz`. Under `-icount shift=N` every
        // instruction advances emulated time by exactly 2^N ns, so 250 000
        // iterations of a two-instruction loop must read as 500 000 << N ns
        // on our clock (plus a few tick interrupts: well under 1 %).
        if let Some(shift) = option_env!("BITWAKE_MCU_ICOUNT_SHIFT") {
            let shift: u32 = shift.parse().unwrap();
            let want = 500_000u64 << shift;
            let start = Instant::now();
            spin_two_instructions(250_000);
            let got = (Instant::now() - start).as_nanos() as u64;
            assert!(
                got >= want && got <= want + want / 50,
                "500000 instructions took {got} ns on our clock, QEMU counts {want} ns"
            );
        } else {
            // Without icount the emulated clock is the host's: compare 300 ms
            // with semihosting SYS_ELAPSED (QEMU: host monotonic time).
            // SYS_CLOCK would not do: QEMU answers it with its own CPU time.
            use semihosting::sys::arm_compat::{sys_elapsed, sys_tickfreq};
            let freq = sys_tickfreq().unwrap() as u64;
            let host_ms = || sys_elapsed().unwrap() * 1000 / freq;
            block_on(async {
                let h0 = host_ms();
                time::sleep(Duration::from_millis(300)).await;
                let dh = host_ms() - h0;
                assert!(
                    (295..=600).contains(&dh),
                    "300 ms emulated took {dh} ms host"
                );
            });
        }
    }

    #[test]
    fn timeout_fires_or_passes_the_result_through() {
        block_on(async {
            let start = Instant::now();
            let r = time::timeout(Duration::from_millis(10), core::future::pending::<()>()).await;
            assert_eq!(r, Err(time::Elapsed));
            assert!(Instant::now() - start >= Duration::from_millis(10));
            let r = time::timeout(Duration::from_millis(200), async {
                time::sleep(Duration::from_millis(2)).await;
                7
            })
            .await;
            assert_eq!(r, Ok(7));
        });
    }

    #[test]
    fn timers_fire_in_deadline_order() {
        block_on(async {
            let delays = [25u64, 5, 15, 10, 20];
            let mut hs = [const { None }; 5];
            for (id, ms) in delays.iter().enumerate() {
                hs[id] = Some(spawn(sleeper(id as u32, *ms)).unwrap());
            }
            for h in hs.iter_mut() {
                h.take().unwrap().await.unwrap();
            }
        });
        let order: [u32; 5] = core::array::from_fn(|i| ORDER[i].load(Ordering::Relaxed));
        assert_eq!(order, [1, 3, 2, 4, 0]);
    }

    #[test]
    fn timers_have_no_capacity_limit() {
        block_on(async {
            let start = Instant::now();
            let mut hs = [const { None }; MANY];
            for (i, h) in hs.iter_mut().enumerate() {
                *h = Some(spawn(napper(1 + (i as u64 * 7) % 10)).unwrap());
            }
            // Let every napper start its sleep.
            bitwake::executor::yield_now().await;
            assert_eq!(time::driver::pending_timers(), MANY);
            for (i, h) in hs.iter_mut().enumerate() {
                let woke = h.take().unwrap().await.unwrap();
                let want = Duration::from_millis(1 + (i as u64 * 7) % 10);
                assert!(woke - start >= want, "napper {i} woke early");
            }
            assert_eq!(time::driver::pending_timers(), 0);
        });
    }

    #[test]
    fn interval_ticks_on_the_timer_interrupt() {
        block_on(async {
            let period = Duration::from_millis(5);
            let mut every = time::interval(period).unwrap();
            let first = every.tick().await;
            for n in 1..=4u32 {
                let at = every.tick().await;
                assert_eq!(at - first, period * n, "tick {n} off the grid");
                let late = Instant::now() - at;
                // SysTick granularity plus the wake-up path, as for sleep.
                assert!(
                    late <= Duration::from_millis(2),
                    "tick {n} late by {late:?}"
                );
            }
        });
    }

    #[test]
    fn yields_are_fair() {
        block_on(async {
            let mut hs = [const { None }; FAIR_TASKS];
            for (id, h) in hs.iter_mut().enumerate() {
                *h = Some(spawn(fair(id)).unwrap());
            }
            for h in hs.iter_mut() {
                h.take().unwrap().await.unwrap();
            }
        });
        for p in &PROGRESS {
            assert_eq!(p.load(Ordering::Relaxed), FAIR_ROUNDS);
        }
        assert!(!UNFAIR.load(Ordering::Relaxed), "a ready task was skipped");
    }

    static SIGNAL: bitwake_mcu::Signal = bitwake_mcu::Signal::new();
    static SLEEPING_AT_IRQ: AtomicBool = AtomicBool::new(false);

    /// The software interrupt handler: records whether the executor was
    /// asleep in `WFI`, then wakes the waiting task.
    fn on_swi() {
        SLEEPING_AT_IRQ.store(bitwake_mcu::sleeping(), Ordering::Relaxed);
        SIGNAL.signal();
    }

    #[test]
    fn interrupt_wakes_a_task_while_the_executor_is_in_wfi() {
        bitwake_mcu::swi::set_handler(on_swi);
        let parks_before = bitwake_mcu::parks();
        block_on(async {
            // Arm a timer whose waker raises the software interrupt: in 5 ms
            // the timer handler pends it, and its handler signals the task.
            let mut alarm = pin!(time::sleep(Duration::from_millis(5)));
            arm_with(alarm.as_mut(), &swi_waker());
            // Nothing else is ready: the executor parks in WFI until then.
            SIGNAL.wait().await;
        });
        assert!(bitwake_mcu::parks() > parks_before, "executor never parked");
        assert!(
            SLEEPING_AT_IRQ.load(Ordering::Relaxed),
            "the interrupt did not find the executor in WFI"
        );
    }

    static SPAWNED: critical_section::Mutex<
        core::cell::RefCell<Option<bitwake::executor::JoinHandle<u32>>>,
    > = critical_section::Mutex::new(core::cell::RefCell::new(None));
    static HANDED_OVER: bitwake_mcu::Signal = bitwake_mcu::Signal::new();

    /// Software interrupt handler that spawns a task (interrupt context).
    fn spawn_from_swi() {
        let h = spawn(add(20, 22)).ok();
        critical_section::with(|cs| *SPAWNED.borrow(cs).borrow_mut() = h);
        HANDED_OVER.signal();
    }

    #[test]
    fn a_task_spawned_from_an_interrupt_handler_runs() {
        bitwake_mcu::swi::set_handler(spawn_from_swi);
        let out = block_on(async {
            // As above: the timer handler pends the software interrupt while
            // the executor sleeps; its handler spawns `add` and signals.
            let mut alarm = pin!(time::sleep(Duration::from_millis(3)));
            arm_with(alarm.as_mut(), &swi_waker());
            HANDED_OVER.wait().await;
            let h = critical_section::with(|cs| SPAWNED.borrow(cs).borrow_mut().take());
            h.expect("spawn from the interrupt handler failed").await
        });
        assert_eq!(out, Ok(42));
    }

    #[test]
    #[should_panic]
    fn a_panicking_test_is_reported_as_a_panic() {
        // Checks the runner's should_panic handling end to end.
        block_on(async { panic!("on purpose") });
    }

    #[test]
    #[ignore]
    #[timeout(30)]
    fn soak_many_short_sleeps() {
        // Long; run with `cargo xtask qemu-runner ELF --include-ignored`.
        block_on(async {
            for i in 0..2000u64 {
                time::sleep(Duration::from_micros(500 + (i * 7919) % 1500)).await;
            }
        });
    }
}
