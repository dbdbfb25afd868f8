//! async-executor's `LocalExecutor`, driven by `futures_lite::future::block_on`
//! around `ex.run(...)`; tasks are joined by awaiting their `Task` handles.

use async_executor::LocalExecutor;
use bench_common::{self as c, CountingAlloc, Params};
use futures_lite::future::block_on;

mod channel;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() {
    let (scenario, p): (String, Params) = c::args();
    let ex: &'static LocalExecutor<'static> = Box::leak(Box::new(LocalExecutor::new()));
    match scenario.as_str() {
        "yield" => c::measure("yield", p.reps, || {
            block_on(ex.run(async {
                let mut ts = Vec::with_capacity(p.tasks as usize);
                for _ in 0..p.tasks {
                    ts.push(ex.spawn(c::yielder(p.yields)));
                }
                for t in ts {
                    t.await;
                }
            }));
            p.tasks as u64 * p.yields as u64
        }),
        "ping" => c::measure("ping", p.reps, || {
            block_on(ex.run(async {
                let a = ex.spawn(c::ping_a(p.pings));
                let b = ex.spawn(c::ping_b(p.pings));
                a.await;
                b.await;
            }));
            2 * p.pings as u64
        }),
        "spawn" => {
            let mut ts = Vec::with_capacity(p.spawns as usize);
            c::measure("spawn", p.reps, || {
                block_on(ex.run(async {
                    for _ in 0..p.batches {
                        for _ in 0..p.spawns {
                            ts.push(ex.spawn(c::empty()));
                        }
                        for t in ts.drain(..) {
                            t.await;
                        }
                    }
                }));
                p.batches as u64 * p.spawns as u64
            })
        }
        "spawn_full" => {
            let parked: Vec<_> = (1..p.spawns).map(|_| ex.spawn(c::parked())).collect();
            block_on(ex.run(futures_lite::future::yield_now()));
            c::measure("spawn_full", p.reps, || {
                block_on(ex.run(async {
                    for _ in 0..p.full_iters {
                        ex.spawn(c::empty()).await;
                    }
                }));
                p.full_iters as u64
            });
            drop(parked);
        }
        "task_bytes" => {
            let n = p.spawns as usize;
            let mut keep = Vec::with_capacity(n);
            c::report_task_bytes(n, 0, || {
                for _ in 0..n {
                    keep.push(ex.spawn(c::parked()));
                }
            });
        }
        s if c::CHANNEL_SCENARIOS.contains(&s) => channel::run(ex, s, &p),
        _ => {
            eprintln!("{}", c::USAGE);
            std::process::exit(2);
        }
    }
}
