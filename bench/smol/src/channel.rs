//! The channel scenarios on async-executor: `async_channel::bounded`
//! channels on the `LocalExecutor`, created inside each timed repetition
//! (their heap shows in the heap column).

use async_executor::LocalExecutor;
use bench_common::{self as c, Params};
use futures_lite::future::block_on;
use std::hint::black_box;

pub fn run(ex: &'static LocalExecutor<'static>, scenario: &str, p: &Params) {
    match scenario {
        "chan_ping" => c::measure_heap(scenario, p.reps, || {
            let n = p.msgs / 2;
            block_on(ex.run(async {
                let (ab_tx, ab_rx) = async_channel::bounded::<u32>(1);
                let (ba_tx, ba_rx) = async_channel::bounded::<u32>(1);
                let a = ex.spawn(async move {
                    for i in 0..n {
                        ab_tx.send(i).await.unwrap();
                        black_box(ba_rx.recv().await.unwrap());
                    }
                });
                let b = ex.spawn(async move {
                    for _ in 0..n {
                        let v = ab_rx.recv().await.unwrap();
                        ba_tx.send(v).await.unwrap();
                    }
                });
                a.await;
                b.await;
            }));
            2 * n as u64
        }),
        "chan_spsc" | "chan_mpsc" => c::measure_heap(scenario, p.reps, || {
            let (producers, each) = if scenario == "chan_spsc" {
                (1, p.msgs)
            } else {
                (p.producers, c::per_producer(p))
            };
            block_on(ex.run(async {
                let (tx, rx) = async_channel::bounded::<u32>(64);
                let hs: Vec<_> = (0..producers)
                    .map(|_| {
                        let tx = tx.clone();
                        ex.spawn(async move {
                            for i in 0..each {
                                tx.send(i).await.unwrap();
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let consumer = ex.spawn(async move {
                    let mut sum = 0u32;
                    for _ in 0..each * producers {
                        sum = sum.wrapping_add(rx.recv().await.unwrap());
                    }
                    black_box(sum);
                });
                for h in hs {
                    h.await;
                }
                consumer.await;
            }));
            (each * producers) as u64
        }),
        _ => unreachable!(),
    }
}
