//! The peers of bitwake's cross-core scenarios (`cores_bitwake`): two
//! threads, one per CPU (pinned to CPUs 0 and 1 where the mechanism lets
//! us), passing messages.
//!
//! ```text
//! crosscore_peers pingpong PEER rounds=N reps=R   ns per round trip
//! crosscore_peers channel PEER msgs=N reps=R      ns per message, capacity 64
//! crosscore_peers yield tasks=T yields=Y          tokio multi_thread: ns per yield (wall), 1 then 2 workers
//! ```
//! PEER:
//! * `tokio` — really cross-core: two `current_thread` runtimes, each
//!   `block_on` on its own pinned std thread, `tokio::sync::mpsc` between
//!   them (every hand-off crosses threads);
//! * `tokio_mt` — one `multi_thread` runtime with 2 pinned workers, the two
//!   tasks spawned from outside; tokio decides where they run, so it also
//!   prints `..._tokio_mt_same_worker`, the share of sampled messages whose
//!   sender and receiver ran on the same worker (1.0: a same-thread
//!   hand-off, not a cross-core one);
//! * `crossbeam` — std threads + crossbeam-channel, bounded;
//! * `park` — std threads, a slot and `thread::park`/`unpark`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::thread;
use std::time::Instant;

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .filter_map(|a| {
            let (k, v) = a.split_once('=')?;
            (k == name).then(|| v.parse().ok())?
        })
        .next()
        .unwrap_or(default)
}

