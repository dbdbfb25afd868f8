//! Reactor, timers and async I/O, run natively and under QEMU by
//! `cargo xtask test`. Each case runs its own `block_on`.
#![no_std]
#![no_main]
// A failure carries its message inline (no heap), so it is large by design.
#![allow(clippy::result_large_err)]

use bitwake::executor::{Either, join, select};
use bitwake::io::{self, Error};
use bitwake::net::{SocketAddrV4, TcpListener, TcpStream};
use bitwake::reactor::reactor;
use bitwake::rt::testing::{self, Failure, Outcome};
use bitwake::signal::Signals;
use bitwake::sys::{self, Errno};
use bitwake::time::{
    self, Duration, Elapsed, Instant, MissedTickBehavior, interval, sleep, timeout,
};
use bitwake::{block_on, spawn};
use bitwake::{cases, check, check_eq};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        pipe_read_waits_for_the_writer,
        edge_triggered_rearm_after_eagain,
        many_fds_at_once,
        peer_close_gives_eof_and_rdhup,
        refused_connect_is_econnrefused,
        tcp_echo_roundtrip_through_embedded_io_traits,
        write_to_closed_pipe_is_epipe,
        eintr_during_park_is_a_spurious_wakeup,
        wake_from_a_signal_handler_unparks_epoll,
        signals_wake_a_parked_task,
        every_signals_value_sees_each_delivery,
        timers_fire_in_deadline_order,
        sleep_waits_at_least_its_duration,
        dropped_sleep_cancels_its_timer,
        timeout_fires_on_a_slow_future,
        timeout_passes_a_fast_future_through,
        interval_ticks_on_schedule,
        stdin_from_dev_null_reads_eof,
        deregistration_on_drop_frees_slots,
        two_readers_of_one_pipe_both_finish,
        two_writers_of_one_socket_both_finish,
        dropped_waiting_operations_leave_no_waiter,
    ])
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn io_err(e: Error) -> Failure {
    Failure::new(format_args!("unexpected I/O error: {e}"))
}

fn pipe_read_waits_for_the_writer() -> Outcome {
    block_on(async {
        let (r, w) = io::pipe().map_err(io_err)?;
        let reader = async {
            let mut buf = [0u8; 8];
            let n = r.read(&mut buf).await?;
            Ok::<_, Error>((n, buf[0]))
        };
        let writer = async {
            sleep(ms(20)).await;
            w.write(b"z").await
        };
        let (got, wrote) = join(reader, writer).await;
        check_eq!(wrote.map_err(io_err)?, 1);
        check_eq!(got.map_err(io_err)?, (1, b'z'));
        Ok(())
    })
}

fn edge_triggered_rearm_after_eagain() -> Outcome {
    block_on(async {
        let (r, w) = io::pipe().map_err(io_err)?;
        w.write_all(b"0123456789").await.map_err(io_err)?;
        let mut buf = [0u8; 4];
        // Partial reads consume the data without another edge...
        check_eq!(r.read(&mut buf).await.map_err(io_err)?, 4);
        check_eq!(r.read(&mut buf).await.map_err(io_err)?, 4);
        check_eq!(r.read(&mut buf).await.map_err(io_err)?, 2);
        // ...then EAGAIN arms the wait, and only new data ends it.
        let late_writer = async {
            sleep(ms(30)).await;
            w.write(b"x").await
        };
        let start = Instant::now();
        let (n, _) = join(r.read(&mut buf), late_writer).await;
        check_eq!(n.map_err(io_err)?, 1);
        check_eq!(buf[0], b'x');
        check!(
            start.elapsed() >= ms(25),
            "read returned before the data was written"
        );
        Ok(())
    })
}

static ORDER: [AtomicU32; 64] = [const { AtomicU32::new(0) }; 64];
static NEXT: AtomicUsize = AtomicUsize::new(0);

