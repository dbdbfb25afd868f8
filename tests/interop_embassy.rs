//! embassy-sync, unmodified, on bitwake's executor: `Channel`, `Signal`,
//! `PubSubChannel` and `Mutex` in `static`s over `CriticalSectionRawMutex`,
//! whose critical section is bitwake's Linux implementation (feature
//! `linux-critical-section`). Tasks talk to tasks, and threads to tasks, so
//! embassy's waker registrations must wake bitwake tasks from anywhere.
mod executor_common;
mod sync_common;

use bitwake::executor::{Executor, join, yield_now};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex as Cs;
use embassy_sync::channel::Channel;
use embassy_sync::mutex::Mutex;
use embassy_sync::pubsub::{PubSubChannel, WaitResult};
use embassy_sync::signal::Signal;
use executor_common::TestPark;

// One executor per test: libtest runs tests on parallel threads, and one
// executor runs on one thread at a time.
static PARK_CH: TestPark = TestPark::new();
static EXEC_CH: Executor = Executor::new(&PARK_CH);
static PARK_SIG: TestPark = TestPark::new();
static EXEC_SIG: Executor = Executor::new(&PARK_SIG);
static PARK_PS: TestPark = TestPark::new();
static EXEC_PS: Executor = Executor::new(&PARK_PS);
static PARK_MX: TestPark = TestPark::new();
static EXEC_MX: Executor = Executor::new(&PARK_MX);

const PER_PRODUCER: u32 = 2_000;
/// Fewer from the thread: each of its waits is an OS thread wake-up.
const FROM_THREAD: u32 = 300;

static JOBS: Channel<Cs, u32, 4> = Channel::new();

bitwake::task! {
    pool_size = 2;
    async fn produce(base: u32) {
        for i in 0..PER_PRODUCER {
            JOBS.send(base + i).await;
            if i % 5 == 0 {
                yield_now().await;
            }
        }
    }
}

