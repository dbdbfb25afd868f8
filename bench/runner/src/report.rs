//! Renders BENCHMARKS.md from one run's results.

use crate::net::{Net, Results, SYSCOST};
use crate::stats::{fmt, summary};
use crate::{CONTENDERS, Config, Micro, micro_rows};
use std::fmt::Write;
use std::time::Duration;

fn machine() -> (String, usize, String) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    (model, cores, kernel)
}

fn now_utc() -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// "median (min–max)" of a cell.
fn cell(v: Option<&Vec<f64>>) -> String {
    match v {
        Some(v) if !v.is_empty() => {
            let (m, lo, hi) = summary(v);
            format!("{} ({}–{})", fmt(m), fmt(lo), fmt(hi))
        }
        _ => "–".into(),
    }
}

fn median(v: Option<&Vec<f64>>) -> Option<f64> {
    v.filter(|v| !v.is_empty()).map(|v| summary(v).0)
}

/// How many times better bitwake is: `other / bitwake` for costs,
/// `bitwake / other` for throughput. > 1 means bitwake wins.
fn speedup(bitwake: Option<f64>, other: Option<f64>, higher_is_better: bool) -> String {
    match (bitwake, other) {
        (Some(b), Some(o)) if b > 0.0 && o > 0.0 => {
            let r = if higher_is_better { b / o } else { o / b };
            format!("{r:.2}×")
        }
        _ => "–".into(),
    }
}

/// `/proc/loadavg`'s first three fields: how busy the shared machine was.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn render(
    cfg: &Config,
    micro: &Micro,
    channels: &crate::channel::Channels,
    net: &Net,
    prof: Option<&crate::profile::Profile>,
    took: Duration,
    load_before: &str,
) -> String {
    let mut s = String::new();
    let (model, cores, kernel) = machine();
    let mode = if cfg.mode.quick {
        "`cargo xtask bench --quick`"
    } else {
        "`cargo xtask bench`"
    };
    let _ = writeln!(s, "# bitwake benchmarks\n");
    let _ = writeln!(
        s,
        "Written by {mode} on {} — commit `{}` — CPU: {model}, {cores} cores, Linux {kernel} — \
         whole run {:.0} s — load average before / after: {load_before} / {}.\n",
        now_utc(),
        cfg.commit,
        took.as_secs_f64(),
        loadavg()
    );
    let _ = writeln!(
        s,
        "The machine is a shared 2-vCPU VM: a load average above 1 means other work (compiles) \
         shared the pinned CPU during the run, and spreads the min–max; compare ratios from one \
         run, not absolute numbers across runs.\n"
    );
    let _ = writeln!(
        s,
        "Method: every contender runs as its own process, pinned with `taskset -c {}`; \
         contenders are interleaved (A B C, then B C A, …) for {} rounds; each process does \
         one untimed warm-up and then {} timed repetition(s). Cells are **median (min–max)** \
         over all samples of this one run. **vs bitwake** = how many times better bitwake is \
         (contender ÷ bitwake for costs, bitwake ÷ contender for throughput): above 1.00× \
         bitwake wins. Sources: `bench/` (see `bench/README.md`). Goals are reported, never \
         asserted; why a goal is missed is analysed in `bench/FINDINGS.md`.\n",
        cfg.cpu, cfg.mode.rounds, cfg.mode.reps
    );
    for n in &cfg.notes {
        let _ = writeln!(s, "> {n}\n");
    }
    goals(&mut s, micro, net, prof);
    micro_tables(&mut s, cfg, micro);
    profile(&mut s, prof);
    crate::channel::render(
        &mut s,
        channels,
        median(micro_get(micro, "ping1000", "bitwake")),
    );
    syscost(&mut s, net);
    timers(&mut s, net);
    echo(&mut s, net);
    c10k(&mut s, net);
    crate::c100k::section(&mut s, &net.c100k, cell);
    footprint(&mut s, micro, net);
    s
}

