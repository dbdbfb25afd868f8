//! Thread-per-core, shown: `cargo xtask run cores [-- ROUNDS]`.
//!
//! Starts one executor per core (up to the CPUs this process may use, at
//! most 4), each on its own pinned thread with its own reactor, and prints
//!
//! * which core, on which CPU, polls the tasks started with `spawn_on`
//!   (one task function for every core: `task!` with `cores`);
//! * a cross-core ping-pong over two `sync::Channel`s between core 0 and
//!   core 1: round trips, nanoseconds per round trip, and how many of the
//!   wakes found the other core asleep in its reactor (eventfd writes)
//!   rather than busy or spinning (no syscall at all).
#![no_std]
#![no_main]

use bitwake::executor::yield_now;
use bitwake::println;
use bitwake::rt::cores::{self, Cores};
use bitwake::sync::Channel;
use bitwake::sys::Errno;
use bitwake::time::Instant;

bitwake::main!(main);

/// The most cores this program starts.
const MAX_CORES: usize = 4;

bitwake::task! {
    pool_size = 4;
    cores = MAX_CORES;
    /// Reports where it runs, then yields a few times (each poll on the
    /// same core: a task never moves). One function for every core: each
    /// core's executor gets a pool of its own.
    async fn hello(asked: usize) -> (usize, Option<usize>) {
        let mut seen = cores::current();
        for _ in 0..3 {
            yield_now().await;
            if cores::current() != seen {
                seen = None;
            }
        }
        (asked, seen)
    }
}

static PING: Channel<u32, 1> = Channel::new();
static PONG: Channel<u32, 1> = Channel::new();

bitwake::task! {
    pool_size = 1;
    /// Core 1's side of the ping-pong: answers every ping.
    async fn ponger(rounds: u32) -> u32 {
        let mut n = 0;
        while n < rounds {
            let Ok(v) = PING.recv().await else { break };
            if PONG.send(v).await.is_err() {
                break;
            }
            n += 1;
        }
        n
    }
}

fn rounds() -> u32 {
    bitwake::rt::args()
        .nth(1)
        .and_then(|a| core::str::from_utf8(a).ok())
        .and_then(|a| a.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(100_000)
}

fn main() -> Result<(), Errno> {
    let cpus = bitwake::thread::available_cpus()?.count();
    let n = cpus.clamp(2, MAX_CORES);
    let pinned = cpus >= n;
    let rounds = rounds();
    println!("{cpus} CPUs available: {n} cores, pinned: {pinned}");
    let r = Cores::new(n).pinned(pinned).run(async move {
        for i in 0..n {
            match cores::cpu_of(i) {
                Some(c) => println!("core {i}: executor on CPU {c}"),
                None => println!("core {i}: executor, not pinned"),
            }
        }
        // spawn_on: the same task function on every core; each task
        // reports the core that polled it.
        for i in 0..n {
            match cores::spawn_on(i, hello(i)) {
                Ok(h) => match h.await {
                    Ok((asked, got)) => println!("spawn_on({asked}): polled on core {got:?}"),
                    Err(e) => println!("spawn_on({i}): {e}"),
                },
                Err(e) => println!("spawn_on({i}): {e}"),
            }
        }
        // The ping-pong.
        let Ok(pong) = cores::spawn_on(1, ponger(rounds)) else {
            println!("ping-pong: could not spawn the ponger");
            return false;
        };
        let sleeps = (cores::eventfd_wakes(0), cores::eventfd_wakes(1));
        let start = Instant::now();
        let mut back = 0;
        for i in 0..rounds {
            if PING.send(i).await.is_err() {
                break;
            }
            match PONG.recv().await {
                Ok(v) if v == i => back += 1,
                _ => break,
            }
        }
        let took = start.elapsed().as_nanos();
        let answered = pong.await.unwrap_or(0);
        let woke = (
            cores::eventfd_wakes(0) - sleeps.0,
            cores::eventfd_wakes(1) - sleeps.1,
        );
        println!(
            "ping-pong core 0 <-> core 1: {back} round trips, {} ns per round trip",
            took / u128::from(back.max(1))
        );
        println!(
            "  wakes that found a core asleep (eventfd writes): core 0 {}, core 1 {} of {} each way",
            woke.0, woke.1, rounds
        );
        back == rounds && answered == rounds
    })?;
    if r {
        println!("cores: ok");
        Ok(())
    } else {
        println!("cores: ping-pong lost messages");
        Err(Errno::EIO)
    }
}
