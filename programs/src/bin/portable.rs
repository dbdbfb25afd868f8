//! One source file, every target: the same program runs as a freestanding
//! Linux binary (x86-64, aarch64; the `portable` bin of `programs/`) and on
//! every microcontroller board (the `portable` example of `mcu/`, under QEMU
//! system mode), and prints the same lines everywhere:
//!
//! ```text
//! tick 1
//! tick 2
//! tick 3
//! join: 3 + 4 = 7
//! select: the 5 ms sleep won
//! timeout: elapsed
//! timeout: 42
//! portable: ok
//! ```
//!
//! Nothing in it names a platform: `bitwake::main!` and `bitwake::println!`
//! expand to the Linux start-up and `write(2)`, or to `bitwake-mcu`'s
//! reset-handler entry and semihosting; `bitwake::spawn`/`block_on` park in
//! `epoll_pwait` or `WFI`; the timers run on `CLOCK_MONOTONIC` or the
//! board's SysTick / `mtime`. Every timing it checks is a lower bound (a
//! timer is never early), so a busy host cannot make it fail.
#![no_std]
#![no_main]

use bitwake::executor::{Either, JoinHandle, join, select};
use bitwake::println;
use bitwake::time::{Duration, Instant, interval, sleep, timeout};

bitwake::main!(main);

/// The ticker's period.
const PERIOD: Duration = Duration::from_millis(10);
/// How many ticks the ticker prints.
const TICKS: u32 = 3;

bitwake::task! {
    pool_size = 1;
    /// Prints `tick N` on an interval (the first tick at once), `count`
    /// times; returns how many ticks it saw.
    async fn ticker(count: u32) -> u32 {
        let Some(mut every) = interval(PERIOD) else {
            return 0;
        };
        for n in 1..=count {
            every.tick().await;
            println!("tick {n}");
        }
        count
    }
}

bitwake::task! {
    pool_size = 2;
    /// Sleeps `ms` milliseconds, then returns `value`.
    async fn after(ms: u64, value: u32) -> u32 {
        sleep(Duration::from_millis(ms)).await;
        value
    }
}

fn main() -> i32 {
    match bitwake::block_on(run()) {
        Ok(()) => {
            println!("portable: ok");
            0
        }
        Err(why) => {
            println!("portable: FAILED: {why}");
            1
        }
    }
}

async fn run() -> Result<(), &'static str> {
    // A task on an interval; the main future awaits its JoinHandle.
    let start = Instant::now();
    let ticks: JoinHandle<u32> = bitwake::spawn(ticker(TICKS)).map_err(|_| "spawn ticker")?;
    if ticks.await != Ok(TICKS) {
        return Err("the ticker did not finish its ticks");
    }
    if start.elapsed() < PERIOD * (TICKS - 1) {
        return Err("the ticks came early");
    }

    // join: two tasks run at once; both outputs come back.
    let start = Instant::now();
    let a = bitwake::spawn(after(20, 3)).map_err(|_| "spawn a")?;
    let b = bitwake::spawn(after(10, 4)).map_err(|_| "spawn b")?;
    let (a, b) = join(a, b).await;
    let (a, b) = (a.map_err(|_| "join a")?, b.map_err(|_| "join b")?);
    if start.elapsed() < Duration::from_millis(20) {
        return Err("join finished before its longer task");
    }
    println!("join: {a} + {b} = {}", a + b);

    // select: the first future to finish wins; the other is dropped, and
    // with it its timer.
    let start = Instant::now();
    match select(
        sleep(Duration::from_millis(5)),
        sleep(Duration::from_secs(10)),
    )
    .await
    {
        Either::Left(()) => println!("select: the 5 ms sleep won"),
        Either::Right(()) => return Err("select: the 10 s sleep won"),
    }
    if start.elapsed() < Duration::from_millis(5) {
        return Err("the 5 ms sleep was early");
    }
    if bitwake::time::driver::pending_timers() != 0 {
        return Err("the losing sleep's timer is still queued");
    }

    // timeout: gives up on a future that never finishes...
    let start = Instant::now();
    match timeout(Duration::from_millis(5), core::future::pending::<()>()).await {
        Err(_elapsed) => println!("timeout: elapsed"),
        Ok(()) => return Err("a pending future finished"),
    }
    if start.elapsed() < Duration::from_millis(5) {
        return Err("the timeout was early");
    }
    // ...and passes through the output of one that finishes in time.
    let task = bitwake::spawn(after(5, 42)).map_err(|_| "spawn after")?;
    match timeout(Duration::from_secs(10), task).await {
        Ok(Ok(v)) => println!("timeout: {v}"),
        Ok(Err(_)) => return Err("the task under timeout failed"),
        Err(_elapsed) => return Err("timeout: 5 ms took more than 10 s"),
    }
    Ok(())
}