fn micro_get<'a>(m: &'a Micro, row: &str, who: &str) -> Option<&'a Vec<f64>> {
    m.cells.get(&(row.to_owned(), who.to_owned()))
}

fn goal_line(s: &mut String, goal: &str, measured: String, met: Option<bool>) {
    let verdict = match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "n/a",
    };
    let _ = writeln!(s, "| {goal} | {measured} | {verdict} |");
}

fn goals(s: &mut String, m: &Micro, net: &Net, prof: Option<&crate::profile::Profile>) {
    let _ = writeln!(
        s,
        "## Goals\n\nWall-time verdicts move with the machine's load (see the load average \
         above); the pool-growth verdict and the instruction table below do not.\n\n\
         | goal | measured (bitwake median) | verdict |\n|---|---|---|"
    );
    let one = |row: &str| median(micro_get(m, row, "bitwake"));
    let ns = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{} ns", fmt(v)));
    let y = one("yield");
    goal_line(s, "≤ 4 ns per yield", ns(y), y.map(|v| v <= 4.0));
    let pings: Vec<Option<f64>> = ["ping64", "ping1000", "ping4096"]
        .iter()
        .map(|r| one(r))
        .collect();
    let worst = pings
        .iter()
        .flatten()
        .cloned()
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
    goal_line(
        s,
        "≤ 10 ns per hand-off (capacity 64 / 1000 / 4096)",
        pings.iter().map(|p| ns(*p)).collect::<Vec<_>>().join(" / "),
        worst.map(|w| w <= 10.0),
    );
    let floor = |row: &str| median(micro_get(m, row, "floor"));
    let ratio = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b);
    let handoff_x = ratio(worst, floor("ping1000"));
    goal_line(
        s,
        "hand-off ≤ 1.3× the floor, same run (worst capacity ÷ the floor's ping_pong)",
        handoff_x.map_or("n/a".into(), |x| format!("{x:.2}×")),
        handoff_x.map(|x| x <= 1.3),
    );
    let full_x = ratio(one("spawn_full"), floor("spawn_full"));
    goal_line(
        s,
        "spawn into a 999/1000-full pool ≤ 1.5× the floor, same run",
        full_x.map_or("n/a".into(), |x| format!("{x:.2}×")),
        full_x.map(|x| x <= 1.5),
    );
    // Judged on instructions and locked RMWs when callgrind ran (they do
    // not move with the machine's load); on wall time otherwise.
    let c64 = prof_bitwake(prof, "ping_pong, bitwake capacity 64");
    let c4096 = prof_bitwake(prof, "ping_pong, bitwake capacity 4096");
    match (c64, c4096) {
        (Some((i64_, l64)), Some((i4k, l4k))) => goal_line(
            s,
            "a pass does not cost more as the pool grows (capacity 4096 vs 64: instructions within 5 %, same locked RMWs)",
            format!(
                "{i64_:.0} → {i4k:.0} instructions, {l64:.1} → {l4k:.1} locked RMWs per hand-off"
            ),
            Some(i4k <= i64_ * 1.05 && l4k <= l64 + 0.05),
        ),
        _ => goal_line(
            s,
            "a pass does not cost more as the pool grows (wall time, 4096 within 10 % of 64)",
            match (pings[0], pings[2]) {
                (Some(a), Some(b)) => format!("{:+.0} %", (b / a - 1.0) * 100.0),
                _ => "n/a".into(),
            },
            match (pings[0], pings[2]) {
                (Some(a), Some(b)) => Some(b <= a * 1.10),
                _ => None,
            },
        ),
    }
    let sp = one("spawn");
    let sf = one("spawn_full");
    goal_line(
        s,
        "≤ 10 ns spawn+run at any occupancy (empty / 999 of 1000 full)",
        format!("{} / {}", ns(sp), ns(sf)),
        match (sp, sf) {
            (Some(a), Some(b)) => Some(a <= 10.0 && b <= 10.0),
            _ => None,
        },
    );
    // Echo: the worst ratio over the grid.
    let mut vs_tokio: Vec<f64> = Vec::new();
    let mut vs_epoll: Vec<f64> = Vec::new();
    for &(c, z) in &net.echo_grid {
        let row = format!("{c}x{z}");
        let b = median(net.echo.get(&row, "bitwake", "reqs_per_s"));
        if let Some(b) = b {
            if let Some(t) = median(net.echo.get(&row, "tokio_ct", "reqs_per_s")) {
                vs_tokio.push(b / t);
            }
            if let Some(e) = median(net.echo.get(&row, "epoll loop", "reqs_per_s")) {
                vs_epoll.push(b / e);
            }
        }
    }
    let minr = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let bw_sys = net
        .strace
        .iter()
        .filter(|x| x.0 == "bitwake")
        .filter_map(|x| x.2.as_ref().ok())
        .map(|x| x.0)
        .reduce(f64::max);
    if vs_tokio.is_empty() {
        goal_line(
            s,
            "echo ≥ 1.10× tokio (every cell)",
            "n/a (no bitwake echo server)".into(),
            None,
        );
        goal_line(
            s,
            "echo ≥ 0.98× the epoll loop at ≤ 2.1 syscalls/request",
            "n/a".into(),
            None,
        );
    } else {
        let t = minr(&vs_tokio);
        goal_line(
            s,
            "echo ≥ 1.10× tokio (worst cell)",
            format!("{t:.2}×"),
            Some(t >= 1.10),
        );
        let e = minr(&vs_epoll);
        goal_line(
            s,
            "echo ≥ 0.98× the epoll loop (worst cell) at ≤ 2.1 syscalls/request",
            format!(
                "{e:.2}×, {} syscalls/request",
                bw_sys.map_or("n/a".into(), |v| format!("{v:.2}"))
            ),
            Some(e >= 0.98 && bw_sys.is_some_and(|v| v <= 2.1)),
        );
    }
    let c = median(net.c10k.get("c10k", "bitwake delayserver", "wall_ms"));
    let errs = median(net.c10k.get("c10k", "bitwake delayserver", "errors"));
    goal_line(
        s,
        "C10k (10,000 × 1 s delay) done within 1.3 s, no errors",
        match (c, errs) {
            (Some(c), Some(e)) => format!("{:.2} s, {e:.0} errors", c / 1000.0),
            _ => net
                .c10k
                .error("c10k", "bitwake delayserver")
                .map_or("n/a".into(), |e| format!("n/a ({e})")),
        },
        match (c, errs) {
            (Some(c), Some(e)) => Some(c <= 1300.0 && e == 0.0),
            _ => None,
        },
    );
    let _ = writeln!(s);
}