bitwake::task! {
    pool_size = 64;
    async fn pipe_reader(r: io::AsyncFd, id: u32) -> Result<u8, Error> {
        let mut b = [0u8; 1];
        let n = r.read(&mut b).await?;
        if n != 1 {
            return Err(Error::UnexpectedEof);
        }
        ORDER[NEXT.fetch_add(1, Ordering::Relaxed)].store(id, Ordering::Relaxed);
        Ok(b[0])
    }
}

fn many_fds_at_once() -> Outcome {
    NEXT.store(0, Ordering::Relaxed);
    let writes_before = reactor().unpark_writes();
    block_on(async move {
        const N: usize = 64;
        let mut writers: heapless::Vec<io::AsyncFd, N> = heapless::Vec::new();
        let mut handles: heapless::Vec<_, N> = heapless::Vec::new();
        for i in 0..N {
            let (r, w) = io::pipe().map_err(io_err)?;
            let _ = writers.push(w);
            let h = spawn(pipe_reader(r, i as u32))
                .map_err(|e| Failure::new(format_args!("spawn: {e}")))?;
            let _ = handles.push(h);
        }
        // Let every reader block, then write in reverse order.
        sleep(ms(10)).await;
        for (i, w) in writers.iter().enumerate().rev() {
            w.write(&[i as u8]).await.map_err(io_err)?;
            sleep(ms(1)).await;
        }
        for (i, h) in handles.into_iter().enumerate() {
            match h.await {
                Ok(Ok(b)) => check_eq!(b as usize, i),
                other => check!(false, "reader {i}: {other:?}"),
            }
        }
        // Readers finished in the order their data arrived: reversed.
        for (k, finished) in ORDER.iter().enumerate() {
            check_eq!(finished.load(Ordering::Relaxed) as usize, N - 1 - k);
        }
        // 64 readiness wakes and 65 timer wakes, all dispatched by the loop
        // itself: none of them paid for an eventfd write.
        check_eq!(reactor().unpark_writes(), writes_before);
        Ok(())
    })
}

async fn connected_pair() -> Result<(TcpStream, TcpStream), Error> {
    let listener = TcpListener::bind(SocketAddrV4::new([127, 0, 0, 1].into(), 0))?;
    let addr = listener.local_addr()?;
    let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
    Ok((client?, accepted?.0))
}

fn peer_close_gives_eof_and_rdhup() -> Outcome {
    block_on(async {
        let (client, server) = connected_pair().await.map_err(io_err)?;
        client.write_all(b"bye").await.map_err(io_err)?;
        drop(client);
        let mut buf = [0u8; 8];
        check_eq!(server.read(&mut buf).await.map_err(io_err)?, 3);
        check_eq!(server.read(&mut buf).await.map_err(io_err)?, 0);
        Ok(())
    })
}

fn refused_connect_is_econnrefused() -> Outcome {
    block_on(async {
        let port = {
            let l =
                TcpListener::bind(SocketAddrV4::new([127, 0, 0, 1].into(), 0)).map_err(io_err)?;
            l.local_addr().map_err(io_err)?.port()
        };
        let r = TcpStream::connect(SocketAddrV4::new([127, 0, 0, 1].into(), port)).await;
        check!(
            matches!(r, Err(Error::Os(Errno::ECONNREFUSED))),
            "connect gave {:?}",
            r.err()
        );
        Ok(())
    })
}

fn tcp_echo_roundtrip_through_embedded_io_traits() -> Outcome {
    use embedded_io_async::{Read, Write};
    block_on(async {
        let (mut client, mut server) = connected_pair().await.map_err(io_err)?;
        // 200 KiB: more than the socket buffers hold, so both sides must
        // wait for writability and readability several times.
        const TOTAL: usize = 200 * 1024;
        let sender = async {
            let mut chunk = [0u8; 4096];
            let mut sent = 0;
            while sent < TOTAL {
                for (i, b) in chunk.iter_mut().enumerate() {
                    *b = ((sent + i) % 251) as u8;
                }
                Write::write_all(&mut client, &chunk).await?;
                sent += chunk.len();
            }
            client.shutdown(sys::SHUT_WR)?;
            Ok::<_, Error>(sent)
        };
        let receiver = async {
            let mut buf = [0u8; 3000];
            let mut got = 0usize;
            loop {
                let n = Read::read(&mut server, &mut buf).await?;
                if n == 0 {
                    return Ok::<_, Error>((got, true));
                }
                for (i, b) in buf[..n].iter().enumerate() {
                    if *b != ((got + i) % 251) as u8 {
                        return Ok((got + i, false));
                    }
                }
                got += n;
            }
        };
        let (sent, received) = join(sender, receiver).await;
        check_eq!(sent.map_err(io_err)?, TOTAL);
        let (got, intact) = received.map_err(io_err)?;
        check!(intact, "byte {got} differs");
        check_eq!(got, TOTAL);
        Ok(())
    })
}

