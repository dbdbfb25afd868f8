//! Timers scenario for async-executor's `LocalExecutor` with async-io's
//! `Timer` (smol's stack): N tasks, each sleeps a seeded-random 1–100 ms.
//!
//! `timers_smol N`
use async_executor::LocalExecutor;
use bench_net::*;
use std::time::{Duration, Instant};

fn main() {
    let n: usize = arg(1, 10_000);
    let ex = LocalExecutor::new();
    let mut rng = Rng::new(0x5eed);
    let delays: Vec<u64> = (0..n).map(|_| rng.range(1, 100)).collect();
    let cpu0 = self_cpu();
    let t0 = Instant::now();
    let late = async_io::block_on(ex.run(async {
        let ts: Vec<_> = delays
            .into_iter()
            .map(|ms| {
                ex.spawn(async move {
                    let deadline = t0 + Duration::from_millis(ms);
                    async_io::Timer::at(deadline).await;
                    Instant::now().duration_since(deadline).as_secs_f64() * 1e6
                })
            })
            .collect();
        let mut late = Vec::with_capacity(ts.len());
        for t in ts {
            late.push(t.await);
        }
        late
    }));
    report_lateness(late, t0.elapsed(), self_cpu() - cpu0);
}
