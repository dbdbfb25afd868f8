//! tokio current_thread. The scenario name may end in `_io`: then the runtime
//! is built with `enable_all()` (epoll I/O driver and timer wheel), as a
//! networked program would have it; otherwise with no driver at all.
//! Tasks are spawned with `tokio::spawn` inside `block_on` and joined through
//! their `JoinHandle`s, the shape of tokio's own `rt_current_thread` benches.

use bench_common::{self as c, CountingAlloc, Params};
use tokio::runtime::{Builder, Runtime};

mod channel;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn runtime(io: bool) -> Runtime {
    let mut b = Builder::new_current_thread();
    if io {
        b.enable_all();
    }
    b.build().unwrap()
}

fn main() {
    let (scenario, p): (String, Params) = c::args();
    let (base, io) = match scenario.strip_suffix("_io") {
        Some(b) => (b.to_owned(), true),
        None => (scenario.clone(), false),
    };
    let rt = runtime(io);
    match base.as_str() {
        "yield" => c::measure(&base, p.reps, || {
            rt.block_on(async {
                let mut hs = Vec::with_capacity(p.tasks as usize);
                for _ in 0..p.tasks {
                    hs.push(tokio::spawn(c::yielder(p.yields)));
                }
                for h in hs {
                    h.await.unwrap();
                }
            });
            p.tasks as u64 * p.yields as u64
        }),
        "ping" => c::measure(&base, p.reps, || {
            rt.block_on(async {
                let a = tokio::spawn(c::ping_a(p.pings));
                let b = tokio::spawn(c::ping_b(p.pings));
                a.await.unwrap();
                b.await.unwrap();
            });
            2 * p.pings as u64
        }),
        "spawn" => {
            let mut hs = Vec::with_capacity(p.spawns as usize);
            c::measure(&base, p.reps, || {
                rt.block_on(async {
                    for _ in 0..p.batches {
                        for _ in 0..p.spawns {
                            hs.push(tokio::spawn(c::empty()));
                        }
                        for h in hs.drain(..) {
                            h.await.unwrap();
                        }
                    }
                });
                p.batches as u64 * p.spawns as u64
            })
        }
        "spawn_full" => {
            // 999 parked tasks stay in the runtime for the whole run.
            let _parked: Vec<_> = rt.block_on(async {
                let v: Vec<_> = (1..p.spawns).map(|_| tokio::spawn(c::parked())).collect();
                tokio::task::yield_now().await;
                v
            });
            c::measure(&base, p.reps, || {
                rt.block_on(async {
                    for _ in 0..p.full_iters {
                        tokio::spawn(c::empty()).await.unwrap();
                    }
                });
                p.full_iters as u64
            })
        }
        "task_bytes" => {
            let n = p.spawns as usize;
            let mut keep = Vec::with_capacity(n);
            rt.block_on(async {
                c::report_task_bytes(n, 0, || {
                    for _ in 0..n {
                        keep.push(tokio::spawn(c::parked()));
                    }
                });
            });
        }
        s if c::CHANNEL_SCENARIOS.contains(&s) => channel::run(&rt, s, &p),
        _ => {
            eprintln!("{}", c::USAGE);
            std::process::exit(2);
        }
    }
}
