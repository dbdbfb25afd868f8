//! The combinators of `bitwake::future`, `JoinSet` and the fan-out types of
//! `bitwake::sync` (broadcast, watch) in a freestanding program, between
//! tasks that sleep on the reactor's timers; run natively and under QEMU by
//! `cargo xtask test` (bin `test-fanout` in `programs/`).
#![no_std]
#![no_main]
// A failure carries its message inline (no heap), so it is large by design.
#![allow(clippy::result_large_err)]

use bitwake::executor::{JoinError, JoinSet};
use bitwake::future::{join_array, select_array};
use bitwake::rt::testing::{self, Failure, Outcome};
use bitwake::sync::broadcast::{Broadcast, RecvError};
use bitwake::sync::watch::Watch;
use bitwake::sync::{Channel, Mutex};
use bitwake::time::{Duration, sleep};
use bitwake::{cases, check, check_eq};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        join_macro_waits_for_every_sleeper,
        select_macro_takes_the_first_and_drops_the_rest,
        array_forms_with_sleeps,
        broadcast_fast_and_slow_subscribers,
        watch_reports_the_latest_value,
        join_set_in_completion_order_and_abort_on_drop,
    ])
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The order in which sleepers finished.
static ORDER: Mutex<heapless::Vec<u32, 8>> = Mutex::new(heapless::Vec::new());

async fn sleeper(id: u32, wait_ms: u64) -> u32 {
    sleep(ms(wait_ms)).await;
    let _ = ORDER.lock().await.push(id);
    id * 10
}

fn join_macro_waits_for_every_sleeper() -> Outcome {
    let (out, order) = bitwake::block_on(async {
        ORDER.lock().await.clear();
        let out = bitwake::join!(sleeper(1, 60), sleeper(2, 1), sleeper(3, 30));
        (out, ORDER.lock().await.clone())
    });
    check_eq!(out, (10, 20, 30));
    // They ran concurrently: they finished by their sleeps (far apart, so
    // a stalled machine keeps the order), not in argument order.
    check_eq!(order.as_slice(), &[2, 3, 1]);
    Ok(())
}

static NEVER: Channel<u32, 1> = Channel::new();

fn select_macro_takes_the_first_and_drops_the_rest() -> Outcome {
    let r = bitwake::block_on(async {
        ORDER.lock().await.clear();
        let won = bitwake::select! {
            v = NEVER.recv() => v.unwrap_or(0),
            v = sleeper(5, 2) => v,
            v = sleeper(6, 100) => v,
        };
        // The 100 ms sleeper was dropped: it never logs, even after 110 ms.
        sleep(ms(110)).await;
        let biased = bitwake::select! {
            biased;
            v = async { 1 } => v,
            v = async { 2 } => v,
        };
        (won, ORDER.lock().await.clone(), biased)
    });
    check_eq!(r.0, 50);
    check_eq!(r.1.as_slice(), &[5]);
    check_eq!(r.2, 1);
    check!(NEVER.is_empty());
    Ok(())
}

fn array_forms_with_sleeps() -> Outcome {
    let (all, first) = bitwake::block_on(async {
        let all = join_array([sleeper(1, 6), sleeper(2, 3), sleeper(3, 1)]).await;
        let first = select_array([sleeper(4, 40), sleeper(5, 80), sleeper(6, 1)]).await;
        (all, first)
    });
    check_eq!(all, [10, 20, 30]);
    check_eq!(first, (60, 2));
    Ok(())
}

static NEWS: Broadcast<u32, 4> = Broadcast::new();
const MESSAGES: u32 = 40;

bitwake::task! {
    pool_size = 2;
    /// Receives until closed, sleeping `nap_ms` after each message: returns
    /// (received, missed, whether every message was newer than the last).
    async fn subscriber(nap_ms: u64) -> (u32, u64, bool) {
        let mut sub = NEWS.subscribe();
        READY.add_permits(1);
        let (mut got, mut missed, mut ordered, mut last) = (0, 0, true, None);
        loop {
            match sub.recv().await {
                Ok(v) => {
                    ordered &= last.is_none_or(|l| v > l);
                    last = Some(v);
                    got += 1;
                    if nap_ms > 0 {
                        sleep(ms(nap_ms)).await;
                    }
                }
                Err(RecvError::Lagged(n)) => missed += n,
                Err(RecvError::Closed) => return (got, missed, ordered),
            }
        }
    }
}

static READY: bitwake::sync::Semaphore = bitwake::sync::Semaphore::new(0);

