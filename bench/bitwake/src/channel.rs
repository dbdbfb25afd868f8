//! The channel scenarios on bitwake: `bitwake::sync::Channel` in `static`s,
//! tasks from `bitwake::task!` pools, the same `Executor` and spinning park
//! as the executor scenarios.

use super::EXEC;
use bench_common::{self as c, Params};
use bitwake::sync::Channel;
use std::hint::black_box;

static AB: Channel<u32, 1> = Channel::new();
static BA: Channel<u32, 1> = Channel::new();
static QUEUE: Channel<u32, 64> = Channel::new();

bitwake::task! {
    pool_size = 1;
    async fn ping(round_trips: u32) {
        for i in 0..round_trips {
            AB.send(i).await.unwrap();
            black_box(BA.recv().await.unwrap());
        }
    }
}

bitwake::task! {
    pool_size = 1;
    async fn pong(round_trips: u32) {
        for _ in 0..round_trips {
            let v = AB.recv().await.unwrap();
            BA.send(v).await.unwrap();
        }
    }
}

bitwake::task! {
    pool_size = 8;
    async fn produce(n: u32) {
        for i in 0..n {
            QUEUE.send(i).await.unwrap();
        }
    }
}

bitwake::task! {
    pool_size = 1;
    async fn consume(n: u32) {
        let mut sum = 0u32;
        for _ in 0..n {
            sum = sum.wrapping_add(QUEUE.recv().await.unwrap());
        }
        black_box(sum);
    }
}

pub fn run(scenario: &str, p: &Params) {
    match scenario {
        "chan_ping" => c::measure_heap(scenario, p.reps, || {
            let n = p.msgs / 2;
            EXEC.block_on(async {
                let a = EXEC.spawn(ping(n)).unwrap();
                let b = EXEC.spawn(pong(n)).unwrap();
                a.await.unwrap();
                b.await.unwrap();
            });
            2 * n as u64
        }),
        "chan_spsc" => c::measure_heap(scenario, p.reps, || {
            EXEC.block_on(async {
                let a = EXEC.spawn(produce(p.msgs)).unwrap();
                let b = EXEC.spawn(consume(p.msgs)).unwrap();
                a.await.unwrap();
                b.await.unwrap();
            });
            p.msgs as u64
        }),
        "chan_mpsc" => c::measure_heap(scenario, p.reps, || {
            let each = c::per_producer(p);
            let producers = p.producers.min(8);
            EXEC.block_on(async {
                let mut hs = [const { None }; 8];
                for h in hs.iter_mut().take(producers as usize) {
                    *h = Some(EXEC.spawn(produce(each)).unwrap());
                }
                let b = EXEC.spawn(consume(each * producers)).unwrap();
                for h in hs.into_iter().flatten() {
                    h.await.unwrap();
                }
                b.await.unwrap();
            });
            (each * producers) as u64
        }),
        _ => unreachable!(),
    }
}

/// `size_of::<Channel<u32, 64>>()`, for the bytes column.
pub fn report_bytes() {
    c::report(
        "chan_bytes",
        std::mem::size_of::<Channel<u32, 64>>() as f64,
        "B",
    );
}
