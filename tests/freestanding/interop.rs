//! Third-party async code, unmodified, on bitwake in a freestanding program
//! (bin `test-interop`, run natively and under QEMU by `cargo xtask test`):
//! embassy-sync's `Channel`, `Signal`, `PubSubChannel` and `Mutex` over
//! bitwake's Linux critical section (feature `linux-critical-section`),
//! futures-util's `select`, `join` and `StreamExt` over bitwake's channels,
//! a signal handler that signals a task through embassy-sync while the
//! program is inside critical sections, and a TCP stream handed to code
//! generic over `embedded-io-async` 0.6 and over 0.7.
#![no_std]
#![no_main]
// A failure carries its message inline (no heap), so it is large by design.
#![allow(clippy::result_large_err)]

use bitwake::executor::{join, yield_now};
use bitwake::rt::testing::{self, Outcome};
use bitwake::sys;
use bitwake::{block_on, cases, check, check_eq, spawn};
use core::pin::pin;
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex as Cs;
use embassy_sync::pubsub::{PubSubChannel, WaitResult};
use embedded_io_async as eio06;
use embedded_io_async_07 as eio07;
use futures_util::future::{self, Either};
use futures_util::stream::{self, StreamExt};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        embassy_channel_between_tasks,
        embassy_pubsub_and_lag,
        embassy_mutex_held_across_awaits,
        embassy_signal_from_a_signal_handler,
        critical_section_holds_signals_off,
        futures_util_over_bitwake_channels,
        tcp_stream_through_embedded_io_06_and_07,
    ])
}

static JOBS: embassy_sync::channel::Channel<Cs, u32, 4> = embassy_sync::channel::Channel::new();

bitwake::task! {
    pool_size = 2;
    async fn produce(base: u32, n: u32) {
        for i in 0..n {
            JOBS.send(base + i).await;
        }
    }
}

fn embassy_channel_between_tasks() -> Outcome {
    let (sum, ordered) = block_on(async {
        let a = spawn(produce(0, 500)).unwrap();
        let b = spawn(produce(10_000, 500)).unwrap();
        let (mut sum, mut ordered) = (0u32, true);
        let mut last = [None::<u32>; 2];
        for _ in 0..1000 {
            let v = JOBS.receive().await;
            let from = (v / 10_000) as usize;
            ordered &= last[from].is_none_or(|l| l < v);
            last[from] = Some(v);
            sum += v;
        }
        let _ = join(a, b).await;
        (sum, ordered)
    });
    check_eq!(sum, 2 * (499 * 500 / 2) + 500 * 10_000);
    check!(ordered, "per producer, values arrive in order");
    Ok(())
}

static NEWS: PubSubChannel<Cs, u32, 4, 2, 1> = PubSubChannel::new();

bitwake::task! {
    pool_size = 1;
    async fn read_news(n: u32) -> bool {
        let mut sub = NEWS.subscriber().unwrap();
        for i in 0..n {
            if sub.next_message().await != WaitResult::Message(i) {
                return false;
            }
        }
        true
    }
}

fn embassy_pubsub_and_lag() -> Outcome {
    let (all, lag, next) = block_on(async {
        let reader = spawn(read_news(100)).unwrap();
        yield_now().await;
        let publisher = NEWS.publisher().unwrap();
        for i in 0..100 {
            publisher.publish(i).await;
        }
        drop(publisher);
        let all = reader.await.unwrap_or(false);
        let mut slow = NEWS.subscriber().unwrap();
        for i in 0..7 {
            NEWS.immediate_publisher().publish_immediate(i);
        }
        (all, slow.next_message().await, slow.next_message().await)
    });
    check!(all, "the subscriber got every message in order");
    check_eq!(lag, WaitResult::Lagged(3));
    check_eq!(next, WaitResult::Message(3));
    Ok(())
}

static COUNT: embassy_sync::mutex::Mutex<Cs, u32> = embassy_sync::mutex::Mutex::new(0);