fn broadcast_fast_and_slow_subscribers() -> Outcome {
    let r = bitwake::block_on(async {
        let fast = bitwake::spawn(subscriber(0)).unwrap();
        let slow = bitwake::spawn(subscriber(5)).unwrap();
        // Both subscribed before the first message.
        READY.acquire(2).await.forget();
        for v in 0..MESSAGES {
            // The publisher never waits for the slow one.
            if NEWS.send(v) != Ok(2) {
                return Err(v);
            }
            sleep(ms(1)).await;
        }
        NEWS.close();
        Ok((fast.await, slow.await))
    });
    let Ok((Ok(fast), Ok(slow))) = r else {
        return Err(Failure::new(format_args!(
            "publisher or subscriber failed: {r:?}"
        )));
    };
    check_eq!(fast, (MESSAGES, 0, true));
    check_eq!(slow.0 as u64 + slow.1, MESSAGES as u64);
    check!(slow.1 > 0, "the slow subscriber never lagged: {slow:?}");
    check!(slow.2, "out of order");
    check_eq!(NEWS.subscriber_count(), 0);
    Ok(())
}

static LEVEL: Watch<u32> = Watch::with_value(0);

bitwake::task! {
    pool_size = 1;
    async fn level_watcher() -> (u32, u32) {
        let mut rx = LEVEL.receiver();
        let (mut last, mut seen) = (0, 0);
        while let Ok(v) = rx.changed().await {
            last = v;
            seen += 1;
            sleep(ms(3)).await;
        }
        (last, seen)
    }
}

fn watch_reports_the_latest_value() -> Outcome {
    let r = bitwake::block_on(async {
        let h = bitwake::spawn(level_watcher()).unwrap();
        bitwake::future::yield_now().await;
        for v in 1..=20 {
            LEVEL.send(v).unwrap();
            sleep(ms(1)).await;
        }
        LEVEL.close();
        h.await
    });
    let Ok((last, seen)) = r else {
        return Err(Failure::new(format_args!("watcher failed: {r:?}")));
    };
    check_eq!(last, 20);
    // It slept between looks, so it skipped values.
    check!((1..20).contains(&seen), "saw {seen} of 20 values");
    Ok(())
}

bitwake::task! {
    pool_size = 4;
    async fn nap(id: u32, wait_ms: u64) -> u32 {
        sleep(ms(wait_ms)).await;
        id
    }
}

fn join_set_in_completion_order_and_abort_on_drop() -> Outcome {
    let r = bitwake::block_on(async {
        let mut set: JoinSet<u32, 3> = JoinSet::new();
        // Gaps of hundreds of ms: a loaded host may stop an emulated
        // process for tens of ms between two polls of one pass.
        for (id, wait) in [(1, 400), (2, 1), (3, 200)] {
            if set.push(bitwake::spawn(nap(id, wait)).unwrap()).is_err() {
                return Err("a set of 3 was full after fewer than 3");
            }
        }
        // Full: the fourth handle comes back, and is aborted by hand.
        let Err(back) = set.push(bitwake::spawn(nap(4, 1)).unwrap()) else {
            return Err("a full set took a fourth handle");
        };
        back.abort();
        if back.await != Err(JoinError::Cancelled) {
            return Err("the aborted fourth task was not cancelled");
        }
        let mut order = heapless::Vec::<u32, 3>::new();
        while let Some(r) = set.join_next().await {
            let _ = order.push(r.unwrap_or(0));
        }
        // Three that would sleep 10 s, dropped with their set: aborted, and
        // the pool's four slots are free again at once.
        {
            let mut set: JoinSet<u32, 3> = JoinSet::new();
            for id in 0..3 {
                let _ = set.push(bitwake::spawn(nap(id, 10_000)).unwrap());
            }
            sleep(ms(1)).await;
        }
        sleep(ms(1)).await;
        let mut again: JoinSet<u32, 4> = JoinSet::new();
        for id in 10..14 {
            match bitwake::spawn(nap(id, 0)) {
                Ok(h) => {
                    let _ = again.push(h);
                }
                Err(_) => return Err("the dropped set's tasks still hold their slots"),
            }
        }
        let mut sum = 0;
        while let Some(r) = again.join_next().await {
            sum += r.unwrap_or(0);
        }
        Ok((order, sum))
    });
    match r {
        Ok((order, sum)) => {
            check_eq!(order.as_slice(), &[2, 3, 1]);
            check_eq!(sum, 10 + 11 + 12 + 13);
            Ok(())
        }
        Err(why) => Err(Failure::new(format_args!("{why}"))),
    }
}
