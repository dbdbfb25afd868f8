//! The channel scenarios on tokio: `tokio::sync::mpsc` bounded channels on
//! the current_thread runtime, created inside each timed repetition (as a
//! program would create them: their heap shows in the heap column).

use bench_common::{self as c, Params};
use std::hint::black_box;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

pub fn run(rt: &Runtime, scenario: &str, p: &Params) {
    match scenario {
        "chan_ping" => c::measure_heap(scenario, p.reps, || {
            let n = p.msgs / 2;
            rt.block_on(async {
                let (ab_tx, mut ab_rx) = mpsc::channel::<u32>(1);
                let (ba_tx, mut ba_rx) = mpsc::channel::<u32>(1);
                let a = tokio::spawn(async move {
                    for i in 0..n {
                        ab_tx.send(i).await.unwrap();
                        black_box(ba_rx.recv().await.unwrap());
                    }
                });
                let b = tokio::spawn(async move {
                    for _ in 0..n {
                        let v = ab_rx.recv().await.unwrap();
                        ba_tx.send(v).await.unwrap();
                    }
                });
                a.await.unwrap();
                b.await.unwrap();
            });
            2 * n as u64
        }),
        "chan_spsc" | "chan_mpsc" => c::measure_heap(scenario, p.reps, || {
            let (producers, each) = if scenario == "chan_spsc" {
                (1, p.msgs)
            } else {
                (p.producers, c::per_producer(p))
            };
            rt.block_on(async {
                let (tx, mut rx) = mpsc::channel::<u32>(64);
                let hs: Vec<_> = (0..producers)
                    .map(|_| {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            for i in 0..each {
                                tx.send(i).await.unwrap();
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let consumer = tokio::spawn(async move {
                    let mut sum = 0u32;
                    for _ in 0..each * producers {
                        sum = sum.wrapping_add(rx.recv().await.unwrap());
                    }
                    black_box(sum);
                });
                for h in hs {
                    h.await.unwrap();
                }
                consumer.await.unwrap();
            });
            (each * producers) as u64
        }),
        _ => unreachable!(),
    }
}