bitwake::task! {
    pool_size = 3;
    async fn bump(rounds: u32) {
        for _ in 0..rounds {
            let mut g = COUNT.lock().await;
            let v = *g;
            yield_now().await;
            *g = v + 1;
        }
    }
}

fn embassy_mutex_held_across_awaits() -> Outcome {
    let total = block_on(async {
        let hs = [(); 3].map(|_| spawn(bump(100)).unwrap());
        for h in hs {
            let _ = h.await;
        }
        *COUNT.lock().await
    });
    check_eq!(total, 300);
    Ok(())
}

static TICK: embassy_sync::signal::Signal<Cs, u32> = embassy_sync::signal::Signal::new();
static TICKS: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_alarm(_: i32) {
    // embassy's `signal` takes the critical section from the handler, at
    // any point of the interrupted program, often inside one.
    TICK.signal(TICKS.fetch_add(1, SeqCst) + 1);
}

fn set_interval_us(us: i64) -> Result<(), sys::Errno> {
    let t = sys::Timeval { sec: 0, usec: us };
    sys::setitimer_real(&sys::Itimerval {
        interval: t,
        value: t,
    })
    .map(drop)
}

fn embassy_signal_from_a_signal_handler() -> Outcome {
    let old = sys::rt_sigaction(
        sys::SIGALRM,
        &sys::SigAction::handler(on_alarm, sys::SA_RESTART),
    )?;
    set_interval_us(500)?;
    let (woken, increasing, busy) = block_on(async {
        let waiter = async {
            let (mut woken, mut last, mut increasing) = (0, 0, true);
            while woken < 20 {
                let v = TICK.wait().await;
                increasing &= v > last;
                last = v;
                woken += 1;
            }
            (woken, increasing)
        };
        // Meanwhile keep the program inside embassy's critical sections as
        // much as possible, so the alarm lands in them.
        let busy = async {
            let mut rounds = 0u32;
            while TICKS.load(SeqCst) < 20 && rounds < 2_000_000 {
                let _ = JOBS.try_send(rounds);
                let _ = JOBS.try_receive();
                rounds += 1;
                if rounds.is_multiple_of(64) {
                    yield_now().await;
                }
            }
            rounds
        };
        let ((woken, increasing), busy) = join(waiter, busy).await;
        (woken, increasing, busy)
    });
    set_interval_us(0)?;
    sys::rt_sigaction(sys::SIGALRM, &old)?;
    check_eq!(woken, 20);
    check!(increasing, "each wake saw a newer tick");
    check!(busy > 0);
    Ok(())
}

static IN_HANDLER: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_usr1(_: i32) {
    critical_section::with(|_| IN_HANDLER.fetch_add(1, SeqCst));
}

fn critical_section_holds_signals_off() -> Outcome {
    let old = sys::rt_sigaction(sys::SIGUSR1, &sys::SigAction::handler(on_usr1, 0))?;
    let usr2 = sys::sigmask(sys::SIGUSR2);
    let mask_before = sys::rt_sigprocmask(sys::SIG_BLOCK, Some(usr2))?;
    let mine = sys::rt_sigprocmask(sys::SIG_BLOCK, None)?;
    let (inside, nested_mask) = critical_section::with(|_| {
        let _ = sys::kill(sys::getpid(), sys::SIGUSR1);
        let m = critical_section::with(|_| sys::rt_sigprocmask(sys::SIG_BLOCK, None));
        (IN_HANDLER.load(SeqCst), m)
    });
    let after = IN_HANDLER.load(SeqCst);
    let back = sys::rt_sigprocmask(sys::SIG_SETMASK, Some(mask_before))?;
    sys::rt_sigaction(sys::SIGUSR1, &old)?;
    check_eq!(inside, 0);
    check_eq!(after, 1);
    let nested_mask = nested_mask?;
    check!(
        nested_mask & sys::sigmask(sys::SIGUSR1) != 0,
        "blocked inside"
    );
    check_eq!(back, mine);
    Ok(())
}

