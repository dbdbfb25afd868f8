//! Cross-core scenarios for bitwake's thread-per-core runtime
//! (`bitwake::rt::cores`), freestanding. Prints `RESULT name value unit`,
//! one line per timed repetition after one untimed warm-up.
//!
//! ```text
//! cores_bitwake pingpong rounds=N reps=R         ns per round trip, core 0 <-> core 1
//! cores_bitwake channel msgs=N reps=R            ns per message, core 0 -> core 1, capacity 64
//! cores_bitwake yield cores=K tasks=T yields=Y   ns per yield (wall), T tasks split over K cores
//! cores_bitwake spawn cores=K n=N                ns per spawn+join (wall), N split over K cores
//! ```
#![no_std]
#![no_main]

use bitwake::executor::{JoinHandle, yield_now};
use bitwake::println;
use bitwake::rt::cores::{self, Cores};
use bitwake::sync::Channel;
use bitwake::time::Instant;

bitwake::main!(main);

/// Cores the scenarios may use (pools per core are declared for these).
const MAX: usize = 2;

fn arg(name: &str, default: u64) -> u64 {
    bitwake::rt::args()
        .filter_map(|a| core::str::from_utf8(a).ok())
        .filter_map(|a| a.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(default)
}

static PING: Channel<u32, 1> = Channel::new();
static PONG: Channel<u32, 1> = Channel::new();
static DATA: Channel<u64, 64> = Channel::new();

bitwake::task! {
    pool_size = 1;
    async fn ponger(n: u32) {
        for _ in 0..n {
            let Ok(v) = PING.recv().await else { return };
            if PONG.send(v).await.is_err() {
                return;
            }
        }
    }
}

bitwake::task! {
    pool_size = 1;
    async fn sink(n: u64) -> u64 {
        let mut sum = 0;
        for _ in 0..n {
            match DATA.recv().await {
                Ok(v) => sum += v,
                Err(_) => break,
            }
        }
        sum
    }
}

/// Per-core pools: a pool serves the one core that first spawns from it.
macro_rules! per_core {
    ($($yielder:ident $empty:ident $ydriver:ident $sdriver:ident),*) => {$(
        bitwake::task! {
            pool_size = 64;
            async fn $yielder(n: u32) {
                for _ in 0..n {
                    yield_now().await;
                }
            }
        }
        bitwake::task! {
            pool_size = 1;
            async fn $empty() {}
        }
        bitwake::task! {
            pool_size = 1;
            async fn $ydriver(core: usize, tasks: u32, yields: u32) -> u32 {
                let mut hs: heapless::Vec<JoinHandle<()>, 64> = heapless::Vec::new();
                for _ in 0..tasks.min(64) {
                    if let Ok(h) = cores::spawn_on(core, $yielder(yields)) {
                        let _ = hs.push(h);
                    }
                }
                let n = hs.len() as u32;
                for h in hs {
                    let _ = h.await;
                }
                n
            }
        }
        bitwake::task! {
            pool_size = 1;
            async fn $sdriver(core: usize, n: u32) -> u32 {
                let mut done = 0;
                for _ in 0..n {
                    if let Ok(h) = cores::spawn_on(core, $empty()) {
                        if h.await.is_ok() {
                            done += 1;
                        }
                    }
                }
                done
            }
        }
    )*};
}
per_core!(yielder0 empty0 ydriver0 sdriver0, yielder1 empty1 ydriver1 sdriver1);

fn pingpong(rounds: u32) -> Option<u64> {
    Cores::new(2)
        .run(async move {
            let h = cores::spawn_on(1, ponger(rounds)).ok()?;
            let t = Instant::now();
            for i in 0..rounds {
                PING.send(i).await.ok()?;
                if PONG.recv().await.ok()? != i {
                    return None;
                }
            }
            let ns = t.elapsed().as_nanos() as u64;
            h.await.ok()?;
            Some(ns / u64::from(rounds))
        })
        .ok()?
}

fn channel(msgs: u64) -> Option<u64> {
    Cores::new(2)
        .run(async move {
            let h = cores::spawn_on(1, sink(msgs)).ok()?;
            let t = Instant::now();
            for i in 0..msgs {
                DATA.send(i).await.ok()?;
            }
            let sum = h.await.ok()?;
            let ns = t.elapsed().as_nanos() as u64;
            (sum == msgs * (msgs - 1) / 2).then_some(ns * 1000 / msgs)
        })
        .ok()?
}

fn yields(k: usize, tasks: u32, y: u32) -> Option<u64> {
    let per = tasks / k as u32;
    Cores::new(k)
        .run(async move {
            let t = Instant::now();
            let h0 = cores::spawn_on(0, ydriver0(0, per, y)).ok()?;
            let h1 = if k > 1 {
                Some(cores::spawn_on(1, ydriver1(1, per, y)).ok()?)
            } else {
                None
            };
            let mut n = h0.await.ok()?;
            if let Some(h) = h1 {
                n += h.await.ok()?;
            }
            let ns = t.elapsed().as_nanos() as u64;
            Some(ns * 1000 / (u64::from(n) * u64::from(y)).max(1))
        })
        .ok()?
}

fn spawns(k: usize, n: u32) -> Option<u64> {
    let per = n / k as u32;
    Cores::new(k)
        .run(async move {
            let t = Instant::now();
            let h0 = cores::spawn_on(0, sdriver0(0, per)).ok()?;
            let h1 = if k > 1 {
                Some(cores::spawn_on(1, sdriver1(1, per)).ok()?)
            } else {
                None
            };
            let mut done = h0.await.ok()?;
            if let Some(h) = h1 {
                done += h.await.ok()?;
            }
            let ns = t.elapsed().as_nanos() as u64;
            Some(ns * 1000 / u64::from(done).max(1))
        })
        .ok()?
}

fn main() -> i32 {
    let Some(scenario) = bitwake::rt::args()
        .nth(1)
        .and_then(|a| core::str::from_utf8(a).ok())
    else {
        println!("usage: cores_bitwake pingpong|channel|yield|spawn key=value...");
        return 2;
    };
    let reps = arg("reps", 3);
    let k = (arg("cores", 2) as usize).clamp(1, MAX);
    for rep in 0..=reps {
        // Values in picoseconds where a nanosecond is too coarse.
        let (name, v, scale) = match scenario {
            "pingpong" => (
                "cores_pingpong",
                pingpong(arg("rounds", 100_000) as u32),
                1.0,
            ),
            "channel" => ("cores_channel", channel(arg("msgs", 1_000_000)), 1000.0),
            "yield" => (
                "cores_yield",
                yields(k, arg("tasks", 64) as u32, arg("yields", 100_000) as u32),
                1000.0,
            ),
            "spawn" => ("cores_spawn", spawns(k, arg("n", 200_000) as u32), 1000.0),
            _ => {
                println!("unknown scenario {scenario}");
                return 2;
            }
        };
        let Some(v) = v else {
            println!("{name}: failed (fewer than {k} CPUs, or a lost message)");
            return 1;
        };
        if rep > 0 {
            let suffix = if scenario == "yield" || scenario == "spawn" {
                if k == 1 { "_1core" } else { "_2cores" }
            } else {
                ""
            };
            println!("RESULT {name}{suffix}_bitwake {:.3} ns", v as f64 / scale);
        }
    }
    0
}