#[test]
fn channel_from_tasks_and_a_thread_to_one_task() {
    // A third producer on another thread: its sends wake the bitwake task
    // across threads through embassy's waker slot.
    let thread = std::thread::spawn(|| {
        sync_common::block_on(async {
            for i in 0..FROM_THREAD {
                JOBS.send(2_000_000 + i).await;
            }
        })
    });
    let (sum, in_order) = EXEC_CH.block_on(async {
        let a = EXEC_CH.spawn(produce(0)).unwrap();
        let b = EXEC_CH.spawn(produce(1_000_000)).unwrap();
        let mut last = [None::<u32>; 3];
        let mut in_order = true;
        let mut sum = 0u64;
        for _ in 0..2 * PER_PRODUCER + FROM_THREAD {
            let v = JOBS.receive().await;
            let from = (v / 1_000_000) as usize;
            in_order &= last[from].is_none_or(|l| l < v);
            last[from] = Some(v);
            sum += u64::from(v);
        }
        let (ra, rb) = join(a, b).await;
        ra.unwrap();
        rb.unwrap();
        (sum, in_order)
    });
    thread.join().unwrap();
    let (n, t) = (u64::from(PER_PRODUCER), u64::from(FROM_THREAD));
    let expected = 2 * (n * (n - 1) / 2) + n * 1_000_000 + t * (t - 1) / 2 + t * 2_000_000;
    assert_eq!(sum, expected);
    assert!(in_order, "each producer's values arrive in the order sent");
    assert!(JOBS.is_empty());
    assert_eq!(
        PARK_CH.timeouts.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

static LATEST: Signal<Cs, u32> = Signal::new();
static ACK: Signal<Cs, u32> = Signal::new();

#[test]
fn signal_from_another_thread_wakes_a_task_latest_value_wins() {
    let got = EXEC_SIG.block_on(async {
        // Two signals before anyone waits: only the latest is kept.
        LATEST.signal(1);
        LATEST.signal(2);
        let first = LATEST.wait().await;
        // Then a round trip with a thread, many times: every wake crosses
        // threads in both directions.
        let thread = std::thread::spawn(|| {
            sync_common::block_on(async {
                for i in 0..100 {
                    LATEST.signal(i);
                    assert_eq!(ACK.wait().await, i);
                }
            })
        });
        let mut seen = 0;
        for i in 0..100 {
            let v = LATEST.wait().await;
            assert_eq!(v, i);
            ACK.signal(v);
            seen += 1;
        }
        thread.join().unwrap();
        (first, seen, LATEST.signaled())
    });
    assert_eq!(got, (2, 100, false));
    assert_eq!(
        PARK_SIG.timeouts.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

static NEWS: PubSubChannel<Cs, u32, 4, 3, 1> = PubSubChannel::new();
const NEWS_COUNT: u32 = 300;

bitwake::task! {
    pool_size = 2;
    async fn read_news() -> (u32, u64) {
        let mut sub = NEWS.subscriber().unwrap();
        let (mut n, mut sum) = (0, 0u64);
        while n < NEWS_COUNT {
            match sub.next_message().await {
                WaitResult::Message(v) => {
                    assert_eq!(v, n, "in order, none missed");
                    sum += u64::from(v);
                    n += 1;
                }
                WaitResult::Lagged(k) => panic!("a waiting publisher never laps: lagged {k}"),
            }
        }
        (n, sum)
    }
}

#[test]
fn pubsub_every_subscriber_gets_every_message_and_a_slow_one_learns_its_lag() {
    let (a, b, lag, rest) = EXEC_PS.block_on(async {
        let a = EXEC_PS.spawn(read_news()).unwrap();
        let b = EXEC_PS.spawn(read_news()).unwrap();
        // Let both subscribe before the first message.
        yield_now().await;
        let publisher = NEWS.publisher().unwrap();
        for i in 0..NEWS_COUNT {
            // Waits while the slower subscriber is 4 behind.
            publisher.publish(i).await;
        }
        drop(publisher);
        let (a, b) = join(a, b).await;
        // A subscriber that does not read, and an immediate publisher that
        // never waits: the subscriber is told how many it missed.
        let mut slow = NEWS.subscriber().unwrap();
        let now = NEWS.immediate_publisher();
        for i in 0..10 {
            now.publish_immediate(i);
        }
        let lag = slow.next_message().await;
        let mut rest = Vec::new();
        while let Some(WaitResult::Message(v)) = slow.try_next_message() {
            rest.push(v);
        }
        (a.unwrap(), b.unwrap(), lag, rest)
    });
    let sum = u64::from(NEWS_COUNT) * u64::from(NEWS_COUNT - 1) / 2;
    assert_eq!(a, (NEWS_COUNT, sum));
    assert_eq!(b, (NEWS_COUNT, sum));
    assert_eq!(lag, WaitResult::Lagged(6));
    assert_eq!(rest, [6, 7, 8, 9]);
}

static COUNTER: Mutex<Cs, u64> = Mutex::new(0);
const ROUNDS: u64 = 200;

bitwake::task! {
    pool_size = 4;
    async fn bump() {
        for _ in 0..ROUNDS {
            let mut g = COUNTER.lock().await;
            let v = *g;
            // Held across a suspension: the others must wait, not race.
            yield_now().await;
            *g = v + 1;
        }
    }
}

#[test]
fn mutex_held_across_awaits_by_tasks_and_a_thread() {
    let thread = std::thread::spawn(|| {
        sync_common::block_on(async {
            for _ in 0..ROUNDS {
                let mut g = COUNTER.lock().await;
                let v = *g;
                std::thread::yield_now();
                *g = v + 1;
            }
        })
    });
    EXEC_MX.block_on(async {
        let hs = [(); 4].map(|_| EXEC_MX.spawn(bump()).unwrap());
        for h in hs {
            h.await.unwrap();
        }
    });
    thread.join().unwrap();
    let total = sync_common::block_on(async { *COUNTER.lock().await });
    assert_eq!(total, 5 * ROUNDS);
}
