//! Fibers on the microcontroller, one QEMU boot per test: registers (and
//! with an FPU s16–s31) survive switches, a million switches, a fiber
//! sleeping next to an async task, fibers interleaving in spawn order, the
//! high-water mark against a measured recursion depth, and an overflow
//! caught by the MPU guard (ARMv7-M boards) or the canary.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {}

#[cfg(target_os = "none")]
#[path = "../../tests/fiber_common/regs.rs"]
mod regs;

#[cfg(target_os = "none")]
mod common;

#[cfg(target_os = "none")]
mod support {
    use bitwake::fiber::{FiberStack, StackPool};
    use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::Relaxed};

    /// The board's RAM class: the micro:bit has 16 KiB, the LM3S6965 64 KiB,
    /// the others megabytes. (The suites are debug builds, whose frames are
    /// several times larger than release ones.)
    const fn ram_class() -> u8 {
        match env!("BITWAKE_MCU_BOARD").as_bytes() {
            b"microbit" => 0,
            b"lm3s6965evb" => 1,
            _ => 2,
        }
    }

    /// Fibers in the interleaving test: 100 where the RAM allows it.
    pub const FIBERS: usize = [4, 24, 100][ram_class() as usize];
    pub const SMALL: usize = [512, 1024, 1024][ram_class() as usize];
    pub const BIG: usize = [2048, 4096, 4096][ram_class() as usize];

    pub static STACK_A: FiberStack<BIG> = FiberStack::new();
    pub static STACK_B: FiberStack<1024> = FiberStack::new();
    /// Recursion levels of the high-water test (about 100 bytes each in
    /// release, several times that in a debug build for ARMv6-M).
    pub const LEVELS: u32 = [4, 10, 10][ram_class() as usize];
    /// Levels that overflow a 512-byte stack but stay in the padding below.
    pub const OVERFLOW_LEVELS: u32 = [2, 4, 4][ram_class() as usize];
    pub static STACKS: StackPool<SMALL, FIBERS> = StackPool::new();
    /// Each test is a boot of its own, so the deep test reuses stack A.
    pub static DEEP: &FiberStack<BIG> = &STACK_A;

    /// A small stack with room below it, so the overflow test's writes land
    /// in memory of its own.
    #[repr(C)]
    pub struct Padded {
        pub pad: [u8; 768],
        pub stack: FiberStack<512>,
    }
    pub static PADDED: Padded = Padded {
        pad: [0; 768],
        stack: FiberStack::new(),
    };

    pub static LOG: [AtomicU32; 3 * FIBERS] = [const { AtomicU32::new(0) }; 3 * FIBERS];
    pub static LOGGED: AtomicUsize = AtomicUsize::new(0);

    /// Appends to [`LOG`] (load/store only: thumbv6m has no RMW atomics).
    pub fn log(v: u32) {
        let i = LOGGED.load(Relaxed);
        LOG[i].store(v, Relaxed);
        LOGGED.store(i + 1, Relaxed);
    }

    pub extern "C" fn hop() {
        bitwake::fiber::yield_now();
    }

    pub static DEEPEST: AtomicUsize = AtomicUsize::new(usize::MAX);

    /// Recurses `n` frames of about 100 bytes; records the lowest stack
    /// pointer; yields at the bottom when `hop` is set (so the canary is
    /// checked while the stack is at its deepest).
    #[inline(never)]
    pub fn recurse(n: u32, hop: bool) -> u32 {
        let pad = core::hint::black_box([n as u8; 100]);
        if n == 0 {
            let sp = crate::regs::touch_below();
            if sp < DEEPEST.load(Relaxed) {
                DEEPEST.store(sp, Relaxed);
            }
            if hop {
                bitwake::fiber::yield_now();
            }
            return pad[7] as u32;
        }
        recurse(n - 1, hop) + core::hint::black_box(pad[3]) as u32
    }

    /// Round trips in the switch test: a debug build under QEMU takes about
    /// 12 s for a million, so the boards run a fifth of that (the Linux
    /// targets run the full million).
    pub const SWITCHES: u32 = 200_000;

    pub static TICKS: AtomicU32 = AtomicU32::new(0);

    bitwake::task! {
        pool_size = 1;
        pub async fn ticker() {
            for _ in 0..10 {
                bitwake::time::sleep(core::time::Duration::from_millis(2)).await;
                TICKS.store(TICKS.load(Relaxed) + 1, Relaxed);
            }
        }
    }
}

