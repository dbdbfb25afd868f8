//! Cross-core scenarios for bitwake's thread-per-core runtime
//! (`bitwake::rt::cores`), freestanding. Prints `RESULT name value unit`,
//! one line per timed repetition after one untimed warm-up.
//!
//! ```text
//! cores_bitwake pingpong rounds=N reps=R         ns per round trip, core 0 <-> core 1
//!                                                (spins=S: the idle spin, default the runtime's)
//! cores_bitwake channel msgs=N reps=R            ns per message, core 0 -> core 1, capacity 64
//! cores_bitwake yield tasks=T yields=Y           ns per yield (wall), T tasks split over 1, then 2 cores
//! cores_bitwake spawn n=N [diag=1]               ns per spawn+join (wall), N split over 1, then 2 cores
//! cores_bitwake solo tasks=T yields=Y            the yield work on 1 core only (see `main`)
//! ```
//! The scaling scenarios run 1 and 2 executors back to back in each
//! repetition and also print the pair's speed-up (1 core ÷ 2 cores).
//! `spawn ... diag=1` also prints, per sample and core, when its driver
//! started and ended its share (ns after the sample's start) and the CPU
//! time its thread used meanwhile: whether the split was even and whether
//! a core sat idle while the other finished.
#![no_std]
#![no_main]

use bitwake::executor::{JoinHandle, yield_now};
use bitwake::println;
use bitwake::rt::cores::{self, Cores};
use bitwake::sync::Channel;
use bitwake::time::Instant;
use core::future::Future;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

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

/// Polls that returned `Pending`, per side of the channel scenario: how
/// often a receiver (or sender) had to wait, hence be woken.
static RECV_WAITS: AtomicU64 = AtomicU64::new(0);
static SEND_WAITS: AtomicU64 = AtomicU64::new(0);

/// `f`, counting its `Pending` polls in `waits`.
async fn counted<F: Future>(waits: &AtomicU64, f: F) -> F::Output {
    let mut f = core::pin::pin!(f);
    core::future::poll_fn(|cx| {
        let p = f.as_mut().poll(cx);
        if p.is_pending() {
            waits.fetch_add(1, Relaxed);
        }
        p
    })
    .await
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
            match counted(&RECV_WAITS, DATA.recv()).await {
                Ok(v) => sum += v,
                Err(_) => break,
            }
        }
        sum
    }
}

fn now_ns() -> u64 {
    Instant::now().as_nanos()
}

/// `clock`'s time in ns (0 if it cannot be read).
fn cpu_clock_ns(clock: u32) -> u64 {
    bitwake::sys::clock_gettime(clock).map_or(0, |t| {
        (t.sec as u64).saturating_mul(1_000_000_000) + t.nsec as u64
    })
}

/// CPU time of the calling thread (one core), in ns.
fn thread_cpu_ns() -> u64 {
    /// `CLOCK_THREAD_CPUTIME_ID`.
    const THREAD_CPU: u32 = 3;
    cpu_clock_ns(THREAD_CPU)
}

/// When one core's driver started and ended its share, and the CPU time
/// its thread used meanwhile.
struct Share {
    start: AtomicU64,
    end: AtomicU64,
    cpu: AtomicU64,
}

impl Share {
    fn store_from(&self, start: u64, end: u64, cpu: u64) {
        self.start.store(start, Relaxed);
        self.end.store(end, Relaxed);
        self.cpu.store(cpu, Relaxed);
    }
}

static SHARE: [Share; MAX] = [const {
    Share {
        start: AtomicU64::new(0),
        end: AtomicU64::new(0),
        cpu: AtomicU64::new(0),
    }
}; MAX];

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
                let t0 = now_ns();
                let c0 = thread_cpu_ns();
                let mut done = 0;
                for _ in 0..n {
                    if let Ok(h) = cores::spawn_on(core, $empty()) {
                        if h.await.is_ok() {
                            done += 1;
                        }
                    }
                }
                if let Some(sh) = SHARE.get(core) {
                    sh.store_from(t0, now_ns(), thread_cpu_ns().saturating_sub(c0));
                }
                done
            }
        }
    )*};
}
per_core!(yielder0 empty0 ydriver0 sdriver0, yielder1 empty1 ydriver1 sdriver1);

/// Waits until core 1 (if any) runs tasks, so a timed scaling sample does
/// not include the start of its thread. The handshake is a run of core 1's
/// own driver with no work (`warm`), not a task of a pool of its own: every
/// pool bound to an executor is visited on each of its passes, so a pool
/// kept only for the handshake would cost core 1 (and not core 0) one
/// visit per pass for the whole sample.
async fn others_started(k: usize, warm: impl FnOnce() -> Option<JoinHandle<u32>>) -> Option<()> {
    if k > 1 {
        warm()?.await.ok()?;
    }
    Some(())
}