static NUMBERS: bitwake::sync::Channel<u32, 8> = bitwake::sync::Channel::new();
static NEVER: bitwake::sync::Channel<u32, 1> = bitwake::sync::Channel::new();
static STOP: bitwake::sync::Notify = bitwake::sync::Notify::new();

bitwake::task! {
    pool_size = 1;
    async fn feed(n: u32) {
        for i in 0..n {
            let _ = NUMBERS.send(i).await;
        }
        NUMBERS.close();
    }
}

fn futures_util_over_bitwake_channels() -> Outcome {
    let (sum, stopped, joined) = block_on(async {
        let h = spawn(feed(200)).unwrap();
        let numbers = stream::unfold(&NUMBERS, |ch| async move {
            ch.recv().await.ok().map(|v| (v, ch))
        });
        let sum: u32 = numbers
            .filter(|v| future::ready(v % 3 == 0))
            .map(|v| v + 1)
            .fold(0, |a, v| async move { a + v })
            .await;
        let _ = h.await;
        // A recv that waits loses a select against a notify and is dropped
        // while linked in the channel; the channel stays usable.
        let notify_won = {
            let recv = pin!(NEVER.recv());
            let stop = pin!(STOP.notified());
            STOP.notify_one();
            matches!(future::select(recv, stop).await, Either::Right(_))
        };
        let stopped = notify_won && NEVER.try_send(5).is_ok() && NEVER.recv().await == Ok(5);
        let joined = future::join(async { 1 }, yield_now()).await.0;
        (sum, stopped, joined)
    });
    check_eq!(
        sum,
        (0..200).filter(|v| v % 3 == 0).map(|v| v + 1).sum::<u32>()
    );
    check!(
        stopped,
        "the notify won and the dropped recv left no waiter"
    );
    check_eq!(joined, 1);
    Ok(())
}

/// A request written against embedded-io-async 0.6: a length byte, the
/// body, then the reply of the same length.
async fn request_06<S: eio06::Read + eio06::Write>(
    s: &mut S,
    msg: &[u8],
    reply: &mut [u8],
) -> Result<(), eio06::ReadExactError<S::Error>> {
    s.write_all(&[msg.len() as u8])
        .await
        .map_err(eio06::ReadExactError::Other)?;
    s.write_all(msg)
        .await
        .map_err(eio06::ReadExactError::Other)?;
    s.read_exact(reply).await
}

/// Its server, written against embedded-io-async 0.7: echoes upper-cased.
async fn serve_07<S: eio07::Read + eio07::Write>(
    s: &mut S,
) -> Result<usize, eio07::ReadExactError<S::Error>> {
    let mut len = [0u8; 1];
    s.read_exact(&mut len).await?;
    let mut buf = [0u8; 255];
    let body = &mut buf[..usize::from(len[0])];
    s.read_exact(body).await?;
    body.make_ascii_uppercase();
    s.write_all(body)
        .await
        .map_err(eio07::ReadExactError::Other)?;
    Ok(body.len())
}

fn tcp_stream_through_embedded_io_06_and_07() -> Outcome {
    use bitwake::net::{SocketAddrV4, TcpListener, TcpStream};
    block_on(async {
        let io_err = |e: bitwake::io::Error| {
            testing::Failure::new(format_args!("unexpected I/O error: {e}"))
        };
        let listener =
            TcpListener::bind(SocketAddrV4::new([127, 0, 0, 1].into(), 0)).map_err(io_err)?;
        let addr = listener.local_addr().map_err(io_err)?;
        let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
        let (mut client, mut server) = (client.map_err(io_err)?, accepted.map_err(io_err)?.0);
        let mut reply = [0u8; 11];
        let (sent, served) = join(
            request_06(&mut client, b"hello there", &mut reply),
            serve_07(&mut server),
        )
        .await;
        check!(sent.is_ok(), "0.6 client: {sent:?}");
        check_eq!(served.ok(), Some(11));
        check_eq!(&reply, b"HELLO THERE");
        check!(!eio07::ReadReady::read_ready(&mut client).map_err(io_err)?);
        Ok(())
    })
}
