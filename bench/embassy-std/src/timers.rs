//! Timers scenario for embassy: the `platform-std` executor with
//! embassy-time's std driver: N tasks, each sleeps a seeded-random 1–100 ms.
//! embassy tasks live in a static pool, so the pool holds all 10,000.
//!
//! `timers_embassy N` (N ≤ 10,000)

use embassy_executor::Executor;
use embassy_time::{Duration, Instant, Timer};
use std::cell::{Cell, RefCell};

struct Shared {
    late_us: RefCell<Vec<f64>>,
    live: Cell<usize>,
}
// SAFETY: the executor runs on the main thread only; the time driver's
// thread never touches this.
unsafe impl Sync for Shared {}
static SHARED: Shared = Shared {
    late_us: RefCell::new(Vec::new()),
    live: Cell::new(0),
};

#[embassy_executor::task(pool_size = 10000)]
async fn sleeper(deadline: Instant) {
    Timer::at(deadline).await;
    let late = Instant::now().saturating_duration_since(deadline);
    SHARED.late_us.borrow_mut().push(late.as_micros() as f64);
    SHARED.live.set(SHARED.live.get() - 1);
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn usage_cpu() -> std::time::Duration {
    // user + system time of this process from /proc/self/stat (10 ms ticks;
    // embassy's package has no libc for getrusage). Fields after the
    // parenthesised command: state, ppid, …, utime (12th), stime (13th).
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = &s[s.rfind(')').map_or(0, |i| i + 2)..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    std::time::Duration::from_millis((tick(11) + tick(12)) * 10)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000)
        .min(10_000);
    SHARED.late_us.borrow_mut().reserve(n);
    let mut seed = 0x5eed_u64;
    let delays: Vec<u64> = (0..n).map(|_| 1 + xorshift(&mut seed) % 100).collect();
    let cpu0 = usage_cpu();
    let t0 = std::time::Instant::now();
    let start = Instant::now();
    let ex: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    SHARED.live.set(n);
    ex.run_until(
        |sp| {
            for ms in delays {
                sp.spawn(sleeper(start + Duration::from_millis(ms)).unwrap());
            }
        },
        || SHARED.live.get() == 0,
    );
    let wall = t0.elapsed();
    let cpu = usage_cpu() - cpu0;
    let mut late = SHARED.late_us.borrow_mut();
    late.sort_by(|a, b| a.total_cmp(b));
    let mean = late.iter().sum::<f64>() / n.max(1) as f64;
    let p99 = late[((n * 99) / 100).min(n - 1)];
    bench_common::report("late_mean_us", mean, "us");
    bench_common::report("late_p99_us", p99, "us");
    bench_common::report("late_max_us", *late.last().unwrap_or(&0.0), "us");
    bench_common::report("cpu_ms", cpu.as_secs_f64() * 1e3, "ms");
    bench_common::report("wall_ms", wall.as_secs_f64() * 1e3, "ms");
}