/// `report`: also print how often a wake found the other core asleep
/// (eventfd writes per round trip, each way).
fn pingpong(rounds: u32, report: bool) -> Option<u64> {
    let fd0 = cores::eventfd_wakes(0);
    let fd1 = cores::eventfd_wakes(1);
    let spins = arg("spins", u64::from(cores::DEFAULT_SPINS)) as u32;
    let r = Cores::new(2)
        .spin_before_park(spins)
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
        .ok()?;
    if report && r.is_some() {
        for (name, n) in [
            ("core1", cores::eventfd_wakes(1).wrapping_sub(fd1)),
            ("core0", cores::eventfd_wakes(0).wrapping_sub(fd0)),
        ] {
            println!(
                "RESULT cores_pingpong_eventfd_writes_{name}_per_round_bitwake {:.4} count",
                f64::from(n) / f64::from(rounds.max(1))
            );
        }
    }
    r
}

/// CPU time of the whole process (every core's thread), in ns.
fn process_cpu_ns() -> u64 {
    /// `CLOCK_PROCESS_CPUTIME_ID`.
    const PROCESS_CPU: u32 = 2;
    cpu_clock_ns(PROCESS_CPU)
}

/// A scaling sample: picoseconds per operation (wall) and the CPUs the
/// process got meanwhile, in thousandths (CPU time ÷ wall time; 2000 means
/// both CPUs all the time).
struct Sample {
    ps_per_op: u64,
    milli_cpus: u64,
}

impl Sample {
    fn new(started: Instant, cpu_before: u64, ops: u64) -> Self {
        let wall = (started.elapsed().as_nanos() as u64).max(1);
        let cpu = process_cpu_ns().saturating_sub(cpu_before);
        Sample {
            ps_per_op: wall * 1000 / ops.max(1),
            milli_cpus: cpu * 1000 / wall,
        }
    }
}

/// `report`: also print the counts per message (waits, eventfd writes).
fn channel(msgs: u64, report: bool) -> Option<u64> {
    RECV_WAITS.store(0, Relaxed);
    SEND_WAITS.store(0, Relaxed);
    let fd0 = cores::eventfd_wakes(0);
    let fd1 = cores::eventfd_wakes(1);
    let r = Cores::new(2)
        .run(async move {
            let h = cores::spawn_on(1, sink(msgs)).ok()?;
            let t = Instant::now();
            for i in 0..msgs {
                counted(&SEND_WAITS, DATA.send(i)).await.ok()?;
            }
            let sum = h.await.ok()?;
            let ns = t.elapsed().as_nanos() as u64;
            (sum == msgs * (msgs - 1) / 2).then_some(ns * 1000 / msgs)
        })
        .ok()?;
    if report && r.is_some() {
        let per = |n: u64| n as f64 / msgs as f64;
        for (name, n) in [
            ("recv_waits", RECV_WAITS.load(Relaxed)),
            ("send_waits", SEND_WAITS.load(Relaxed)),
            (
                "eventfd_writes_core1",
                u64::from(cores::eventfd_wakes(1).wrapping_sub(fd1)),
            ),
            (
                "eventfd_writes_core0",
                u64::from(cores::eventfd_wakes(0).wrapping_sub(fd0)),
            ),
        ] {
            println!(
                "RESULT cores_channel_{name}_per_msg_bitwake {:.4} count",
                per(n)
            );
        }
    }
    r
}

fn yields(k: usize, tasks: u32, y: u32) -> Option<Sample> {
    let per = tasks / k as u32;
    Cores::new(k)
        .run(async move {
            others_started(k, || cores::spawn_on(1, ydriver1(1, 0, 0)).ok()).await?;
            let cpu = process_cpu_ns();
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
            Some(Sample::new(t, cpu, u64::from(n) * u64::from(y)))
        })
        .ok()?
}