fn write_to_closed_pipe_is_epipe() -> Outcome {
    block_on(async {
        let (r, w) = io::pipe().map_err(io_err)?;
        drop(r);
        check_eq!(w.write(b"x").await, Err(Error::Os(Errno::EPIPE)));
        Ok(())
    })
}

static ALARMS: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_alarm(_: i32) {
    ALARMS.fetch_add(1, Ordering::Relaxed);
}

fn set_alarm_ms(ms: i64) -> Result<(), Errno> {
    let spec = sys::Itimerval {
        interval: sys::Timeval::default(),
        value: sys::Timeval {
            sec: 0,
            usec: ms * 1000,
        },
    };
    sys::setitimer_real(&spec).map(drop)
}

fn eintr_during_park_is_a_spurious_wakeup() -> Outcome {
    ALARMS.store(0, Ordering::Relaxed);
    let old = sys::rt_sigaction(sys::SIGALRM, &sys::SigAction::handler(on_alarm, 0))?;
    set_alarm_ms(20)?;
    let start = Instant::now();
    block_on(sleep(ms(80)));
    let elapsed = start.elapsed();
    sys::rt_sigaction(sys::SIGALRM, &old)?;
    check_eq!(ALARMS.load(Ordering::Relaxed), 1);
    check!(elapsed >= ms(80), "sleep ended early after {elapsed:?}");
    Ok(())
}

/// The waker a signal handler uses: written once before the alarm is armed,
/// then only read (by the handler), so no lock is needed — a handler must
/// never take a lock the code it interrupted might hold.
struct SignalWaker {
    set: core::sync::atomic::AtomicBool,
    waker: core::cell::UnsafeCell<Option<core::task::Waker>>,
}

// SAFETY: `waker` is written only while `set` is false and no signal that
// reads it is armed; afterwards it is only read.
unsafe impl Sync for SignalWaker {}

static SIGNAL_WAKER: SignalWaker = SignalWaker {
    set: core::sync::atomic::AtomicBool::new(false),
    waker: core::cell::UnsafeCell::new(None),
};
static SIGNAL_FLAG: AtomicU32 = AtomicU32::new(0);

extern "C" fn wake_from_handler(_: i32) {
    SIGNAL_FLAG.store(1, Ordering::Release);
    if SIGNAL_WAKER.set.load(Ordering::Acquire) {
        // SAFETY: `set` is true, so the waker was fully written and is no
        // longer mutated (see `SignalWaker`).
        if let Some(w) = unsafe { &*SIGNAL_WAKER.waker.get() } {
            // A bitwake waker: sets a bit, maybe writes the eventfd —
            // async-signal-safe.
            w.wake_by_ref();
        }
    }
}

/// `Signals::recv` while the executor is parked in epoll: the alarm's
/// handler writes the eventfd, which ends the wait at once.
fn signals_wake_a_parked_task() -> Outcome {
    let mut signals = Signals::new(&[sys::SIGALRM]).map_err(io_err)?;
    set_alarm_ms(30)?;
    let start = Instant::now();
    let got = block_on(timeout(ms(5000), signals.recv()));
    let elapsed = start.elapsed();
    check_eq!(got, Ok(Ok(sys::SIGALRM)));
    check!(elapsed < ms(2000), "woken after {elapsed:?}");
    Ok(())
}