fn pin(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is valid; CPU_SET writes inside it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

thread_local! {
    /// The index of the tokio worker this thread is (`usize::MAX`: none).
    static WORKER: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

fn tokio_rt(workers: usize) -> tokio::runtime::Runtime {
    let next = Arc::new(AtomicU64::new(0));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .on_thread_start(move || {
            let i = next.fetch_add(1, SeqCst) as usize;
            WORKER.set(i);
            pin(i % 2);
        })
        .build()
        .expect("tokio runtime")
}

/// Which of two workers a task ran on, sampled every `SAMPLE`-th message.
#[derive(Default)]
struct Where([u64; 2]);

const SAMPLE: u64 = 64;

impl Where {
    fn note(&mut self, i: u64) {
        if i.is_multiple_of(SAMPLE) {
            let w = WORKER.get();
            if w < 2 {
                self.0[w] += 1;
            }
        }
    }
    /// The share of samples both tasks could have taken on one worker.
    fn same(&self, other: &Where) -> f64 {
        let (a, b) = (self.0[0] + self.0[1], other.0[0] + other.0[1]);
        if a == 0 || b == 0 {
            return 0.0;
        }
        (0..2)
            .map(|w| (self.0[w] as f64 / a as f64).min(other.0[w] as f64 / b as f64))
            .sum()
    }
}

/// Two `current_thread` runtimes on threads pinned to CPUs 0 and 1:
/// `one` runs on this thread, `two` on a new one; returns `one`'s output.
fn tokio_two<A, B>(one: A, two: B) -> A::Output
where
    A: std::future::Future,
    B: std::future::Future + Send + 'static,
{
    let ct = || {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("tokio runtime")
    };
    let h = thread::spawn(move || {
        pin(1);
        ct().block_on(two);
    });
    pin(0);
    let out = ct().block_on(one);
    h.join().unwrap();
    out
}

/// `tokio_mt`'s "same worker" share of the last run.
static SAME_WORKER: AtomicU64 = AtomicU64::new(0);

fn pingpong(peer: &str, rounds: u64) -> f64 {
    match peer {
        "tokio" => {
            let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u64>(1);
            let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u64>(1);
            let took = tokio_two(
                async move {
                    let t = Instant::now();
                    for i in 0..rounds {
                        ping_tx.send(i).await.unwrap();
                        assert_eq!(pong_rx.recv().await, Some(i));
                    }
                    t.elapsed()
                },
                async move {
                    while let Some(v) = ping_rx.recv().await {
                        if pong_tx.send(v).await.is_err() {
                            break;
                        }
                    }
                },
            );
            took.as_nanos() as f64 / rounds as f64
        }
        "tokio_mt" => {
            let rt = tokio_rt(2);
            let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u64>(1);
            let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u64>(1);
            let pong = rt.spawn(async move {
                let mut at = Where::default();
                let mut i = 0;
                while let Some(v) = ping_rx.recv().await {
                    at.note(i);
                    i += 1;
                    if pong_tx.send(v).await.is_err() {
                        break;
                    }
                }
                at
            });
            let ping = rt.spawn(async move {
                let mut at = Where::default();
                let t = Instant::now();
                for i in 0..rounds {
                    ping_tx.send(i).await.unwrap();
                    assert_eq!(pong_rx.recv().await, Some(i));
                    at.note(i);
                }
                (t.elapsed(), at)
            });
            let (took, a) = rt.block_on(ping).unwrap();
            let b = rt.block_on(pong).unwrap();
            SAME_WORKER.store(a.same(&b).to_bits(), Relaxed);
            took.as_nanos() as f64 / rounds as f64
        }
        "crossbeam" => {
            let (ping_tx, ping_rx) = crossbeam_channel::bounded::<u64>(1);
            let (pong_tx, pong_rx) = crossbeam_channel::bounded::<u64>(1);
            let h = thread::spawn(move || {
                pin(1);
                while let Ok(v) = ping_rx.recv() {
                    if pong_tx.send(v).is_err() {
                        break;
                    }
                }
            });
            pin(0);
            let t = Instant::now();
            for i in 0..rounds {
                ping_tx.send(i).unwrap();
                assert_eq!(pong_rx.recv().unwrap(), i);
            }
            let took = t.elapsed();
            drop(ping_tx);
            h.join().unwrap();
            took.as_nanos() as f64 / rounds as f64
        }
        "park" => {
            // One slot each way: 0 empty, v + 1 a message.
            let ping = Arc::new(AtomicU64::new(0));
            let pong = Arc::new(AtomicU64::new(0));
            let main = thread::current();
            let (pi, po) = (ping.clone(), pong.clone());
            let h = thread::spawn(move || {
                pin(1);
                for _ in 0..rounds {
                    let v = loop {
                        let v = pi.swap(0, Acquire);
                        if v != 0 {
                            break v;
                        }
                        thread::park();
                    };
                    po.store(v, Release);
                    main.unpark();
                }
            });
            pin(0);
            let t = Instant::now();
            for i in 0..rounds {
                ping.store(i + 1, Release);
                h.thread().unpark();
                loop {
                    let v = pong.swap(0, Acquire);
                    if v != 0 {
                        assert_eq!(v, i + 1);
                        break;
                    }
                    thread::park();
                }
            }
            let took = t.elapsed();
            h.join().unwrap();
            took.as_nanos() as f64 / rounds as f64
        }
        _ => panic!("unknown peer {peer}"),
    }
}

fn channel(peer: &str, msgs: u64) -> f64 {
    let want = msgs * (msgs - 1) / 2;
    match peer {
        "tokio" => {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(64);
            let (done_tx, done_rx) = std::sync::mpsc::channel();
            let t = tokio_two(
                async move {
                    let t = Instant::now();
                    for i in 0..msgs {
                        tx.send(i).await.unwrap();
                    }
                    t
                },
                async move {
                    let mut sum = 0;
                    while let Some(v) = rx.recv().await {
                        sum += v;
                    }
                    let _ = done_tx.send(sum);
                },
            );
            // `tokio_two` joined the receiver: every message was taken.
            let took = t.elapsed();
            assert_eq!(done_rx.recv().unwrap(), want);
            took.as_nanos() as f64 / msgs as f64
        }
        "tokio_mt" => {
            let rt = tokio_rt(2);
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(64);
            let sink = rt.spawn(async move {
                let mut at = Where::default();
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    at.note(v);
                    sum += v;
                }
                (sum, at, Instant::now())
            });
            let src = rt.spawn(async move {
                let mut at = Where::default();
                let t = Instant::now();
                for i in 0..msgs {
                    tx.send(i).await.unwrap();
                    at.note(i);
                }
                (t, at)
            });
            let (t, a) = rt.block_on(src).unwrap();
            let (sum, b, end) = rt.block_on(sink).unwrap();
            assert_eq!(sum, want);
            SAME_WORKER.store(a.same(&b).to_bits(), Relaxed);
            (end - t).as_nanos() as f64 / msgs as f64
        }
        "crossbeam" => {
            let (tx, rx) = crossbeam_channel::bounded::<u64>(64);
            let h = thread::spawn(move || {
                pin(1);
                rx.iter().sum::<u64>()
            });
            pin(0);
            let t = Instant::now();
            for i in 0..msgs {
                tx.send(i).unwrap();
            }
            drop(tx);
            assert_eq!(h.join().unwrap(), want);
            t.elapsed().as_nanos() as f64 / msgs as f64
        }
        _ => panic!("unknown peer {peer} for channel"),
    }
}

/// CPU time of the whole process, in ns.
fn process_cpu_ns() -> f64 {
    // SAFETY: a zeroed timespec is valid; the kernel writes into it.
    unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts);
        ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
    }
}