fn spawns(k: usize, n: u32) -> Option<Sample> {
    let per = n / k as u32;
    Cores::new(k)
        .run(async move {
            others_started(k, || cores::spawn_on(1, sdriver1(1, 0)).ok()).await?;
            let cpu = process_cpu_ns();
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
            let s = Sample::new(t, cpu, u64::from(done));
            if arg("diag", 0) == 1 {
                let t0 = t.as_nanos();
                let wall = now_ns().saturating_sub(t0);
                for (i, sh) in SHARE.iter().enumerate().take(k) {
                    let (a, b, c) = (
                        sh.start.load(Relaxed).saturating_sub(t0),
                        sh.end.load(Relaxed).saturating_sub(t0),
                        sh.cpu.load(Relaxed),
                    );
                    println!(
                        "DIAG k={k} core{i} start={a} end={b} cpu={c} busy={:.3} wall={wall}",
                        c as f64 / b.saturating_sub(a).max(1) as f64
                    );
                }
            }
            Some(s)
        })
        .ok()?
}

/// One pair of the scaling scenarios: the same work with 1 and with 2
/// executors, back to back (the order alternates between pairs, so a slow
/// spell of the shared machine does not always hit the same side). Prints
/// both and their ratio when `report`.
fn scaling(name: &str, rep: u64, report: bool, run: impl Fn(usize) -> Option<Sample>) -> bool {
    let mut s = [const { None }; 2];
    let order: [usize; 2] = if rep.is_multiple_of(2) {
        [1, 2]
    } else {
        [2, 1]
    };
    for k in order {
        match run(k) {
            Some(v) => s[k - 1] = Some(v),
            None => return false,
        }
    }
    let [Some(one), Some(two)] = s else {
        return false;
    };
    if report {
        let ns = |ps: u64| ps as f64 / 1000.0;
        let cpus = |m: u64| m as f64 / 1000.0;
        println!(
            "RESULT cores_{name}_1core_bitwake {:.3} ns",
            ns(one.ps_per_op)
        );
        println!(
            "RESULT cores_{name}_2cores_bitwake {:.3} ns",
            ns(two.ps_per_op)
        );
        println!(
            "RESULT cores_{name}_speedup_bitwake {:.3} x",
            one.ps_per_op as f64 / two.ps_per_op.max(1) as f64
        );
        println!(
            "RESULT cores_{name}_1core_cpus_bitwake {:.3} cpus",
            cpus(one.milli_cpus)
        );
        println!(
            "RESULT cores_{name}_2cores_cpus_bitwake {:.3} cpus",
            cpus(two.milli_cpus)
        );
        // CPU time per operation, 2 cores ÷ 1 core: 1.0 means the second
        // core adds no cost (cache lines bouncing, wakes, spinning), so
        // the speed-up is bounded only by the CPUs the machine gives.
        let cpu_per_op = |s: &Sample| s.ps_per_op as f64 * s.milli_cpus as f64;
        println!(
            "RESULT cores_{name}_cpu_cost_ratio_bitwake {:.3} x",
            cpu_per_op(&two) / cpu_per_op(&one).max(1.0)
        );
    }
    true
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
    for rep in 0..=reps {
        let report = rep > 0;
        let ok = match scenario {
            "pingpong" => match pingpong(arg("rounds", 100_000) as u32, report) {
                Some(v) if report => {
                    println!("RESULT cores_pingpong_bitwake {v} ns");
                    true
                }
                v => v.is_some(),
            },
            "channel" => match channel(arg("msgs", 1_000_000), report) {
                // Picoseconds: a nanosecond is too coarse.
                Some(v) if report => {
                    println!("RESULT cores_channel_bitwake {:.3} ns", v as f64 / 1000.0);
                    true
                }
                v => v.is_some(),
            },
            "yield" => {
                let (tasks, y) = (arg("tasks", 64) as u32, arg("yields", 500_000) as u32);
                scaling("yield", rep, report, |k| yields(k, tasks, y))
            }
            "spawn" => {
                let n = arg("n", 2_000_000) as u32;
                scaling("spawn", rep, report, |k| spawns(k, n))
            }
            // One executor only, for the machine's own ceiling: run two of
            // these at once (`taskset -c 0` and `taskset -c 1`) and compare
            // with one alone.
            "solo" => match yields(1, arg("tasks", 64) as u32, arg("yields", 500_000) as u32) {
                Some(v) if report => {
                    let ns = v.ps_per_op as f64 / 1000.0;
                    println!("RESULT cores_yield_solo_bitwake {ns:.3} ns");
                    let cpus = v.milli_cpus as f64 / 1000.0;
                    println!("RESULT cores_yield_solo_cpus_bitwake {cpus:.3} cpus");
                    true
                }
                v => v.is_some(),
            },
            _ => {
                println!("unknown scenario {scenario}");
                return 2;
            }
        };
        if !ok {
            println!("cores_{scenario}: failed (fewer than {MAX} CPUs, or a lost message)");
            return 1;
        }
    }
    0
}