/// Two listeners both see a delivery; deliveries nobody waited for are
/// merged into one; a later delivery is seen again; SIGKILL is refused.
fn every_signals_value_sees_each_delivery() -> Outcome {
    check!(Signals::new(&[sys::SIGKILL]).is_err(), "SIGKILL was caught");
    check!(Signals::new(&[0]).is_err(), "signal 0 was accepted");
    let mut a = Signals::new(&[sys::SIGUSR1, sys::SIGUSR2]).map_err(io_err)?;
    let mut b = Signals::new(&[sys::SIGUSR1]).map_err(io_err)?;
    check_eq!(a.try_recv(), None);
    // Single-threaded: a signal sent to ourselves is handled before `kill`
    // returns.
    sys::kill(sys::getpid(), sys::SIGUSR1)?;
    sys::kill(sys::getpid(), sys::SIGUSR1)?;
    check_eq!(a.try_recv(), Some(sys::SIGUSR1));
    check_eq!(a.try_recv(), None);
    check_eq!(b.try_recv(), Some(sys::SIGUSR1));
    let (got, sent) = block_on(join(a.recv(), async {
        sleep(ms(20)).await;
        sys::kill(sys::getpid(), sys::SIGUSR2)
    }));
    sent?;
    check_eq!(got, Ok(sys::SIGUSR2));
    check_eq!(b.try_recv(), None);
    Ok(())
}

fn wake_from_a_signal_handler_unparks_epoll() -> Outcome {
    SIGNAL_FLAG.store(0, Ordering::Relaxed);
    let old = sys::rt_sigaction(
        sys::SIGALRM,
        &sys::SigAction::handler(wake_from_handler, sys::SA_RESTART),
    )?;
    let writes_before = reactor().unpark_writes();
    let start = Instant::now();
    let woken = block_on(async {
        let flag = core::future::poll_fn(|cx| {
            if !SIGNAL_WAKER.set.load(Ordering::Acquire) {
                // SAFETY: not yet published, and the alarm is armed only
                // after this first poll (see `SignalWaker`).
                unsafe { *SIGNAL_WAKER.waker.get() = Some(cx.waker().clone()) };
                SIGNAL_WAKER.set.store(true, Ordering::Release);
            }
            if SIGNAL_FLAG.load(Ordering::Acquire) == 1 {
                core::task::Poll::Ready(true)
            } else {
                core::task::Poll::Pending
            }
        });
        let arm = async {
            let _ = set_alarm_ms(30);
            // Park far longer than the alarm: only the handler's wake
            // (through the eventfd) can end the wait early.
            sleep(ms(5000)).await;
            false
        };
        match select(flag, arm).await {
            Either::Left(v) => v,
            Either::Right(v) => v,
        }
    });
    sys::rt_sigaction(sys::SIGALRM, &old)?;
    check!(woken, "the handler's wake did not end the park");
    // The handler found the loop parked: exactly one eventfd write.
    check_eq!(reactor().unpark_writes(), writes_before + 1);
    check!(
        start.elapsed() < ms(4000),
        "woke only after {:?}",
        start.elapsed()
    );
    Ok(())
}

bitwake::task! {
    pool_size = 8;
    async fn sleeper(delay_ms: u64) {
        let _ = sleep(ms(delay_ms)).await;
        ORDER[NEXT.fetch_add(1, Ordering::Relaxed)].store(delay_ms as u32, Ordering::Relaxed);
    }
}

fn timers_fire_in_deadline_order() -> Outcome {
    NEXT.store(0, Ordering::Relaxed);
    block_on(async {
        let delays = [50u64, 10, 40, 20, 30];
        let mut hs: heapless::Vec<_, 5> = heapless::Vec::new();
        for d in delays {
            let _ =
                hs.push(spawn(sleeper(d)).map_err(|e| Failure::new(format_args!("spawn: {e}")))?);
        }
        for h in hs {
            check!(h.await.is_ok(), "sleeper failed");
        }
        for (k, want) in [10, 20, 30, 40, 50].into_iter().enumerate() {
            check_eq!(ORDER[k].load(Ordering::Relaxed), want);
        }
        Ok(())
    })
}

