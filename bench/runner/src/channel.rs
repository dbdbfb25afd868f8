//! The `channel` scenario: `bitwake::sync::Channel` against embassy-sync's
//! `Channel` on embassy's raw executor (both lock flavours), tokio's `mpsc`
//! on current_thread, async-channel on async-executor and the floor's
//! minimal channel. Three shapes, each in ns per message:
//!
//! * `chan_ping`: two tasks, two capacity-1 channels, a message each way
//!   per round trip;
//! * `chan_spsc`: one producer, one consumer, capacity 64;
//! * `chan_mpsc`: `producers` (8) producers, one consumer, capacity 64.
//!
//! Every process also reports the heap its timed repetition took (set-up
//! such as creating the channels included), and, under callgrind,
//! instructions and locked read-modify-writes per message.

use crate::stats::{fmt, summary};
use crate::{Config, Samples, first_line, parse_results, pinned, run_capture};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// A contender: label, binary, scenario-name suffix.
const WHO: &[(&str, &str, &str)] = &[
    ("bitwake", "bitwake", ""),
    ("floor", "floor", ""),
    ("embassy_raw (CriticalSectionRawMutex)", "embassy_raw", ""),
    ("embassy_raw (NoopRawMutex)", "embassy_raw", "_noop"),
    ("tokio_ct (mpsc)", "tokio_ct", ""),
    ("async_executor (async-channel)", "async_executor", ""),
];

/// Scenario, title, extra arguments.
const ROWS: &[(&str, &str)] = &[
    (
        "chan_ping",
        "(a) ping-pong over two capacity-1 channels, 10⁶ messages, ns per message",
    ),
    (
        "chan_spsc",
        "(b) 1 producer → 1 consumer, capacity 64, 10⁶ messages, ns per message",
    ),
    (
        "chan_mpsc",
        "(c) 8 producers → 1 consumer, capacity 64, 10⁶ messages, ns per message",
    ),
];

const MSGS: u32 = 1_000_000;

/// Callgrind sizes (messages): the difference cancels start-up.
const CG_SMALL: u32 = 20_000;
const CG_LARGE: u32 = 40_000;

#[derive(Default)]
pub struct Channels {
    /// (scenario, label) → ns per message.
    ns: BTreeMap<(String, String), Samples>,
    /// (scenario, label) → heap bytes of one timed repetition.
    heap: BTreeMap<(String, String), Samples>,
    errors: BTreeMap<(String, String), String>,
    /// label → (instructions, locked RMWs) per message, per scenario.
    profile: BTreeMap<(String, String), Result<(f64, f64), String>>,
    /// label → `size_of` a 64 × u32 channel.
    bytes: BTreeMap<String, f64>,
}