fn micro_tables(s: &mut String, cfg: &Config, m: &Micro) {
    let _ = writeln!(
        s,
        "## 1–3. Executor scenarios (ns per operation, lower is better)\n\n\
         Same task bodies everywhere (`bench/common`): `yield_now` = wake_by_ref + Pending once; \
         ping-pong = two tasks and two one-bit flags with a stored waker; spawn = empty tasks \
         joined through the executor's handle (embassy and the floor count completions instead). \
         `floor` is a ~100-line single-threaded executor without atomics (boxed futures, a FIFO \
         of indices): the reference for what is physically possible. Only bitwake has a pool \
         capacity to sweep in ping_pong; the peers are measured once (capacity 1000 row). \
         bitwake is the hosted build (`bench/bitwake`, features `linux,std`): a wake on the \
         executor's own thread finds its owner through `thread_local!` and takes the plain path \
         (no locked instruction); freestanding programs find it through their own thread \
         pointer instead.\n"
    );
    for row in micro_rows(cfg.mode) {
        let who: Vec<_> = CONTENDERS
            .iter()
            .filter(|c| c.scenarios.contains(&row.scenario))
            .filter(|c| !row.bitwake_only || c.label == "bitwake")
            .collect();
        let b = median(micro_get(m, row.key, "bitwake"));
        let floor = median(micro_get(m, row.key, "floor"));
        let _ = writeln!(
            s,
            "### {}\n\n| contender | median (min–max) | samples | vs bitwake | × floor |\n|---|---|---|---|---|",
            row.title
        );
        for c in who {
            let v = micro_get(m, row.key, c.label);
            let err = m.errors.get(&(row.key.to_owned(), c.label.to_owned()));
            let shown = match (v, err) {
                (Some(_), _) => cell(v),
                (None, Some(e)) => format!("n/a ({e})"),
                _ => "–".into(),
            };
            let xf = match (median(v), floor) {
                (Some(a), Some(f)) => format!("{:.2}", a / f),
                _ => "–".into(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                c.label,
                shown,
                v.map_or(0, |v| v.len()),
                if c.label == "bitwake" {
                    "1.00×".into()
                } else {
                    speedup(b, median(v), false)
                },
                xf
            );
        }
        let _ = writeln!(s);
    }
}

fn profile(s: &mut String, prof: Option<&crate::profile::Profile>) {
    let _ = writeln!(
        s,
        "### Instructions per operation (callgrind; deterministic, unlike the times above)\n\n\
         `valgrind --tool=callgrind --dump-instr=yes`, two sizes per contender, difference ÷ extra \
         operations (start-up and set-up cancel out). Each cell: **instructions / locked \
         read-modify-writes** (`lock`-prefixed or `xchg` with memory, found with `objdump`). \
         Instructions are not time — one locked RMW costs about as much as dozens of plain \
         instructions — but neither number moves with the machine's load.\n"
    );
    let Some(prof) = prof else {
        let _ = writeln!(s, "n/a (valgrind not available)\n");
        return;
    };
    let who: Vec<&str> = crate::profile::WHO.iter().map(|w| w.0).collect();
    let _ = writeln!(
        s,
        "| scenario | {} |\n|---|{}",
        who.join(" | "),
        "---|".repeat(who.len())
    );
    for (label, cells) in prof {
        let mut line = format!("| {label} |");
        for (_, r) in cells {
            match r {
                Ok((ins, locked)) => {
                    let _ = write!(line, " {ins:.0} / {locked:.1} |");
                }
                Err(e) if e == "–" => line.push_str(" – |"),
                Err(e) => {
                    let _ = write!(line, " n/a ({}) |", crate::first_line(e));
                }
            }
        }
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(s);
}

/// bitwake's (instructions, locked RMWs) per operation in the profile row
/// whose label starts with `prefix`.
fn prof_bitwake(prof: Option<&crate::profile::Profile>, prefix: &str) -> Option<(f64, f64)> {
    prof?
        .iter()
        .find(|(l, _)| l.starts_with(prefix))?
        .1
        .iter()
        .find(|(w, _)| w == "bitwake")?
        .1
        .as_ref()
        .ok()
        .copied()
}

fn syscost(s: &mut String, net: &Net) {
    let _ = writeln!(
        s,
        "## 6. System-call cost: `write(/dev/null, 1 byte)`, ns per call\n\n\
         | path | median (min–max) | vs bitwake |\n|---|---|---|"
    );
    let b = median(net.syscost.get("write", "bitwake", "ns"));
    for (who, _, _) in SYSCOST {
        let v = net.syscost.get("write", who, "ns");
        let shown = match (v, net.syscost.error("write", who)) {
            (Some(_), _) => cell(v),
            (None, Some(e)) => format!("n/a ({e})"),
            _ => "–".into(),
        };
        let _ = writeln!(s, "| {who} | {shown} | {} |", speedup(b, median(v), false));
    }
    let _ = writeln!(s);
}

fn timers(s: &mut String, net: &Net) {
    let _ = writeln!(
        s,
        "## 4. Timers: 10,000 tasks sleeping seeded-random 1–100 ms\n\n\
         Lateness = wake time − deadline (deadlines are taken before spawning, so slow spawning \
         shows up as lateness). CPU = user + system time of the whole process.\n\n\
         | contender | mean lateness µs | p99 lateness µs | CPU ms | wall ms | vs bitwake (CPU) |\n|---|---|---|---|---|---|"
    );
    let b = median(net.timers.get("timers", "bitwake", "cpu_ms"));
    for who in &net.timer_contenders {
        if let Some(e) = net.timers.error("timers", who) {
            let _ = writeln!(s, "| {who} | n/a ({e}) | | | | |");
            continue;
        }
        let g = |m: &str| cell(net.timers.get("timers", who, m));
        let _ = writeln!(
            s,
            "| {who} | {} | {} | {} | {} | {} |",
            g("late_mean_us"),
            g("late_p99_us"),
            g("cpu_ms"),
            g("wall_ms"),
            speedup(b, median(net.timers.get("timers", who, "cpu_ms")), false)
        );
    }
    let _ = writeln!(s);
}

fn err_or(r: &Results, row: &str, who: &str) -> String {
    r.error(row, who)
        .or_else(|| r.error("all", who))
        .map_or("–".into(), |e| format!("n/a ({e})"))
}

fn echo(s: &mut String, net: &Net) {
    let _ = writeln!(
        s,
        "## 5. Echo: closed-loop client and server on the same CPU\n\n\
         The client (`bench/net/src/bin/echo_client.rs`, a hand-written epoll loop) keeps C \
         connections each with one message in flight. Servers: bitwake (freestanding), tokio \
         current_thread (`enable_all`, task per connection) and a hand-written epoll loop (the \
         ceiling), all pinned to the client's CPU; then bitwake `--threads 2` (a core per CPU, \
         one `SO_REUSEPORT` listener each) and tokio multi_thread with 2 workers, which use both \
         CPUs and so share one with the client: their rows measure the whole machine, not a \
         server given a second CPU of its own. Cells: requests/s (median, min–max) and server \
         CPU ns per request (`/proc/PID/stat`, 10 ms ticks, all threads).\n"
    );
    let _ = writeln!(
        s,
        "| conns × bytes | {} | vs tokio | vs epoll loop | ×2 vs bitwake | ×2 vs tokio_mt ×2 |\n|---|{}---|---|---|---|",
        net.echo_servers
            .iter()
            .map(|w| format!("{w} req/s | {w} ns/req"))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|---|".repeat(net.echo_servers.len())
    );
    for &(c, z) in &net.echo_grid {
        let row = format!("{c}x{z}");
        let mut line = format!("| {c} × {z} B |");
        for w in &net.echo_servers {
            let v = net.echo.get(&row, w, "reqs_per_s");
            if v.is_none() {
                let _ = write!(line, " {} | |", err_or(&net.echo, &row, w));
                continue;
            }
            let _ = write!(
                line,
                " {} | {} |",
                cell(v),
                fmt(median(net.echo.get(&row, w, "server_ns_per_req")).unwrap_or(f64::NAN))
            );
        }
        let b = median(net.echo.get(&row, "bitwake", "reqs_per_s"));
        let _ = writeln!(
            line,
            " {} | {} |",
            speedup(
                b,
                median(net.echo.get(&row, "tokio_ct", "reqs_per_s")),
                true
            ),
            speedup(
                b,
                median(net.echo.get(&row, "epoll loop", "reqs_per_s")),
                true
            )
        );
        let b2 = median(net.echo.get(&row, crate::net::BITWAKE_X2, "reqs_per_s"));
        let line = line.trim_end_matches('\n').to_owned();
        let _ = writeln!(
            s,
            "{line} {} | {} |",
            speedup(b2, b, true),
            speedup(
                b2,
                median(net.echo.get(&row, crate::net::TOKIO_MT2, "reqs_per_s")),
                true
            )
        );
    }
    let _ = writeln!(
        s,
        "\nSyscalls per request (server side, `strace -f -c -p` attached during a run with 1 and \
         with 16 connections × 64 B; strace slows the server, the counts are what matters; the \
         goal uses the larger of the two):\n\n| server | conns | syscalls/request | largest |\n|---|---|---|---|"
    );
    for (who, conns, r) in &net.strace {
        match r {
            Ok((t, top)) => {
                let tops = top
                    .iter()
                    .filter(|x| x.1 >= 0.005)
                    .map(|(n, v)| format!("{n} {v:.2}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = writeln!(s, "| {who} | {conns} | {t:.2} | {tops} |");
            }
            Err(e) => {
                let _ = writeln!(s, "| {who} | {conns} | n/a ({}) | |", crate::first_line(e));
            }
        }
    }
    let _ = writeln!(s);
}

fn c10k(s: &mut String, net: &Net) {
    let _ = writeln!(
        s,
        "## 7. C10k: {} concurrent `GET /1000/…` against a delay server\n\n\
         Server pinned to the benchmark CPU, client (`c10k_client`, one epoll loop, fd limit \
         raised with setrlimit) on the other CPU; the `--threads 2` / `×2` servers use both \
         CPUs, one shared with the client. Wall = first connect to last answer.\n\n\
         | server | wall ms | answered | errors | server peak RSS kB | server CPU ms | client CPU ms |\n|---|---|---|---|---|---|---|",
        net.c10k_n
    );
    for (row, what) in [
        ("c10k", "1 s delay"),
        ("c10k0", "0 ms delay (set-up cost only)"),
    ] {
        for who in &net.c10k_servers {
            if let Some(e) = net.c10k.error(row, who)
                && net.c10k.get(row, who, "wall_ms").is_none()
            {
                let _ = writeln!(s, "| {who}, {what} | n/a ({e}) | | | | | |");
                continue;
            }
            let g = |m: &str| cell(net.c10k.get(row, who, m));
            let _ = writeln!(
                s,
                "| {who}, {what} | {} | {} | {} | {} | {} | {} |",
                g("wall_ms"),
                g("answered"),
                g("errors"),
                g("server_peak_rss_kb"),
                g("server_cpu_ms"),
                g("client_cpu_ms")
            );
        }
    }
    let _ = writeln!(s);
}

fn footprint(s: &mut String, m: &Micro, net: &Net) {
    let _ = writeln!(
        s,
        "## 8. Footprint\n\nStripped binary sizes (`strip` on a copy). bitwake programs are \
         freestanding (no libc); the peers are std programs built with `--profile footprint` \
         (opt-level s, fat LTO, panic abort, stripped).\n\n| program | bytes |\n|---|---|"
    );
    for (label, r) in &net.sizes {
        match r {
            Ok(b) => {
                let _ = writeln!(s, "| {label} | {} |", fmt(*b as f64));
            }
            Err(e) => {
                let _ = writeln!(s, "| {label} | n/a ({e}) |");
            }
        }
    }
    let _ = writeln!(
        s,
        "\nBytes per task (1000 parked tasks): heap from a counting global allocator, static = \
         pool slot bytes per task where the executor has static pools.\n\n\
         | contender | heap B/task | allocations/task | static B/task |\n|---|---|---|---|"
    );
    for (who, r) in &m.task_bytes {
        let g = |k: &str| r.iter().find(|x| x.0 == k).map_or("–".into(), |x| fmt(x.1));
        let _ = writeln!(
            s,
            "| {who} | {} | {} | {} |",
            g("task_heap_bytes"),
            g("task_heap_allocs"),
            g("task_static_bytes")
        );
    }
    let _ = writeln!(s);
}