fn sleep_waits_at_least_its_duration() -> Outcome {
    let start = Instant::now();
    block_on(sleep(ms(30)));
    let e = start.elapsed();
    check!(e >= ms(30) && e < ms(2000), "slept {e:?}");
    Ok(())
}

fn dropped_sleep_cancels_its_timer() -> Outcome {
    block_on(async {
        let before = time::driver::pending_timers();
        // The long sleep registers a timer on its first poll, then loses the
        // race and is dropped: its timer must go with it.
        match select(sleep(ms(10_000)), sleep(ms(5))).await {
            Either::Right(_) => {}
            Either::Left(_) => check!(false, "10 s sleep won"),
        }
        check_eq!(time::driver::pending_timers(), before);
        Ok(())
    })
}

fn timeout_fires_on_a_slow_future() -> Outcome {
    let start = Instant::now();
    let r = block_on(timeout(ms(20), sleep(ms(5000))));
    check!(matches!(r, Err(Elapsed)), "got {r:?}");
    check!(
        start.elapsed() < ms(2000),
        "timeout took {:?}",
        start.elapsed()
    );
    check_eq!(time::driver::pending_timers(), 0);
    Ok(())
}

fn timeout_passes_a_fast_future_through() -> Outcome {
    let r = block_on(timeout(ms(5000), async {
        sleep(ms(5)).await;
        42
    }));
    check_eq!(r, Ok(42));
    check_eq!(time::driver::pending_timers(), 0);
    Ok(())
}

fn interval_ticks_on_schedule() -> Outcome {
    block_on(async {
        let Some(mut iv) = interval(ms(20)) else {
            return Err(Failure::new(format_args!("interval(20ms) refused")));
        };
        // Burst: a tick missed under load still comes (late), so scheduled
        // instants stay exactly one period apart whatever the machine does.
        iv.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let start = Instant::now();
        let first = iv.tick().await;
        let mut last = first;
        for _ in 0..3 {
            let t = iv.tick().await;
            check_eq!(t.duration_since(last), ms(20));
            last = t;
        }
        check!(
            start.elapsed() >= ms(59),
            "3 periods took only {:?}",
            start.elapsed()
        );
        check!(interval(Duration::ZERO).is_none(), "zero period accepted");
        Ok(())
    })
}

fn stdin_from_dev_null_reads_eof() -> Outcome {
    // `cargo xtask test` gives test programs /dev/null as stdin: epoll
    // refuses it (EPERM), so it is read directly and says end of file.
    block_on(async {
        let stdin = io::stdin().map_err(io_err)?;
        let mut buf = [0u8; 8];
        check_eq!(stdin.read(&mut buf).await.map_err(io_err)?, 0);
        Ok(())
    })
}

fn deregistration_on_drop_frees_slots() -> Outcome {
    let before = reactor().registrations();
    {
        let _p = io::pipe().map_err(io_err)?;
        check_eq!(reactor().registrations(), before + 2);
    }
    check_eq!(reactor().registrations(), before);
    Ok(())
}

/// A value the tasks of one case share through a `static`: a task's
/// arguments are `'static` and there is no heap to share from.
struct Shared<T> {
    value: core::cell::UnsafeCell<Option<T>>,
}

// SAFETY: `put` runs only while nobody holds a reference from `get` (before
// the tasks are spawned and after they all ended, see its contract), and
// `get` hands out shared references to a `Sync` value.
unsafe impl<T: Sync> Sync for Shared<T> {}

impl<T> Shared<T> {
    const fn new() -> Self {
        Shared {
            value: core::cell::UnsafeCell::new(None),
        }
    }

