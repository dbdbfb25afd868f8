//! The static executor in a freestanding program: spawn, join,
//! abort, full pools, wakes from a signal handler, `sync` channels and
//! mutexes between tasks that sleep, run natively and under
//! QEMU by `cargo xtask test` (bin `test-executor` in `programs/`).
#![no_std]
#![no_main]
// A failure carries its message inline (no heap), so it is large by design.
#![allow(clippy::result_large_err)]

use bitwake::executor::{Executor, JoinError, SpawnError, SpinPark, join, yield_now};
use bitwake::rt::testing::{self, Outcome};
use bitwake::{cases, check, check_eq};
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use core::task::{Context, Poll};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        spawn_and_join,
        full_pool_then_slot_frees,
        abort_drops_in_place,
        shutdown_drops_unfinished_tasks,
        yield_storm_is_fair,
        default_executor_parks_in_the_reactor,
        channel_between_tasks_that_sleep,
        mutex_held_across_a_sleep,
    ])
}

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);
static DROPS: AtomicU32 = AtomicU32::new(0);

struct Never;
impl Future for Never {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

struct CountDrop;
impl Drop for CountDrop {
    fn drop(&mut self) {
        DROPS.fetch_add(1, SeqCst);
    }
}

bitwake::task! {
    pool_size = 4;
    async fn add(a: u32, b: u32) -> u32 {
        yield_now().await;
        a + b
    }
}

bitwake::task! {
    pool_size = 2;
    async fn stuck() {
        let _d = CountDrop;
        Never.await
    }
}

fn spawn_and_join() -> Outcome {
    let (x, y) = EXEC.block_on(async {
        let a = EXEC.spawn(add(1, 2)).unwrap();
        let b = EXEC.spawn(add(40, 2)).unwrap();
        join(a, b).await
    });
    check_eq!(x, Ok(3));
    check_eq!(y, Ok(42));
    Ok(())
}

fn full_pool_then_slot_frees() -> Outcome {
    let r = EXEC.block_on(async {
        let hs = [
            EXEC.spawn(add(0, 1)).unwrap(),
            EXEC.spawn(add(0, 2)).unwrap(),
            EXEC.spawn(add(0, 3)).unwrap(),
            EXEC.spawn(add(0, 4)).unwrap(),
        ];
        let full = EXEC.spawn(add(0, 5)).err();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        let again = EXEC.spawn(add(0, 6)).unwrap().await.unwrap();
        (full, sum, again)
    });
    check_eq!(r.0, Some(SpawnError::Full));
    check_eq!(r.1, 10);
    check_eq!(r.2, 6);
    Ok(())
}

fn abort_drops_in_place() -> Outcome {
    DROPS.store(0, SeqCst);
    let r = EXEC.block_on(async {
        let h = EXEC.spawn(stuck()).unwrap();
        yield_now().await;
        let before = DROPS.load(SeqCst);
        h.abort();
        let r = h.await;
        (before, r, DROPS.load(SeqCst))
    });
    check_eq!(r.0, 0);
    check_eq!(r.1, Err(JoinError::Cancelled));
    check_eq!(r.2, 1);
    Ok(())
}

fn shutdown_drops_unfinished_tasks() -> Outcome {
    DROPS.store(0, SeqCst);
    EXEC.block_on(async {
        drop(EXEC.spawn(stuck()).unwrap());
        drop(EXEC.spawn(stuck()).unwrap());
        yield_now().await;
    });
    check_eq!(DROPS.load(SeqCst), 2);
    // Both slots are free again.
    let ok = EXEC.block_on(async {
        let a = EXEC.spawn(stuck()).is_ok();
        let b = EXEC.spawn(stuck()).is_ok();
        a && b
    });
    check!(ok, "slots were not freed by the shutdown");
    Ok(())
}

static ORDER: [AtomicU32; 64] = [const { AtomicU32::new(0) }; 64];
static NEXT: AtomicU32 = AtomicU32::new(0);

bitwake::task! {
    pool_size = 8;
    async fn yielder(id: u32) {
        for _ in 0..8 {
            let i = NEXT.fetch_add(1, SeqCst) as usize;
            ORDER[i].store(id, SeqCst);
            yield_now().await;
        }
    }
}

fn yield_storm_is_fair() -> Outcome {
    EXEC.block_on(async {
        let mut hs = [const { None }; 8];
        for (i, h) in hs.iter_mut().enumerate() {
            *h = Some(EXEC.spawn(yielder(i as u32)).unwrap());
        }
        for h in hs.into_iter().flatten() {
            h.await.unwrap();
        }
    });
    check_eq!(NEXT.load(SeqCst), 64);
    // Eight rounds, each polls all eight tasks once.
    for round in 0..8 {
        let mut seen = 0u32;
        for k in 0..8 {
            seen |= 1 << ORDER[round * 8 + k].load(SeqCst);
        }
        check_eq!(seen, 0xff);
    }
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    async fn on_default(x: u32) -> u32 {
        yield_now().await;
        x * 2
    }
}

fn default_executor_parks_in_the_reactor() -> Outcome {
    // `bitwake::block_on` is the default executor with the reactor's park.
    let r = bitwake::block_on(async { bitwake::spawn(on_default(21)).unwrap().await });
    check_eq!(r, Ok(42));
    Ok(())
}

static TICKS: bitwake::sync::Channel<u32, 2> = bitwake::sync::Channel::new();

bitwake::task! {
    pool_size = 2;
    async fn ticker(base: u32, n: u32) {
        for i in 0..n {
            bitwake::time::sleep(bitwake::time::Duration::from_millis(1)).await;
            if TICKS.send(base + i).await.is_err() {
                return;
            }
        }
    }
}

fn channel_between_tasks_that_sleep() -> Outcome {
    // Two producers that sleep between sends, a consumer that sleeps between
    // receives (so the 2-slot channel fills and senders wait): every value
    // arrives once, in order per producer, and close ends the stream.
    let r = bitwake::block_on(async {
        let a = bitwake::spawn(ticker(0, 20)).unwrap();
        let b = bitwake::spawn(ticker(100, 20)).unwrap();
        let (mut sum, mut count, mut last_a, mut last_b) = (0u32, 0u32, None, None);
        while count < 40 {
            if count.is_multiple_of(4) {
                bitwake::time::sleep(bitwake::time::Duration::from_millis(3)).await;
            }
            let Ok(v) = TICKS.recv().await else { break };
            let last = if v < 100 { &mut last_a } else { &mut last_b };
            if last.is_some_and(|l| l >= v) {
                return Err(v);
            }
            *last = Some(v);
            sum += v;
            count += 1;
        }
        let (ra, rb) = (a.await, b.await);
        TICKS.close();
        let closed = TICKS.recv().await;
        Ok((sum, count, ra.is_ok() && rb.is_ok(), closed.is_err()))
    });
    check_eq!(
        r,
        Ok((
            (0..20).sum::<u32>() + (100..120).sum::<u32>(),
            40,
            true,
            true
        ))
    );
    Ok(())
}

static GUARDED: bitwake::sync::Mutex<(u32, bool)> = bitwake::sync::Mutex::new((0, false));

bitwake::task! {
    pool_size = 3;
    async fn hold_and_sleep(n: u32) -> bool {
        for _ in 0..n {
            let mut g = GUARDED.lock().await;
            if g.1 {
                return false;
            }
            g.1 = true;
            bitwake::time::sleep(bitwake::time::Duration::from_millis(1)).await;
            g.0 += 1;
            g.1 = false;
        }
        true
    }
}

fn mutex_held_across_a_sleep() -> Outcome {
    let r = bitwake::block_on(async {
        let hs = [
            bitwake::spawn(hold_and_sleep(5)).unwrap(),
            bitwake::spawn(hold_and_sleep(5)).unwrap(),
            bitwake::spawn(hold_and_sleep(5)).unwrap(),
        ];
        let mut ok = true;
        for h in hs {
            ok &= h.await == Ok(true);
        }
        ok
    });
    check!(r, "two tasks held the mutex at once");
    check_eq!(GUARDED.try_lock().map(|g| g.0), Some(15));
    Ok(())
}