#[cfg(target_os = "none")]
#[embedded_test::tests(default_timeout = 20)]
mod tests {
    use crate::regs;
    use crate::support::*;
    use bitwake::fiber;
    use bitwake::time::Duration;
    use core::sync::atomic::Ordering::Relaxed;

    #[init]
    fn init() {
        bitwake_mcu::init();
    }

    #[test]
    fn registers_survive_switches() {
        let (a, b) = bitwake::block_on(async {
            let run = |seed: usize| {
                move || {
                    let mut bad = 0;
                    for i in 0..50 {
                        bad += regs::check_preserved(seed + i * 0x100, hop);
                    }
                    bad
                }
            };
            let a = fiber::spawn(&STACK_A, run(0x1111_0000)).unwrap();
            let b = fiber::spawn(&STACK_B, run(0x7777_0000)).unwrap();
            (a.await, b.await)
        });
        assert_eq!(a, Ok(0));
        assert_eq!(b, Ok(0));
        log::info!("stack use: {:?} of {BIG}", STACK_A.high_water());
    }

    // Emulated, these switches take many seconds on a loaded host: the
    // bound catches a hang, it does not time the switches.
    #[test]
    #[timeout(60)]
    fn many_switches() {
        let n = bitwake::block_on(async {
            fiber::spawn(&STACK_A, || {
                let mut n = 0u32;
                for _ in 0..SWITCHES {
                    fiber::yield_now();
                    n += 1;
                }
                n
            })
            .unwrap()
            .await
        });
        assert_eq!(n, Ok(SWITCHES));
    }

    #[test]
    fn a_waiting_fiber_does_not_block_async_tasks() {
        // The fiber sleeps until the async task has ticked 10 times: if its
        // waiting blocked the executor, the task could never tick. No
        // timing is asserted.
        let r = bitwake::block_on(async {
            let f = fiber::spawn(&STACK_A, || {
                let mut naps = 0u32;
                while TICKS.load(Relaxed) < 10 {
                    fiber::sleep(Duration::from_millis(1));
                    naps += 1;
                }
                naps
            })
            .unwrap();
            bitwake::spawn(ticker()).unwrap().await.unwrap();
            f.await
        });
        log::info!("stack use: {:?} of {BIG}", STACK_A.high_water());
        assert!(matches!(r, Ok(n) if n >= 1));
    }

    #[test]
    fn fibers_interleave_in_spawn_order() {
        bitwake::block_on(async {
            let mut hs = [const { None }; FIBERS];
            for (id, slot) in (0..FIBERS as u32).zip(hs.iter_mut()) {
                let h = fiber::spawn(&STACKS, move || {
                    for step in 0..3 {
                        log(step * 1000 + id);
                        fiber::yield_now();
                    }
                });
                *slot = Some(h.unwrap());
            }
            for h in hs.into_iter().flatten() {
                h.await.unwrap();
            }
        });
        assert_eq!(LOGGED.load(Relaxed), 3 * FIBERS);
        for (i, e) in LOG.iter().enumerate() {
            let want = (i / FIBERS) as u32 * 1000 + (i % FIBERS) as u32;
            assert_eq!(e.load(Relaxed), want);
        }
        assert!(STACKS.stacks().iter().all(|s| s.is_free()));
        log::info!(
            "stack use: {:?} of {SMALL}",
            STACKS.stacks()[0].high_water()
        );
    }

    #[test]
    fn high_water_matches_recursion_depth() {
        let r = bitwake::block_on(async {
            fiber::spawn(DEEP, || recurse(LEVELS, false)).unwrap().await
        });
        assert!(r.is_ok());
        let depth = DEEP.range().end - DEEPEST.load(Relaxed);
        let hw = DEEP.high_water().unwrap_or(0);
        log::info!("high water {hw}, measured depth {depth}");
        assert!(hw.abs_diff(depth) <= core::mem::size_of::<usize>());
        assert!(depth > LEVELS as usize * 100);
    }

    #[test]
    #[should_panic]
    fn an_overflow_is_caught() {
        // More than 1 KiB deep on a 512-byte stack. Without an MPU the canary
        // check after the yield at the bottom panics with "fiber N
        // overflowed its 512-byte stack" (the writes land in the padding
        // below the stack); on the ARMv7-M boards the MPU guard faults first
        // and the HardFault handler reports it (`cargo xtask test` checks
        // both reports exactly with the `fiber_overflow` example).
        bitwake::block_on(async {
            let _ = fiber::spawn(&PADDED.stack, || recurse(OVERFLOW_LEVELS, true))
                .unwrap()
                .await;
        });
        let _ = PADDED.pad[0];
    }
}
