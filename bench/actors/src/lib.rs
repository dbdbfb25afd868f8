//! What the actor contenders share: parameters, result lines, heap counts.
//!
//! Scenarios (same shape for every framework, one thread each):
//! * `ring`: `nodes` actors in a ring, one token passed `laps` times round
//!   (nodes × laps messages, each a `tell` from the previous node's
//!   handler): ns per message.
//! * `ask`: `asks` request/reply round trips from the main task to one
//!   actor: ns per round trip.
//! * `restart`: a supervised actor fails (its handler returns an error or
//!   it stops itself, as the framework expresses failure) and is restarted
//!   by its supervisor, then answers an ask: ns per fail + restart + ask.
//! * `bytes`: heap bytes and allocations per spawned actor, and per ring
//!   message.

pub use bench_common::{CountingAlloc, allocated, report};
use std::time::Instant;

/// Scenario parameters from `key=value` arguments.
#[derive(Clone, Debug)]
pub struct Params {
    pub nodes: u32,
    pub laps: u32,
    pub asks: u32,
    pub restarts: u32,
    pub reps: u32,
}

/// The scenario name and the parameters.
pub fn args() -> (String, Params) {
    let mut it = std::env::args().skip(1);
    let scenario = it.next().unwrap_or_else(|| "help".into());
    let mut p = Params {
        nodes: 1000,
        laps: 1000,
        asks: 100_000,
        restarts: 10_000,
        reps: 3,
    };
    for a in it {
        let (k, v) = a
            .split_once('=')
            .unwrap_or_else(|| panic!("`{a}` is not key=value"));
        let v: u32 = v.parse().unwrap_or_else(|_| panic!("`{a}`: not a number"));
        match k {
            "nodes" => p.nodes = v,
            "laps" => p.laps = v,
            "asks" => p.asks = v,
            "restarts" => p.restarts = v,
            "reps" => p.reps = v,
            _ => panic!("unknown parameter `{k}`"),
        }
    }
    (scenario, p)
}

/// One untimed warm-up, then `reps` timed runs of `once` (which returns its
/// operation count), each reported as ns per operation under `name`.
pub fn measure(name: &str, reps: u32, mut once: impl FnMut() -> u64) {
    once();
    for _ in 0..reps {
        let t = Instant::now();
        let ops = once();
        report(name, t.elapsed().as_nanos() as f64 / ops as f64, "ns/op");
    }
}

/// [`measure`] for the contenders whose operations are async: one untimed
/// warm-up, then `reps` timed runs of `once`, awaited on the caller's
/// runtime.
pub async fn measure_async(name: &str, reps: u32, mut once: impl AsyncFnMut() -> u64) {
    once().await;
    for _ in 0..reps {
        let t = Instant::now();
        let ops = once().await;
        report(name, t.elapsed().as_nanos() as f64 / ops as f64, "ns/op");
    }
}

/// Reports the heap bytes and allocations `f` made per `per` units as
/// `<name>_heap_bytes` and `<name>_heap_allocs`.
pub fn heap_per<R>(name: &str, per: u64, f: impl FnOnce() -> R) -> R {
    let before = allocated();
    let r = f();
    report_heap(name, per, before);
    r
}

/// [`heap_per`] for async work: what `work` allocates until it completes.
pub async fn heap_per_async<R>(name: &str, per: u64, work: impl Future<Output = R>) -> R {
    let before = allocated();
    let r = work.await;
    report_heap(name, per, before);
    r
}

/// Reports the heap growth since `(b0, c0)` (bytes, allocations) per `per`.
fn report_heap(name: &str, per: u64, (b0, c0): (usize, usize)) {
    let (b1, c1) = allocated();
    report(
        &format!("{name}_heap_bytes"),
        (b1 - b0) as f64 / per as f64,
        "B",
    );
    report(
        &format!("{name}_heap_allocs"),
        (c1 - c0) as f64 / per as f64,
        "allocs",
    );
}

pub const USAGE: &str =
    "scenarios: ring | ask | restart | bytes; params: nodes laps asks restarts reps";
