//! Shared by the `fiber_switch` contenders: arguments and result lines.
//!
//! Every binary takes `SCENARIO key=value…` and prints `RESULT name value
//! unit` lines, one per timed repetition after one untimed warm-up (the same
//! protocol as the executor contenders, see `bench/README.md`).

use std::time::Instant;

/// `n`: round trips per repetition; `reps`: timed repetitions; `fibers`:
/// sleepers in the `sleepers` scenario.
pub struct Params {
    pub n: u64,
    pub reps: u32,
    pub fibers: usize,
}

/// The scenario name and its parameters.
pub fn args() -> (String, Params) {
    let mut it = std::env::args().skip(1);
    let scenario = it.next().unwrap_or_default();
    let mut p = Params {
        n: 10_000_000,
        reps: 3,
        fibers: 10_000,
    };
    for a in it {
        let (k, v) = a
            .split_once('=')
            .unwrap_or_else(|| panic!("`{a}` is not key=value"));
        let v: u64 = v.parse().unwrap_or_else(|_| panic!("`{a}`: not a number"));
        match k {
            "n" => p.n = v,
            "reps" => p.reps = v as u32,
            "fibers" => p.fibers = v as usize,
            _ => panic!("unknown parameter `{k}`"),
        }
    }
    (scenario, p)
}

/// One result line.
pub fn report(name: &str, value: f64, unit: &str) {
    println!("RESULT {name} {value:.3} {unit}");
}

/// One warm-up run, then `reps` timed runs of `once(n)`, in ns per round
/// trip.
pub fn measure(name: &str, p: &Params, mut once: impl FnMut(u64) -> u64) {
    std::hint::black_box(once(p.n));
    for _ in 0..p.reps {
        let t = Instant::now();
        std::hint::black_box(once(p.n));
        report(name, t.elapsed().as_nanos() as f64 / p.n as f64, "ns/op");
    }
}