fn key(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

pub fn run(cfg: &Config) -> Channels {
    let mut r = Channels::default();
    for &(scenario, _) in ROWS {
        eprintln!("runner: channel {scenario} ({} contenders)", WHO.len());
        for round in 0..cfg.mode.rounds {
            for k in 0..WHO.len() {
                let (label, bin, suffix) = WHO[(k + round) % WHO.len()];
                let id = key(scenario, label);
                if r.errors.contains_key(&id) {
                    continue;
                }
                let path = cfg.bins.join(bin);
                if !path.exists() {
                    r.errors.insert(id, "not built".into());
                    continue;
                }
                let mut cmd = pinned(cfg, &path);
                cmd.arg(format!("{scenario}{suffix}"))
                    .arg(format!("msgs={MSGS}"))
                    .arg(format!("reps={}", cfg.mode.reps));
                match run_capture(cmd, Duration::from_secs(60)) {
                    Ok(out) => {
                        let name = format!("{scenario}{suffix}");
                        let heap_name = format!("{name}_heap");
                        for (n, v) in parse_results(&out) {
                            if n == name {
                                r.ns.entry(id.clone()).or_default().push(v);
                            } else if n == heap_name {
                                r.heap.entry(id.clone()).or_default().push(v);
                            }
                        }
                        if !r.ns.contains_key(&id) {
                            r.errors.insert(id, "no result".into());
                        }
                    }
                    Err(e) => {
                        eprintln!("runner: {e}");
                        r.errors.insert(id, first_line(&e));
                    }
                }
            }
        }
    }
    for (label, bin) in [("bitwake", "bitwake"), ("embassy_raw", "embassy_raw")] {
        let cmd = pinned(cfg, &cfg.bins.join(bin));
        let mut cmd = cmd;
        cmd.arg("chan_bytes");
        if let Ok(out) = run_capture(cmd, Duration::from_secs(30))
            && let Some((_, v)) = parse_results(&out)
                .into_iter()
                .find(|(n, _)| n == "chan_bytes")
        {
            r.bytes.insert(label.to_owned(), v);
        }
    }
    if cfg.callgrind {
        for &(scenario, _) in ROWS {
            for &(label, bin, suffix) in WHO {
                let path = cfg.bins.join(bin);
                let cost = crate::profile::locked_addresses(&path).and_then(|locked| {
                    let one = |n: u32| {
                        let args = vec![
                            format!("{scenario}{suffix}"),
                            format!("msgs={n}"),
                            "reps=1".to_owned(),
                        ];
                        crate::profile::counts(&path, &args, &locked)
                    };
                    let (a, la) = one(CG_SMALL)?;
                    let (b, lb) = one(CG_LARGE)?;
                    // Warm-up plus one timed repetition: twice the messages.
                    let msgs = 2.0 * f64::from(CG_LARGE - CG_SMALL);
                    Ok(((b as f64 - a as f64) / msgs, (lb as f64 - la as f64) / msgs))
                });
                r.profile.insert(key(scenario, label), cost);
            }
        }
    }
    r
}

fn median(v: Option<&Samples>) -> Option<f64> {
    v.filter(|v| !v.is_empty()).map(|v| summary(v).0)
}

/// The section; `handoff` is bitwake's median ns per hand-off in the
/// executor table's ping_pong (the yardstick of goal (a)).
pub fn render(s: &mut String, r: &Channels, handoff: Option<f64>) {
    let _ = writeln!(
        s,
        "## Channels: `bitwake::sync::Channel` and its peers (ns per message, lower is better)\n\n\
         Same shapes everywhere (`bench/*/src/channel.rs`), `u32` messages: bitwake's `Channel` \
         in `static`s on its executor; embassy-sync 0.8's `Channel` on embassy's raw executor, \
         with `CriticalSectionRawMutex` (what a `static` channel needs; the `critical-section` \
         crate's `std` implementation) and with `NoopRawMutex` (single-thread only); tokio's \
         `mpsc` on current_thread and async-channel on async-executor (both heap-allocated, \
         created in each repetition); and the floor executor with the floor of channels (plain \
         cells, no lock, no fairness, no cancellation care). **heap** = bytes allocated by one \
         timed repetition (10⁶ messages, set-up included). Goals: ahead of every contender in \
         (a)–(c); (a) ≤ 2× bitwake's own hand-off (ping_pong capacity 1000 above).\n"
    );
    for &(scenario, title) in ROWS {
        let b = median(r.ns.get(&key(scenario, "bitwake")));
        let floor = median(r.ns.get(&key(scenario, "floor")));
        let _ = writeln!(
            s,
            "### {title}\n\n| contender | median (min–max) | samples | vs bitwake | × floor | heap B |\n|---|---|---|---|---|---|"
        );
        for &(label, _, _) in WHO {
            let id = key(scenario, label);
            let v = r.ns.get(&id);
            let shown = match (v, r.errors.get(&id)) {
                (Some(v), _) => {
                    let (m, lo, hi) = summary(v);
                    format!("{} ({}–{})", fmt(m), fmt(lo), fmt(hi))
                }
                (None, Some(e)) => format!("n/a ({e})"),
                _ => "–".into(),
            };
            let vs = match (b, median(v)) {
                _ if label == "bitwake" => "1.00×".into(),
                (Some(b), Some(o)) if b > 0.0 => format!("{:.2}×", o / b),
                _ => "–".into(),
            };
            let xf = match (median(v), floor) {
                (Some(a), Some(f)) if f > 0.0 => format!("{:.2}", a / f),
                _ => "–".into(),
            };
            let heap = median(r.heap.get(&id)).map_or("–".into(), fmt);
            let _ = writeln!(
                s,
                "| {label} | {shown} | {} | {vs} | {xf} | {heap} |",
                v.map_or(0, |v| v.len())
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "### Channels: instructions / locked read-modify-writes per message (callgrind)\n\n\
         Same method as the executor table: two sizes ({CG_SMALL} and {CG_LARGE} messages), \
         difference ÷ extra messages.\n"
    );
    if r.profile.is_empty() {
        let _ = writeln!(s, "n/a (valgrind not available)\n");
    } else {
        let labels: Vec<&str> = WHO.iter().map(|w| w.0).collect();
        let _ = writeln!(
            s,
            "| scenario | {} |\n|---|{}",
            labels.join(" | "),
            "---|".repeat(labels.len())
        );
        for &(scenario, _) in ROWS {
            let mut line = format!("| {scenario} |");
            for l in &labels {
                match r.profile.get(&key(scenario, l)) {
                    Some(Ok((i, lk))) => {
                        let _ = write!(line, " {i:.0} / {lk:.1} |");
                    }
                    Some(Err(e)) => {
                        let _ = write!(line, " n/a ({}) |", first_line(e));
                    }
                    None => line.push_str(" – |"),
                }
            }
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(s);
    }
    let bytes = |l: &str| r.bytes.get(l).map_or("n/a".into(), |b| format!("{b:.0} B"));
    let _ = writeln!(
        s,
        "Bytes: `size_of::<bitwake::sync::Channel<u32, 64>>()` = {} (64 × 4 B of slots + header); \
         embassy-sync `Channel<CriticalSectionRawMutex, u32, 64>` = {}. Neither allocates.\n",
        bytes("bitwake"),
        bytes("embassy_raw")
    );
    let _ = writeln!(
        s,
        "| goal | measured (bitwake median) | verdict |\n|---|---|---|"
    );
    for &(scenario, _) in ROWS {
        let b = median(r.ns.get(&key(scenario, "bitwake")));
        let best = WHO
            .iter()
            .filter(|w| w.0 != "bitwake" && w.0 != "floor")
            .filter_map(|w| median(r.ns.get(&key(scenario, w.0))).map(|v| (v, w.0)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let (measured, verdict) = match (b, best) {
            (Some(b), Some((o, who))) => (
                format!("{} ns vs best peer {who} {} ns", fmt(b), fmt(o)),
                if b < o { "met" } else { "**missed**" },
            ),
            _ => ("n/a".into(), "n/a"),
        };
        let _ = writeln!(
            s,
            "| {scenario}: ahead of every peer | {measured} | {verdict} |"
        );
    }
    // The same against the peers that are thread-safe like bitwake's
    // channel (NoopRawMutex and the floor's channel are single-thread only).
    for &(scenario, _) in ROWS {
        let b = median(r.ns.get(&key(scenario, "bitwake")));
        let best = WHO
            .iter()
            .filter(|w| !matches!(w.0, "bitwake" | "floor") && !w.0.contains("Noop"))
            .filter_map(|w| median(r.ns.get(&key(scenario, w.0))).map(|v| (v, w.0)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let (measured, verdict) = match (b, best) {
            (Some(b), Some((o, who))) => (
                format!("{} ns vs {who} {} ns", fmt(b), fmt(o)),
                if b < o { "met" } else { "**missed**" },
            ),
            _ => ("n/a".into(), "n/a"),
        };
        let _ = writeln!(
            s,
            "| {scenario}: ahead of every thread-safe peer | {measured} | {verdict} |"
        );
    }
    let size = r.bytes.get("bitwake");
    let _ = writeln!(
        s,
        "| `Channel<u32, 64>` ≤ 64 × 4 B + 32 B header | {} | {} |",
        size.map_or("n/a".into(), |b| format!(
            "{b:.0} B (header {:.0} B)",
            b - 256.0
        )),
        match size {
            Some(&b) if b <= 288.0 => "met",
            Some(_) => "**missed**",
            None => "n/a",
        }
    );
    let ping = median(r.ns.get(&key("chan_ping", "bitwake")));
    let (measured, verdict) = match (ping, handoff) {
        (Some(p), Some(h)) if h > 0.0 => (
            format!(
                "{} ns per message = {:.2}× the hand-off ({} ns)",
                fmt(p),
                p / h,
                fmt(h)
            ),
            if p <= 2.0 * h { "met" } else { "**missed**" },
        ),
        _ => ("n/a".into(), "n/a"),
    };
    let _ = writeln!(
        s,
        "| chan_ping ≤ 2× bitwake's hand-off | {measured} | {verdict} |"
    );
    let heap_zero = ROWS.iter().all(|&(sc, _)| {
        r.heap
            .get(&key(sc, "bitwake"))
            .is_some_and(|v| v.iter().all(|&h| h == 0.0))
    });
    let _ = writeln!(
        s,
        "| zero heap (every bitwake repetition) | {} | {} |\n",
        if heap_zero { "0 B" } else { "see heap column" },
        if heap_zero { "met" } else { "**missed**" }
    );
}