/// ns per yield (wall) and the CPUs the process got meanwhile.
fn yields(cores: usize, tasks: u64, y: u64) -> (f64, f64) {
    let rt = tokio_rt(cores);
    let cpu = process_cpu_ns();
    let t = Instant::now();
    rt.block_on(async {
        let hs: Vec<_> = (0..tasks)
            .map(|_| {
                tokio::spawn(async move {
                    for _ in 0..y {
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let wall = t.elapsed().as_nanos() as f64;
    let cpus = (process_cpu_ns() - cpu) / wall;
    (wall / (tasks * y) as f64, cpus)
}

/// As bitwake's scaling pairs: 1 and 2 workers back to back, the order
/// alternating with `rep`; prints both, the speed-up, the CPUs and the
/// CPU-time-per-yield ratio when `report`.
fn yield_pair(rep: u64, report: bool, tasks: u64, y: u64) {
    let mut r = [(0.0, 0.0); 2];
    let order = if rep.is_multiple_of(2) {
        [1, 2]
    } else {
        [2, 1]
    };
    for k in order {
        r[k - 1] = yields(k, tasks, y);
    }
    if report {
        let [(ns1, c1), (ns2, c2)] = r;
        println!("RESULT cores_yield_1core_tokio {ns1:.3} ns");
        println!("RESULT cores_yield_2cores_tokio {ns2:.3} ns");
        println!("RESULT cores_yield_speedup_tokio {:.3} x", ns1 / ns2);
        println!("RESULT cores_yield_1core_cpus_tokio {c1:.3} cpus");
        println!("RESULT cores_yield_2cores_cpus_tokio {c2:.3} cpus");
        println!(
            "RESULT cores_yield_cpu_cost_ratio_tokio {:.3} x",
            (ns2 * c2) / (ns1 * c1)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scenario = args.get(1).map(String::as_str).unwrap_or("");
    let peer = args.get(2).map(String::as_str).unwrap_or("");
    let reps = arg("reps", 3);
    for rep in 0..=reps {
        let (name, v) = match scenario {
            "pingpong" => (
                format!("cores_pingpong_{peer}"),
                pingpong(peer, arg("rounds", 100_000)),
            ),
            "channel" => (
                format!("cores_channel_{peer}"),
                channel(peer, arg("msgs", 1_000_000)),
            ),
            "yield" => {
                yield_pair(rep, rep > 0, arg("tasks", 64), arg("yields", 20_000));
                continue;
            }
            _ => {
                eprintln!("usage: crosscore_peers pingpong|channel|yield PEER key=value...");
                std::process::exit(2);
            }
        };
        if rep > 0 {
            println!("RESULT {name} {v:.3} ns");
            if peer == "tokio_mt" {
                let same = f64::from_bits(SAME_WORKER.load(Relaxed));
                println!("RESULT {name}_same_worker {same:.3} share");
            }
        }
    }
}