    /// Stores `value` and returns a `'static` reference to it.
    ///
    /// # Safety
    ///
    /// No reference returned by an earlier `put` may be alive.
    unsafe fn put(&'static self, value: T) -> &'static T {
        // SAFETY: by the contract, nothing borrows the cell now.
        unsafe { (*self.value.get()).insert(value) }
    }

    /// Drops the stored value.
    ///
    /// # Safety
    ///
    /// No reference returned by `put` may be alive.
    unsafe fn clear(&'static self) {
        // SAFETY: by the contract, nothing borrows the cell now.
        unsafe { *self.value.get() = None };
    }
}

/// Why a task sharing an fd did not get its bytes.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "the error is read through Debug, in a failure message"
)]
enum SharedFail {
    TimedOut,
    Eof,
    Io(Error),
}

/// How long a shared-fd task waits before giving up: the cases check that
/// they finished far sooner.
const SHARED_PATIENCE_MS: u64 = 5000;

static SHARED_PIPE: Shared<io::AsyncFd> = Shared::new();

bitwake::task! {
    pool_size = 2;
    async fn shared_reader(r: &'static io::AsyncFd) -> Result<u8, SharedFail> {
        let mut b = [0u8; 1];
        match timeout(ms(SHARED_PATIENCE_MS), r.read(&mut b)).await {
            Ok(Ok(1)) => Ok(b[0]),
            Ok(Ok(_)) => Err(SharedFail::Eof),
            Ok(Err(e)) => Err(SharedFail::Io(e)),
            Err(_) => Err(SharedFail::TimedOut),
        }
    }
}

/// Two tasks read the same pipe: both wait, one write brings a byte for
/// each. Both must be woken by that one edge; a reactor that kept one waker
/// per direction let the second waiter replace the first, which then slept
/// until its timeout.
fn two_readers_of_one_pipe_both_finish() -> Outcome {
    let (r, w) = io::pipe().map_err(io_err)?;
    // SAFETY: no task of this case runs yet, so nothing borrows the cell.
    let r = unsafe { SHARED_PIPE.put(r) };
    let outcome = block_on(async {
        let spawn_err = |e| Failure::new(format_args!("spawn: {e}"));
        let a = spawn(shared_reader(r)).map_err(spawn_err)?;
        let b = spawn(shared_reader(r)).map_err(spawn_err)?;
        // Let both readers find the pipe empty and wait.
        sleep(ms(20)).await;
        let start = Instant::now();
        check_eq!(w.write(b"ab").await.map_err(io_err)?, 2);
        let (a, b) = join(a, b).await;
        let elapsed = start.elapsed();
        let (a, b) = match (a, b) {
            (Ok(Ok(a)), Ok(Ok(b))) => (a, b),
            other => return Err(Failure::new(format_args!("readers: {other:?}"))),
        };
        check!(
            (a, b) == (b'a', b'b') || (a, b) == (b'b', b'a'),
            "readers got {a} and {b}"
        );
        check!(
            elapsed < ms(SHARED_PATIENCE_MS / 2),
            "a reader was not woken by its byte: both done after {elapsed:?}"
        );
        Ok(())
    });
    if outcome.is_ok() {
        // SAFETY: both readers ended (their handles resolved), so no
        // reference to the pipe is left.
        unsafe { SHARED_PIPE.clear() };
    }
    outcome
}

static SHARED_STREAM: Shared<TcpStream> = Shared::new();

/// Bytes each writer sends: together more than the receive buffer and the
/// shrunken send buffer hold, so both writers block before the reader
/// starts.
const WRITER_BYTES: usize = 1024 * 1024;

bitwake::task! {
    pool_size = 2;
    async fn shared_writer(s: &'static TcpStream, byte: u8) -> Result<usize, SharedFail> {
        let chunk = [byte; 1024];
        let mut sent = 0;
        while sent < WRITER_BYTES {
            let part = &chunk[..chunk.len().min(WRITER_BYTES - sent)];
            match timeout(ms(SHARED_PATIENCE_MS), s.write(part)).await {
                Ok(Ok(0)) => return Err(SharedFail::Eof),
                Ok(Ok(n)) => sent += n,
                Ok(Err(e)) => return Err(SharedFail::Io(e)),
                Err(_) => return Err(SharedFail::TimedOut),
            }
        }
        Ok(sent)
    }
}

