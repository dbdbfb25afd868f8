//! bitwake as a contender: static pools declared with `bitwake::task!`, one
//! static `Executor` with a spinning park (the loop never idles in these
//! scenarios), tasks joined through their `JoinHandle`s inside `block_on`.
//! The task bodies are the shared ones from `bench_common`.

use bench_common::{self as c, CountingAlloc, Params};
use bitwake::executor::{Executor, JoinHandle, SpinPark};

mod channel;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);

bitwake::task! {
    pool_size = 1000;
    async fn yielder(n: u32) {
        c::yielder(n).await
    }
}

/// A ping-pong pair whose pools have capacity `$n`: bitwake's pass cost
/// must not grow with the capacity.
macro_rules! pingers {
    ($a:ident, $b:ident, $n:expr) => {
        bitwake::task! {
            pool_size = $n;
            async fn $a(n: u32) {
                c::ping_a(n).await
            }
        }
        bitwake::task! {
            pool_size = $n;
            async fn $b(n: u32) {
                c::ping_b(n).await
            }
        }
    };
}
pingers!(ping_a_64, ping_b_64, 64);
pingers!(ping_a_1000, ping_b_1000, 1000);
pingers!(ping_a_4096, ping_b_4096, 4096);

// One pool for spawn_many and spawn_full: in spawn_full 999 of its 1000
// slots hold parked tasks, so each spawn has to find the last free slot.
bitwake::task! {
    pool_size = 1000;
    async fn spawnee(park: bool) {
        if park {
            c::parked().await
        } else {
            c::empty().await
        }
    }
}

fn main() {
    let (scenario, p): (String, Params) = c::args();
    match scenario.as_str() {
        "yield" => c::measure("yield", p.reps, || {
            EXEC.block_on(async {
                let mut hs: [Option<JoinHandle<()>>; 1000] = [const { None }; 1000];
                for h in hs.iter_mut().take(p.tasks as usize) {
                    *h = Some(EXEC.spawn(yielder(p.yields)).unwrap());
                }
                for h in hs.iter_mut() {
                    if let Some(h) = h.take() {
                        h.await.unwrap();
                    }
                }
            });
            p.tasks as u64 * p.yields as u64
        }),
        "ping" => {
            // Each task function's token has its own (unnameable) future
            // type, so the pair is spawned by the arm that picks it.
            type Pair = fn(u32) -> (JoinHandle<()>, JoinHandle<()>);
            let spawn_pair: Pair = match p.cap {
                64 => |n| {
                    (
                        EXEC.spawn(ping_a_64(n)).unwrap(),
                        EXEC.spawn(ping_b_64(n)).unwrap(),
                    )
                },
                1000 => |n| {
                    (
                        EXEC.spawn(ping_a_1000(n)).unwrap(),
                        EXEC.spawn(ping_b_1000(n)).unwrap(),
                    )
                },
                4096 => |n| {
                    (
                        EXEC.spawn(ping_a_4096(n)).unwrap(),
                        EXEC.spawn(ping_b_4096(n)).unwrap(),
                    )
                },
                other => panic!("no ping pool of capacity {other}"),
            };
            c::measure("ping", p.reps, || {
                EXEC.block_on(async {
                    let (ha, hb) = spawn_pair(p.pings);
                    ha.await.unwrap();
                    hb.await.unwrap();
                });
                2 * p.pings as u64
            })
        }
        "spawn" => c::measure("spawn", p.reps, || {
            EXEC.block_on(async {
                let mut hs: [Option<JoinHandle<()>>; 1000] = [const { None }; 1000];
                for _ in 0..p.batches {
                    for h in hs.iter_mut().take(p.spawns as usize) {
                        *h = Some(EXEC.spawn(spawnee(false)).unwrap());
                    }
                    for h in hs.iter_mut() {
                        if let Some(h) = h.take() {
                            h.await.unwrap();
                        }
                    }
                }
            });
            p.batches as u64 * p.spawns as u64
        }),
        "spawn_full" => {
            // The parked tasks must live in the same `block_on` as the
            // measured spawns: a returning `block_on` cancels its tasks. So
            // the repetitions are timed inside one `block_on`.
            EXEC.block_on(async {
                let parked: Vec<JoinHandle<()>> = (1..p.spawns)
                    .map(|_| EXEC.spawn(spawnee(true)).unwrap())
                    .collect();
                bitwake::executor::yield_now().await;
                let once = async || {
                    for _ in 0..p.full_iters {
                        EXEC.spawn(spawnee(false)).unwrap().await.unwrap();
                    }
                };
                once().await;
                for _ in 0..p.reps {
                    let t = std::time::Instant::now();
                    once().await;
                    let ns = t.elapsed().as_nanos() as f64;
                    c::report("spawn_full", ns / p.full_iters as f64, "ns/op");
                }
                drop(parked);
            })
        }
        "task_bytes" => {
            let f = bitwake::executor::footprint();
            c::report("task_overhead_bytes", f.task_overhead as f64, "B/task");
            c::report("pool64_fixed_bytes", f.pool64_fixed as f64, "B");
            c::report("executor_bytes", f.executor as f64, "B");
            // Static bytes per spawnee slot: the future (or output) plus the
            // per-slot overhead; the future is the same body the pool holds.
            fn fut_size<F>(_: &F) -> usize {
                std::mem::size_of::<F>()
            }
            let body = async {
                c::parked().await;
            };
            let mut keep = Vec::with_capacity(1000);
            c::report_task_bytes(1000, fut_size(&body) + f.task_overhead, || {
                EXEC.block_on(async {
                    for _ in 0..1000 {
                        keep.push(EXEC.spawn(spawnee(true)).unwrap());
                    }
                })
            });
            std::mem::forget(keep);
        }
        s if c::CHANNEL_SCENARIOS.contains(&s) => channel::run(s, &p),
        "chan_bytes" => channel::report_bytes(),
        _ => {
            eprintln!("{}", c::USAGE);
            std::process::exit(2);
        }
    }
}
