//! Actor scenarios: bitwake::actor side by side with actix, kameo and
//! ractor (each on one thread), interleaved and pinned like the executor
//! table; plus heap and static bytes per actor and per ring message.

use crate::stats::{fmt, summary};
use crate::{Config, Samples, first_line, parse_results, pinned, run_capture};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

const CONTENDERS: &[(&str, &str)] = &[
    ("bitwake", "actors_bitwake"),
    ("actix", "actors_actix"),
    ("kameo", "actors_kameo"),
    ("ractor", "actors_ractor"),
];

/// (key, scenario, result name, title, contenders that implement it).
struct Row {
    scenario: &'static str,
    result: &'static str,
    title: &'static str,
    who: &'static [&'static str],
}

const ROWS: &[Row] = &[
    Row {
        scenario: "ring",
        result: "actor_ring",
        title: "actor_ring: 1000 actors, one token 1000 laps (10⁶ tells), ns per message",
        who: &["bitwake", "actix", "kameo", "ractor"],
    },
    Row {
        scenario: "ask",
        result: "actor_ask",
        title: "actor_ask: request/reply round trips to one actor, ns per round trip",
        who: &["bitwake", "actix", "kameo", "ractor"],
    },
    Row {
        scenario: "restart",
        result: "actor_restart",
        title: "actor_restart: a supervised actor fails, is restarted with fresh state, answers an ask; ns per cycle",
        who: &["bitwake", "actix", "kameo", "ractor"],
    },
];

#[derive(Default)]
pub struct Actors {
    cells: BTreeMap<(&'static str, &'static str), Samples>,
    errors: BTreeMap<(&'static str, &'static str), String>,
    bytes: BTreeMap<&'static str, Vec<(String, f64)>>,
}

fn params(cfg: &Config) -> Vec<String> {
    if cfg.mode.quick {
        vec![
            "laps=300".into(),
            "asks=30000".into(),
            "restarts=3000".into(),
        ]
    } else {
        vec![
            "laps=1000".into(),
            "asks=100000".into(),
            "restarts=10000".into(),
        ]
    }
}

pub fn run(cfg: &Config) -> Actors {
    let mut a = Actors::default();
    for row in ROWS {
        let who: Vec<_> = CONTENDERS
            .iter()
            .filter(|(l, _)| row.who.contains(l))
            .collect();
        eprintln!("runner: {} ({} contenders)", row.result, who.len());
        for round in 0..cfg.mode.rounds {
            for k in 0..who.len() {
                let (label, bin) = *who[(k + round) % who.len()];
                let key = (row.result, label);
                if a.errors.contains_key(&key) {
                    continue;
                }
                let path = cfg.bins.join(bin);
                if !path.exists() {
                    a.errors.insert(key, "not built".into());
                    continue;
                }
                let mut cmd = pinned(cfg, &path);
                cmd.arg(row.scenario)
                    .args(params(cfg))
                    .arg(format!("reps={}", cfg.mode.reps));
                match run_capture(cmd, Duration::from_secs(120)) {
                    Ok(out) => {
                        let v: Vec<f64> = parse_results(&out)
                            .into_iter()
                            .filter(|(n, _)| n == row.result)
                            .map(|(_, v)| v)
                            .collect();
                        if v.is_empty() {
                            a.errors.insert(key, "no result".into());
                        } else {
                            a.cells.entry(key).or_default().extend(v);
                        }
                    }
                    Err(e) => {
                        eprintln!("runner: {e}");
                        a.errors.insert(key, first_line(&e));
                    }
                }
            }
        }
    }
    for (label, bin) in CONTENDERS {
        let mut cmd = pinned(cfg, &cfg.bins.join(bin));
        cmd.arg("bytes");
        if let Ok(out) = run_capture(cmd, Duration::from_secs(60)) {
            a.bytes.insert(label, parse_results(&out));
        }
    }
    a
}

fn bytes_of(a: &Actors, label: &str, name: &str) -> String {
    a.bytes
        .get(label)
        .and_then(|v| v.iter().find(|(n, _)| n == name))
        .map_or("–".into(), |(_, v)| fmt(*v))
}

/// The markdown section.
pub fn render(a: &Actors) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## 9. Actors: bitwake::actor vs actix, kameo, ractor\n");
    let _ = writeln!(
        s,
        "Same scenarios in every framework (`bench/actors`), one thread each: bitwake on its static executor with a spinning park; actix on actix-rt; kameo and ractor on tokio current_thread. Versions pinned in `bench/actors/Cargo.toml`. **vs bitwake** = contender ÷ bitwake (above 1.00× bitwake is faster). Goal: ≥ 10× the fastest contender in ring and ask, 0 heap.\n"
    );
    for row in ROWS {
        let _ = writeln!(s, "### {}\n", row.title);
        let _ = writeln!(s, "| contender | median (min–max) | samples | vs bitwake |");
        let _ = writeln!(s, "|---|---|---|---|");
        let base = a.cells.get(&(row.result, "bitwake")).map(|v| summary(v).0);
        for (label, _) in CONTENDERS.iter().filter(|(l, _)| row.who.contains(l)) {
            let key = (row.result, *label);
            match a.cells.get(&key) {
                Some(v) => {
                    let (med, lo, hi) = summary(v);
                    let ratio = base.map_or("–".into(), |b| format!("{:.2}×", med / b));
                    let _ = writeln!(
                        s,
                        "| {label} | {} ({}–{}) | {} | {ratio} |",
                        fmt(med),
                        fmt(lo),
                        fmt(hi),
                        v.len()
                    );
                }
                None => {
                    let why = a.errors.get(&key).map_or("n/a", String::as_str);
                    let _ = writeln!(s, "| {label} | {why} | 0 | – |");
                }
            }
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "### Memory per actor and per message\n");
    let _ = writeln!(
        s,
        "Heap counted by a global allocator in each process. bitwake's static bytes per actor = its cell (a `Mailbox<_, 4>` and the control block) + the task that runs its loop (the loop's future and the slot's 4-byte word), for the ring's node (16 bytes of state)."
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| contender | heap B/actor | heap allocs/actor | static B/actor | heap B/ring msg | allocs/ring msg |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (label, _) in CONTENDERS {
        let _ = writeln!(
            s,
            "| {label} | {} | {} | {} | {} | {} |",
            bytes_of(a, label, "actor_heap_bytes"),
            bytes_of(a, label, "actor_heap_allocs"),
            bytes_of(a, label, "actor_static_bytes"),
            bytes_of(a, label, "ring_msg_heap_bytes"),
            bytes_of(a, label, "ring_msg_heap_allocs"),
        );
    }
    let _ = writeln!(s);
    s
}
