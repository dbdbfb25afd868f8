//! bitwake's fibers.
//!
//! * `switch`: resume + suspend round trips of the bare context switch (the
//!   asm of `bitwake::fiber`, no executor), the figure to set against
//!   corosensei's `resume` + `suspend`.
//! * `yield`: `fiber::yield_now` round trips through the executor (the
//!   task's bit is set, the next pass polls it, the poll resumes the fiber):
//!   what a fiber pays to let others run.
//! * `task_yield`: the same with an async task (`executor::yield_now`), for
//!   comparison.
//! * `sleepers`: `fibers=10000` fibers on 4 KiB static stacks each sleep
//!   until their own deadline (100 µs apart, spawned in a shuffled order);
//!   reports how many woke early (none should), how often two consecutive
//!   wakes go against deadline order and by how much, and the static memory.
//! * `bytes`: bytes per fiber beyond its stack.

use bitwake::fiber::{self, StackPool};
use bitwake::time::{Duration, Instant};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

const SLEEPERS: usize = 10_000;
static STACKS: StackPool<4096, SLEEPERS> = StackPool::new();
static ORDER: [AtomicUsize; SLEEPERS] = [const { AtomicUsize::new(0) }; SLEEPERS];
static WOKEN: AtomicUsize = AtomicUsize::new(0);

static SPAWN_NS: AtomicU64 = AtomicU64::new(0);
static WOKE_AT: [AtomicU64; SLEEPERS] = [const { AtomicU64::new(0) }; SLEEPERS];

/// Spacing of the sleepers' deadlines.
const SPACING_US: u64 = 100;

fn sleepers(fibers: usize) {
    let fibers = fibers.min(SLEEPERS);
    let base = Instant::now();
    // The first deadline leaves time to spawn them all (painting 40 MB of
    // stacks) so no deadline has passed before its fiber first sleeps.
    let t0 = base + Duration::from_millis(500);
    // Fiber i sleeps until t0 + (i * 7919 % fibers) * SPACING: spawned in a
    // shuffled order, distinct deadlines.
    let slot = move |i: usize| (i * 7919 % fibers) as u64;
    let deadline = move |i: usize| t0 + Duration::from_micros(slot(i) * SPACING_US);
    let spawned = std::time::Instant::now();
    let ok = bitwake::block_on(async move {
        let mut hs = Vec::with_capacity(fibers);
        for (i, woke_at) in WOKE_AT.iter().enumerate().take(fibers) {
            let d = deadline(i);
            hs.push(
                fiber::spawn(&STACKS, move || {
                    fiber::sleep_until(d);
                    let now = Instant::now();
                    woke_at.store(now.duration_since(base).as_nanos() as u64, Relaxed);
                    ORDER[WOKEN.fetch_add(1, Relaxed)].store(i, Relaxed);
                })
                .expect("spawn"),
            );
        }
        SPAWN_NS.store(base.elapsed().as_nanos() as u64, Relaxed);
        let mut ok = true;
        for h in hs {
            ok &= h.await.is_ok();
        }
        ok
    });
    let took = spawned.elapsed();
    let woken = WOKEN.load(Relaxed);
    // Never early: each woke at or after its deadline.
    let early = (0..fibers)
        .filter(|&i| {
            let d = deadline(i).duration_since(base).as_nanos() as u64;
            WOKE_AT[i].load(Relaxed) < d
        })
        .count();
    // Order: adjacent wakes whose deadlines go backwards, and the largest
    // such step (fibers whose timers fired in the same pass resume in task
    // slot order).
    let mut inversions = 0;
    let mut worst_us = 0u64;
    for k in 1..woken {
        let (a, b) = (
            slot(ORDER[k - 1].load(Relaxed)),
            slot(ORDER[k].load(Relaxed)),
        );
        if b < a {
            inversions += 1;
            worst_us = worst_us.max((a - b) * SPACING_US);
        }
    }
    let f = fiber::footprint();
    let tasks = fiber::MAX_FIBERS * f.outside_stack;
    let statics = std::mem::size_of_val(&STACKS) + tasks;
    bench_fiber::report("sleepers_woken", woken as f64, "fibers");
    bench_fiber::report("sleepers_joined_ok", ok as u8 as f64, "bool");
    bench_fiber::report("sleepers_early", early as f64, "fibers");
    bench_fiber::report("sleepers_inversions", inversions as f64, "pairs");
    bench_fiber::report("sleepers_worst_inversion_us", worst_us as f64, "us");
    bench_fiber::report("sleepers_static_bytes", statics as f64, "B");
    bench_fiber::report("sleepers_run_ms", took.as_secs_f64() * 1e3, "ms");
    bench_fiber::report(
        "sleepers_spawn_ms",
        SPAWN_NS.load(Relaxed) as f64 / 1e6,
        "ms",
    );
}

bitwake::task! {
    pool_size = 1;
    /// The async counterpart of `yield`: one task yielding `n` times.
    async fn yielder(n: u64) -> u64 {
        for _ in 0..n {
            bitwake::executor::yield_now().await;
        }
        n
    }
}

fn main() {
    let (scenario, p) = bench_fiber::args();
    match scenario.as_str() {
        "switch" => bench_fiber::measure("switch", &p, fiber::__bench::switch_round_trips),
        "yield" => {
            static STACK: fiber::FiberStack<{ 16 * 1024 }> = fiber::FiberStack::new();
            bench_fiber::measure("yield", &p, |n| {
                bitwake::block_on(async move {
                    fiber::spawn(&STACK, move || {
                        for _ in 0..n {
                            fiber::yield_now();
                        }
                        n
                    })
                    .expect("spawn")
                    .await
                    .expect("join")
                })
            });
        }
        "task_yield" => bench_fiber::measure("task_yield", &p, |n| {
            bitwake::block_on(async move {
                bitwake::spawn(yielder(n))
                    .expect("spawn")
                    .await
                    .expect("join")
            })
        }),
        "sleepers" => sleepers(p.fibers),
        "bytes" => {
            let f = fiber::footprint();
            bench_fiber::report("bytes_beyond_stack", f.outside_stack as f64, "B");
            bench_fiber::report("control_block", f.control_block as f64, "B");
        }
        _ => eprintln!(
            "scenarios: switch | yield | task_yield | sleepers | bytes; params n reps fibers"
        ),
    }
}