/// Two tasks write to the same socket until its (small) buffer is full, so
/// both wait for writability; the reader then drains. Every writable edge
/// must wake both writers.
fn two_writers_of_one_socket_both_finish() -> Outcome {
    let outcome = block_on(async {
        let (client, server) = connected_pair().await.map_err(io_err)?;
        // A small send buffer: the writers wait for writability many times.
        // (A small receive buffer would make the transfer crawl on delayed
        // ACKs instead.)
        sys::setsockopt_int(client.raw_fd(), sys::SOL_SOCKET, sys::SO_SNDBUF, 4096)?;
        // SAFETY: no task of this case runs yet, so nothing borrows the cell.
        let client = unsafe { SHARED_STREAM.put(client) };
        let spawn_err = |e| Failure::new(format_args!("spawn: {e}"));
        let a = spawn(shared_writer(client, b'a')).map_err(spawn_err)?;
        let b = spawn(shared_writer(client, b'b')).map_err(spawn_err)?;
        // Let both writers fill the buffers and wait.
        sleep(ms(20)).await;
        let start = Instant::now();
        let mut counts = [0usize; 2];
        let mut buf = [0u8; 4096];
        while counts[0] + counts[1] < 2 * WRITER_BYTES {
            let n = match timeout(ms(SHARED_PATIENCE_MS), server.read(&mut buf)).await {
                Ok(Ok(0)) => break,
                Ok(Ok(n)) => n,
                Ok(Err(e)) => return Err(io_err(e)),
                Err(_) => break,
            };
            for &x in &buf[..n] {
                match x {
                    b'a' => counts[0] += 1,
                    b'b' => counts[1] += 1,
                    _ => check!(false, "stray byte {x}"),
                }
            }
        }
        let (a, b) = join(a, b).await;
        let elapsed = start.elapsed();
        match (a, b) {
            (Ok(Ok(a)), Ok(Ok(b))) => check_eq!((a, b), (WRITER_BYTES, WRITER_BYTES)),
            other => return Err(Failure::new(format_args!("writers: {other:?}"))),
        }
        check_eq!(counts, [WRITER_BYTES, WRITER_BYTES]);
        check!(
            elapsed < ms(SHARED_PATIENCE_MS / 2),
            "a writer was not woken by a writable edge: both done after {elapsed:?}"
        );
        Ok(())
    });
    if outcome.is_ok() {
        // SAFETY: both writers ended (their handles resolved), so no
        // reference to the stream is left.
        unsafe { SHARED_STREAM.clear() };
    }
    outcome
}

/// Operations dropped while they wait (a lost `select`, an expired
/// `timeout`) unlink their waiters: none is left behind, and the fd works
/// as before.
fn dropped_waiting_operations_leave_no_waiter() -> Outcome {
    block_on(async {
        let (r, w) = io::pipe().map_err(io_err)?;
        let before = reactor().waiters();
        let mut buf = [0u8; 1];
        let probe = async {
            sleep(ms(10)).await;
            reactor().waiters()
        };
        match select(r.read(&mut buf), probe).await {
            Either::Right(waiting) => check_eq!(waiting, before + 1),
            Either::Left(n) => check!(false, "read of an empty pipe ended: {n:?}"),
        }
        check_eq!(reactor().waiters(), before);
        // Two reads waiting in one task, both dropped by the timeout.
        let (mut a, mut b) = ([0u8; 1], [0u8; 1]);
        let both = timeout(ms(10), join(r.read(&mut a), r.read(&mut b))).await;
        check!(both.is_err(), "reads of an empty pipe ended: {both:?}");
        check_eq!(reactor().waiters(), before);
        // The pipe still works, and nothing stale is woken on its edges.
        check_eq!(w.write(b"q").await.map_err(io_err)?, 1);
        check_eq!(r.read(&mut buf).await.map_err(io_err)?, 1);
        check_eq!(buf[0], b'q');
        check_eq!(reactor().waiters(), before);
        Ok(())
    })
}
