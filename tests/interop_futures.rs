//! futures-util's no_std combinators (`select`, `join`, `StreamExt`) over
//! bitwake's `sync` types, on bitwake's executor, unmodified: streams made
//! from a `Channel`, a `select` whose losing `recv` is dropped mid-wait
//! (the message it was promised goes to the next receiver), joins of
//! senders and receivers that wait on each other.
mod executor_common;

use bitwake::executor::{Executor, yield_now};
use bitwake::sync::{Channel, Notify, Signal};
use executor_common::TestPark;
use futures_util::future::{self, Either};
use futures_util::stream::{self, Stream, StreamExt};
use std::pin::pin;

static PARK_A: TestPark = TestPark::new();
static EXEC_A: Executor = Executor::new(&PARK_A);
static PARK_B: TestPark = TestPark::new();
static EXEC_B: Executor = Executor::new(&PARK_B);
static PARK_C: TestPark = TestPark::new();
static EXEC_C: Executor = Executor::new(&PARK_C);

/// A channel as a `Stream` that ends when the channel is closed and drained.
fn receive<const N: usize>(ch: &Channel<u32, N>) -> impl Stream<Item = u32> + '_ {
    stream::unfold(
        ch,
        |ch| async move { ch.recv().await.ok().map(|v| (v, ch)) },
    )
}

static NUMBERS: Channel<u32, 8> = Channel::new();
static WORDS: Channel<u32, 2> = Channel::new();

bitwake::task! {
    pool_size = 2;
    async fn feed(ch: &'static Channel<u32, 8>, from: u32, to: u32) {
        for i in from..to {
            ch.send(i).await.unwrap();
        }
    }
}

#[test]
fn stream_ext_over_channels() {
    let (evens, merged) = EXEC_A.block_on(async {
        let h = EXEC_A.spawn(feed(&NUMBERS, 0, 100)).unwrap();
        // map / filter / take / fold through a channel fed by a task.
        let evens: u32 = receive(&NUMBERS)
            .filter(|v| future::ready(v % 2 == 0))
            .map(|v| v * 10)
            .take(20)
            .fold(0, |acc, v| async move { acc + v })
            .await;
        // The stream stopped after 20 evens (value 38); the rest is queued
        // or still being sent: drain it.
        let rest = receive(&NUMBERS).take(100 - 39).count().await;
        h.await.unwrap();
        // Two channels merged by `stream::select`; closing both ends it.
        let h = EXEC_A.spawn(feed(&NUMBERS, 1000, 1050)).unwrap();
        let words = async {
            for i in 0..30 {
                WORDS.send(i).await.unwrap();
            }
            WORDS.close();
        };
        let merged = stream::select(receive(&NUMBERS), receive(&WORDS));
        let closer = async {
            h.await.unwrap();
            NUMBERS.close();
        };
        let ((), (), merged) = future::join3(words, closer, merged.collect::<Vec<_>>()).await;
        (evens + rest as u32, merged)
    });
    assert_eq!(evens, (0..20).map(|i| i * 20).sum::<u32>() + 61);
    let (big, small): (Vec<u32>, Vec<u32>) = merged.iter().partition(|&&v| v >= 1000);
    assert_eq!(big, (1000..1050).collect::<Vec<_>>());
    assert_eq!(small, (0..30).collect::<Vec<_>>());
}

static REQUESTS: Channel<u32, 1> = Channel::new();
static STOP: Notify = Notify::new();

bitwake::task! {
    pool_size = 1;
    async fn second_receiver() -> u32 {
        REQUESTS.recv().await.unwrap()
    }
}

#[test]
fn select_drops_a_waiting_recv_and_loses_nothing() {
    let (first, second) = EXEC_B.block_on(async {
        // A receiver task waits first; then ours, in a select against a
        // stop notification.
        let other = EXEC_B.spawn(second_receiver()).unwrap();
        yield_now().await;
        let mine = {
            let recv = pin!(REQUESTS.recv());
            let stop = pin!(STOP.notified());
            STOP.notify_one();
            match future::select(recv, stop).await {
                Either::Left((v, _)) => Some(v.unwrap()),
                // Our recv is dropped here, while linked in the channel.
                Either::Right(((), _)) => None,
            }
        };
        // The message goes to the receiver that is still waiting.
        REQUESTS.send(7).await.unwrap();
        (mine, other.await.unwrap())
    });
    assert_eq!(first, None);
    assert_eq!(second, 7);
    assert!(REQUESTS.is_empty());
}

static PING: Channel<u32, 1> = Channel::new();
static PONG: Channel<u32, 1> = Channel::new();
static DONE: Signal<u32> = Signal::new();

#[test]
fn join_of_peers_that_wait_on_each_other() {
    let (pings, pongs, done) = EXEC_C.block_on(async {
        let ping = async {
            let mut sum = 0;
            for i in 0..1000 {
                PING.send(i).await.unwrap();
                sum += PONG.recv().await.unwrap();
            }
            DONE.signal(sum);
            sum
        };
        let pong = async {
            let mut n = 0;
            while n < 1000 {
                let v = PING.recv().await.unwrap();
                PONG.send(v * 2).await.unwrap();
                n += 1;
            }
            n
        };
        // `select` of a long join against the signal it raises at the end:
        // the join wins because it completes in the same poll.
        let both = pin!(future::join(ping, pong));
        let done = pin!(DONE.wait());
        match future::select(both, done).await {
            Either::Left(((a, b), wait)) => (a, b, wait.await),
            Either::Right(_) => panic!("the signal cannot come before the join ends"),
        }
    });
    assert_eq!(pings, 999 * 1000);
    assert_eq!(pongs, 1000);
    assert_eq!(done, 999 * 1000);
}
