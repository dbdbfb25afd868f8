//! Timers scenario for tokio current_thread (`enable_all`): N tasks, each
//! sleeps a seeded-random 1–100 ms; lateness = wake time − deadline.
//!
//! `timers_tokio N`
use bench_net::*;
use std::time::Instant;

fn main() {
    let n: usize = arg(1, 10_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rng = Rng::new(0x5eed);
    let delays: Vec<u64> = (0..n).map(|_| rng.range(1, 100)).collect();
    let cpu0 = self_cpu();
    let t0 = Instant::now();
    let late = rt.block_on(async move {
        let hs: Vec<_> = delays
            .into_iter()
            .map(|ms| {
                tokio::spawn(async move {
                    let deadline = t0 + std::time::Duration::from_millis(ms);
                    tokio::time::sleep_until(deadline.into()).await;
                    Instant::now().duration_since(deadline).as_secs_f64() * 1e6
                })
            })
            .collect();
        let mut late = Vec::with_capacity(hs.len());
        for h in hs {
            late.push(h.await.unwrap());
        }
        late
    });
    report_lateness(late, t0.elapsed(), self_cpu() - cpu0);
}
