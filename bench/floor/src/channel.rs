//! The channel scenarios on the floor executor, with the floor of channels:
//! a ring of `N` plain cells, one stored receiver waker and a small FIFO of
//! sender wakers, no atomics, no lock, no fairness or cancellation care, no
//! close. Single-threaded only. It is the line a real channel cannot beat
//! by much, so the ratio to it says what a contender's bookkeeping costs.

use super::{init, run, spawn};
use bench_common::{self as c, Params};
use std::cell::Cell;
use std::future::poll_fn;
use std::hint::black_box;
use std::task::{Poll, Waker};

/// Sender wakers the floor channel can hold (the `chan_mpsc` producers).
const MAX_SENDERS: usize = 8;

pub struct FloorChannel<const N: usize> {
    buf: [Cell<u32>; N],
    head: Cell<usize>,
    len: Cell<usize>,
    receiver: Cell<Option<Waker>>,
    senders: [Cell<Option<Waker>>; MAX_SENDERS],
    senders_head: Cell<usize>,
    senders_len: Cell<usize>,
}

impl<const N: usize> FloorChannel<N> {
    fn new() -> Self {
        FloorChannel {
            buf: [const { Cell::new(0) }; N],
            head: Cell::new(0),
            len: Cell::new(0),
            receiver: Cell::new(None),
            senders: [const { Cell::new(None) }; MAX_SENDERS],
            senders_head: Cell::new(0),
            senders_len: Cell::new(0),
        }
    }

    async fn send(&self, v: u32) {
        poll_fn(|cx| {
            let len = self.len.get();
            if len == N {
                let at = (self.senders_head.get() + self.senders_len.get()) % MAX_SENDERS;
                self.senders[at].set(Some(cx.waker().clone()));
                self.senders_len.set(self.senders_len.get() + 1);
                return Poll::Pending;
            }
            self.buf[(self.head.get() + len) % N].set(v);
            self.len.set(len + 1);
            if let Some(w) = self.receiver.take() {
                w.wake();
            }
            Poll::Ready(())
        })
        .await
    }

    async fn recv(&self) -> u32 {
        poll_fn(|cx| {
            let len = self.len.get();
            if len == 0 {
                self.receiver.set(Some(cx.waker().clone()));
                return Poll::Pending;
            }
            let head = self.head.get();
            let v = self.buf[head].get();
            self.head.set((head + 1) % N);
            self.len.set(len - 1);
            if self.senders_len.get() > 0 {
                let at = self.senders_head.get();
                self.senders_head.set((at + 1) % MAX_SENDERS);
                self.senders_len.set(self.senders_len.get() - 1);
                if let Some(w) = self.senders[at].take() {
                    w.wake();
                }
            }
            Poll::Ready(v)
        })
        .await
    }
}

pub fn run_scenario(scenario: &str, p: &Params) {
    init(16);
    let ab: &'static FloorChannel<1> = Box::leak(Box::new(FloorChannel::new()));
    let ba: &'static FloorChannel<1> = Box::leak(Box::new(FloorChannel::new()));
    let queue: &'static FloorChannel<64> = Box::leak(Box::new(FloorChannel::new()));
    let consume = move |n: u32| async move {
        let mut sum = 0u32;
        for _ in 0..n {
            sum = sum.wrapping_add(queue.recv().await);
        }
        black_box(sum);
    };
    let produce = move |n: u32| async move {
        for i in 0..n {
            queue.send(i).await;
        }
    };
    match scenario {
        "chan_ping" => c::measure_heap(scenario, p.reps, || {
            let n = p.msgs / 2;
            spawn(async move {
                for i in 0..n {
                    ab.send(i).await;
                    black_box(ba.recv().await);
                }
            });
            spawn(async move {
                for _ in 0..n {
                    let v = ab.recv().await;
                    ba.send(v).await;
                }
            });
            run(0);
            2 * n as u64
        }),
        "chan_spsc" => c::measure_heap(scenario, p.reps, || {
            spawn(produce(p.msgs));
            spawn(consume(p.msgs));
            run(0);
            p.msgs as u64
        }),
        _ => c::measure_heap(scenario, p.reps, || {
            let each = c::per_producer(p);
            let producers = p.producers.min(MAX_SENDERS as u32);
            for _ in 0..producers {
                spawn(produce(each));
            }
            spawn(consume(each * producers));
            run(0);
            (each * producers) as u64
        }),
    }
}
