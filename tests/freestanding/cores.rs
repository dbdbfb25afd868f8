//! The thread-per-core runtime (`bitwake::rt::cores`): spawn_on, which core
//! polls what, cross-core ping-pong over `sync` channels with exact counts,
//! timers on every core; run natively and under QEMU by `cargo xtask test`
//! (bin `test-cores`).
#![no_std]
#![no_main]
#![allow(clippy::result_large_err)]

use bitwake::executor::{JoinError, SpawnError};
use bitwake::rt::cores::{self, Cores};
use bitwake::rt::testing::{self, Outcome};
use bitwake::sync::Channel;
use bitwake::sys::Errno;
use bitwake::time::{Duration, Instant, sleep, timeout};
use bitwake::{cases, check, check_eq};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        spawn_on_runs_where_asked,
        cross_core_ping_pong_counts_exactly,
        many_tasks_wake_across_cores,
        sleeps_on_core_one,
        unfinished_tasks_are_cancelled_at_the_end,
        bad_configurations_are_errors,
    ])
}

/// Round trips of the ping-pong: cheap by default (the test runs natively
/// and under QEMU in every `cargo xtask test`); `BITWAKE_CORES_ROUNDS=N`
/// makes it a stress run (each round trip is two cross-core wakes).
fn rounds() -> u32 {
    bitwake::rt::env("BITWAKE_CORES_ROUNDS")
        .and_then(|v| core::str::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .filter(|&n| n >= 8)
        .unwrap_or(4_000)
}

bitwake::task! {
    pool_size = 2;
    async fn where_am_i(tag: u32) -> (u32, Option<usize>) {
        bitwake::executor::yield_now().await;
        (tag, cores::current())
    }
}

fn spawn_on_runs_where_asked() -> Outcome {
    let r = Cores::new(2).pinned(false).run(async {
        let on1 = cores::spawn_on(1, where_am_i(7)).map_err(|_| Errno::EAGAIN)?;
        let main_core = cores::current();
        let got = on1.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((main_core, got, cores::count()))
    })?;
    check_eq!(r?, (Some(0), (7, Some(1)), 2));
    check_eq!(cores::current(), None);
    check_eq!(cores::count(), 0);
    Ok(())
}

static PING: Channel<u32, 1> = Channel::new();
static PONG: Channel<u32, 1> = Channel::new();

bitwake::task! {
    pool_size = 1;
    async fn ponger(n: u32) -> u32 {
        let mut seen = 0;
        for i in 0..n {
            match PING.recv().await {
                Ok(v) if v == i => seen += 1,
                _ => break,
            }
            if PONG.send(i).await.is_err() {
                break;
            }
        }
        seen
    }
}

fn cross_core_ping_pong_counts_exactly() -> Outcome {
    let n = rounds();
    let r = Cores::new(2).run(async move {
        let h = cores::spawn_on(1, ponger(n)).map_err(|_| Errno::EAGAIN)?;
        let start = Instant::now();
        let mut back = 0;
        // A bound per round trip, not for the whole run: a slow machine
        // (QEMU on a loaded host) stretches every round trip a little, a
        // lost wake-up stretches one forever.
        let mut stuck = false;
        for i in 0..n {
            let round = timeout(Duration::from_secs(20), async {
                PING.send(i).await.ok()?;
                PONG.recv().await.ok()
            });
            match round.await {
                Ok(Some(v)) if v == i => back += 1,
                Ok(_) => break,
                Err(_) => {
                    stuck = true;
                    break;
                }
            }
        }
        // Whatever happened, let the ponger finish.
        PING.close();
        PONG.close();
        let seen = h.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((stuck, back, seen, start.elapsed()))
    });
    let (stuck, back, seen, took) = match r {
        // Fewer than two CPUs to pin to: nothing to check here.
        Err(Errno::EINVAL) => return Ok(()),
        r => r??,
    };
    check!(!stuck, "round trip {back} took over 20 s: a lost wake-up");
    check_eq!((back, seen), (n, n));
    // Stress runs report their pace on stderr (the harness reads stdout).
    if n > 4_000 {
        bitwake::eprintln!("{n} cross-core round trips in {} us", took.as_micros());
    }
    Ok(())
}

/// 16 tasks on core 1, each waiting for its own channel fed from core 0:
/// every message is a cross-core wake of one of many tasks in one bitmap.
const FAN: usize = 16;
static LANES: [Channel<u32, 4>; FAN] = [const { Channel::new() }; FAN];

bitwake::task! {
    pool_size = 16;
    async fn lane(k: usize, n: u32) -> u64 {
        let mut sum = 0u64;
        for _ in 0..n {
            match LANES[k].recv().await {
                Ok(v) => sum += v as u64,
                Err(_) => break,
            }
        }
        sum
    }
}

fn many_tasks_wake_across_cores() -> Outcome {
    let n = rounds() / 4;
    let r = Cores::new(2).pinned(false).run(async move {
        let mut hs: heapless::Vec<_, FAN> = heapless::Vec::new();
        for k in 0..FAN {
            let h = cores::spawn_on(1, lane(k, n)).map_err(|_| Errno::EAGAIN)?;
            let _ = hs.push(h);
        }
        for v in 0..n {
            for l in &LANES {
                if l.send(v).await.is_err() {
                    return Err(Errno::EPIPE);
                }
            }
        }
        let mut total = 0u64;
        for h in hs {
            total += h.await.map_err(|_| Errno::ECANCELED)?;
        }
        Ok::<_, Errno>(total)
    })?;
    let per = (n as u64) * (n as u64 - 1) / 2;
    check_eq!(r?, per * FAN as u64);
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    async fn nap() -> Option<usize> {
        sleep(Duration::from_millis(20)).await;
        cores::current()
    }
}

fn sleeps_on_core_one() -> Outcome {
    let r = Cores::new(2).pinned(false).run(async {
        let t = Instant::now();
        let h = cores::spawn_on(1, nap()).map_err(|_| Errno::EAGAIN)?;
        let core = h.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((core, t.elapsed()))
    })?;
    let (core, took) = r?;
    check_eq!(core, Some(1));
    check!(took >= Duration::from_millis(20), "{} us", took.as_micros());
    check!(took < Duration::from_secs(5), "{} us", took.as_micros());
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    async fn forever() {
        core::future::pending::<()>().await
    }
}

fn unfinished_tasks_are_cancelled_at_the_end() -> Outcome {
    let r = Cores::new(2)
        .pinned(false)
        .run(async { cores::spawn_on(1, forever()) })?;
    let h = r.map_err(|_| Errno::EAGAIN)?;
    check_eq!(bitwake::block_on(h), Err(JoinError::Cancelled));
    Ok(())
}

fn bad_configurations_are_errors() -> Outcome {
    check_eq!(Cores::new(0).run(async {}).err(), Some(Errno::EINVAL));
    check_eq!(
        Cores::new(cores::MAX_CORES + 1).run(async {}).err(),
        Some(Errno::EINVAL)
    );
    check_eq!(
        Cores::new(1000).pinned(true).run(async {}).err(),
        Some(Errno::EINVAL)
    );
    let nested = Cores::new(1).run(async { Cores::new(1).run(async {}).err() })?;
    check_eq!(nested, Some(Errno::EBUSY));
    check_eq!(
        cores::spawn_on(1, where_am_i(0)).err(),
        Some(SpawnError::NoSuchCore)
    );
    Ok(())
}
