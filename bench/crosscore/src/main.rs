//! The peers of bitwake's cross-core scenarios (`cores_bitwake`): two
//! threads, one per CPU (pinned to CPUs 0 and 1 where the mechanism lets
//! us), passing messages.
//!
//! ```text
//! crosscore_peers pingpong PEER rounds=N reps=R   ns per round trip
//! crosscore_peers channel PEER msgs=N reps=R      ns per message, capacity 64
//! crosscore_peers yield cores=K tasks=T yields=Y  tokio multi_thread: ns per yield (wall)
//! ```
//! PEER: `tokio` (multi_thread, 2 workers, mpsc; the two tasks spawned from
//! outside the runtime so each starts on a worker of its own), `crossbeam`
//! (std threads + crossbeam-channel, bounded), `park` (std threads, a slot
//! and `thread::park`/`unpark`).

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

fn tokio_rt(workers: usize) -> tokio::runtime::Runtime {
    let next = Arc::new(AtomicU64::new(0));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .on_thread_start(move || pin(next.fetch_add(1, SeqCst) as usize % 2))
        .build()
        .expect("tokio runtime")
}

fn pingpong(peer: &str, rounds: u64) -> f64 {
    match peer {
        "tokio" => {
            let rt = tokio_rt(2);
            let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u64>(1);
            let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u64>(1);
            let pong = rt.spawn(async move {
                while let Some(v) = ping_rx.recv().await {
                    if pong_tx.send(v).await.is_err() {
                        break;
                    }
                }
            });
            let ping = rt.spawn(async move {
                let t = Instant::now();
                for i in 0..rounds {
                    ping_tx.send(i).await.unwrap();
                    assert_eq!(pong_rx.recv().await, Some(i));
                }
                t.elapsed()
            });
            let took = rt.block_on(ping).unwrap();
            rt.block_on(pong).unwrap();
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
            let rt = tokio_rt(2);
            let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(64);
            let sink = rt.spawn(async move {
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                sum
            });
            let src = rt.spawn(async move {
                let t = Instant::now();
                for i in 0..msgs {
                    tx.send(i).await.unwrap();
                }
                t
            });
            let t = rt.block_on(src).unwrap();
            assert_eq!(rt.block_on(sink).unwrap(), want);
            t.elapsed().as_nanos() as f64 / msgs as f64
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

fn yields(cores: usize, tasks: u64, y: u64) -> f64 {
    let rt = tokio_rt(cores);
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
    t.elapsed().as_nanos() as f64 / (tasks * y) as f64
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
                let k = arg("cores", 2) as usize;
                (
                    format!(
                        "cores_yield_{}_tokio",
                        if k == 1 { "1core" } else { "2cores" }
                    ),
                    yields(k, arg("tasks", 64), arg("yields", 100_000)),
                )
            }
            _ => {
                eprintln!("usage: crosscore_peers pingpong|channel|yield PEER key=value...");
                std::process::exit(2);
            }
        };
        if rep > 0 {
            println!("RESULT {name} {v:.3} ns");
        }
    }
}
