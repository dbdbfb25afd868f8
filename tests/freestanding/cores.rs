//! The thread-per-core runtime (`bitwake::rt::cores`): spawn_on, which core
//! polls what, cross-core ping-pong over `sync` channels with exact counts,
//! timers on every core, one task function on every core (per-core
//! pools), I/O served by the core that owns it; run natively and under
//! QEMU by `cargo xtask test` (bin `test-cores`).
#![no_std]
#![no_main]
#![allow(clippy::result_large_err)]

use bitwake::executor::{JoinError, SpawnError};
use bitwake::rt::cores::{self, Cores};
use bitwake::rt::testing::{self, Outcome};
use bitwake::sync::Channel;
use bitwake::sys::Errno;
use bitwake::time::{Duration, Instant, sleep, timeout};
use bitwake::{cases, check, check_eq};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        spawn_on_runs_where_asked,
        cross_core_ping_pong_counts_exactly,
        many_tasks_wake_across_cores,
        sleeps_on_core_one,
        unfinished_tasks_are_cancelled_at_the_end,
        bad_configurations_are_errors,
        one_task_function_on_every_core,
        per_core_pools_are_full_per_core,
        io_on_core_one_needs_no_core_zero,
        an_fd_moved_across_cores_stays_served,
        an_fd_outliving_its_core_still_works,
    ])
}

/// Round trips of the ping-pong: cheap by default (the test runs natively
/// and under QEMU in every `cargo xtask test`); `BITWAKE_CORES_ROUNDS=N`
/// makes it a stress run (each round trip is two cross-core wakes).
fn rounds() -> u32 {
    bitwake::rt::env("BITWAKE_CORES_ROUNDS")
        .and_then(|v| core::str::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .filter(|&n| n >= 8)
        .unwrap_or(4_000)
}

bitwake::task! {
    pool_size = 2;
    async fn where_am_i(tag: u32) -> (u32, Option<usize>) {
        bitwake::executor::yield_now().await;
        (tag, cores::current())
    }
}

fn spawn_on_runs_where_asked() -> Outcome {
    let r = Cores::new(2).pinned(false).run(async {
        let on1 = cores::spawn_on(1, where_am_i(7)).map_err(|_| Errno::EAGAIN)?;
        let main_core = cores::current();
        let got = on1.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((main_core, got, cores::count()))
    })?;
    check_eq!(r?, (Some(0), (7, Some(1)), 2));
    check_eq!(cores::current(), None);
    check_eq!(cores::count(), 0);
    Ok(())
}

static PING: Channel<u32, 1> = Channel::new();
static PONG: Channel<u32, 1> = Channel::new();

bitwake::task! {
    pool_size = 1;
    async fn ponger(n: u32) -> u32 {
        let mut seen = 0;
        for i in 0..n {
            match PING.recv().await {
                Ok(v) if v == i => seen += 1,
                _ => break,
            }
            if PONG.send(i).await.is_err() {
                break;
            }
        }
        seen
    }
}

fn cross_core_ping_pong_counts_exactly() -> Outcome {
    let n = rounds();
    let r = Cores::new(2).run(async move {
        let h = cores::spawn_on(1, ponger(n)).map_err(|_| Errno::EAGAIN)?;
        let start = Instant::now();
        let mut back = 0;
        // A bound per round trip, not for the whole run: a slow machine
        // (QEMU on a loaded host) stretches every round trip a little, a
        // lost wake-up stretches one forever.
        let mut stuck = false;
        for i in 0..n {
            let round = timeout(Duration::from_secs(20), async {
                PING.send(i).await.ok()?;
                PONG.recv().await.ok()
            });
            match round.await {
                Ok(Some(v)) if v == i => back += 1,
                Ok(_) => break,
                Err(_) => {
                    stuck = true;
                    break;
                }
            }
        }
        // Whatever happened, let the ponger finish.
        PING.close();
        PONG.close();
        let seen = h.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((stuck, back, seen, start.elapsed()))
    });
    let (stuck, back, seen, took) = match r {
        // Fewer than two CPUs to pin to: nothing to check here.
        Err(Errno::EINVAL) => return Ok(()),
        r => r??,
    };
    check!(!stuck, "round trip {back} took over 20 s: a lost wake-up");
    check_eq!((back, seen), (n, n));
    // Stress runs report their pace on stderr (the harness reads stdout).
    if n > 4_000 {
        bitwake::eprintln!("{n} cross-core round trips in {} us", took.as_micros());
    }
    Ok(())
}

/// 16 tasks on core 1, each waiting for its own channel fed from core 0:
/// every message is a cross-core wake of one of many tasks in one bitmap.
const FAN: usize = 16;
static LANES: [Channel<u32, 4>; FAN] = [const { Channel::new() }; FAN];

bitwake::task! {
    pool_size = 16;
    async fn lane(k: usize, n: u32) -> u64 {
        let mut sum = 0u64;
        for _ in 0..n {
            match LANES[k].recv().await {
                Ok(v) => sum += v as u64,
                Err(_) => break,
            }
        }
        sum
    }
}

fn many_tasks_wake_across_cores() -> Outcome {
    let n = rounds() / 4;
    let r = Cores::new(2).pinned(false).run(async move {
        let mut hs: heapless::Vec<_, FAN> = heapless::Vec::new();
        for k in 0..FAN {
            let h = cores::spawn_on(1, lane(k, n)).map_err(|_| Errno::EAGAIN)?;
            let _ = hs.push(h);
        }
        for v in 0..n {
            for l in &LANES {
                if l.send(v).await.is_err() {
                    return Err(Errno::EPIPE);
                }
            }
        }
        let mut total = 0u64;
        for h in hs {
            total += h.await.map_err(|_| Errno::ECANCELED)?;
        }
        Ok::<_, Errno>(total)
    })?;
    let per = (n as u64) * (n as u64 - 1) / 2;
    check_eq!(r?, per * FAN as u64);
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    async fn nap() -> Option<usize> {
        sleep(Duration::from_millis(20)).await;
        cores::current()
    }
}

fn sleeps_on_core_one() -> Outcome {
    let r = Cores::new(2).pinned(false).run(async {
        let t = Instant::now();
        let h = cores::spawn_on(1, nap()).map_err(|_| Errno::EAGAIN)?;
        let core = h.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((core, t.elapsed()))
    })?;
    let (core, took) = r?;
    check_eq!(core, Some(1));
    check!(took >= Duration::from_millis(20), "{} us", took.as_micros());
    check!(took < Duration::from_secs(5), "{} us", took.as_micros());
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    async fn forever() {
        core::future::pending::<()>().await
    }
}

fn unfinished_tasks_are_cancelled_at_the_end() -> Outcome {
    let r = Cores::new(2)
        .pinned(false)
        .run(async { cores::spawn_on(1, forever()) })?;
    let h = r.map_err(|_| Errno::EAGAIN)?;
    check_eq!(bitwake::block_on(h), Err(JoinError::Cancelled));
    Ok(())
}

fn bad_configurations_are_errors() -> Outcome {
    check_eq!(Cores::new(0).run(async {}).err(), Some(Errno::EINVAL));
    check_eq!(
        Cores::new(cores::MAX_CORES + 1).run(async {}).err(),
        Some(Errno::EINVAL)
    );
    check_eq!(
        Cores::new(1000).pinned(true).run(async {}).err(),
        Some(Errno::EINVAL)
    );
    let nested = Cores::new(1).run(async { Cores::new(1).run(async {}).err() })?;
    check_eq!(nested, Some(Errno::EBUSY));
    check_eq!(
        cores::spawn_on(1, where_am_i(0)).err(),
        Some(SpawnError::NoSuchCore)
    );
    Ok(())
}

bitwake::task! {
    pool_size = 4;
    cores = 3;
    /// Started by `conn_worker` on its own core.
    async fn conn_handler(conn: u32) -> (u32, Option<usize>) {
        bitwake::executor::yield_now().await;
        (conn * 2, cores::current())
    }
}

bitwake::task! {
    pool_size = 2;
    cores = 3;
    /// The same worker on every core: starts two handlers on the core it
    /// runs on (one with `spawn_on`, one with plain `bitwake::spawn`) and
    /// reports where everything was polled.
    async fn conn_worker(core: usize) -> Result<(usize, Option<usize>, [(u32, Option<usize>); 2]), SpawnError> {
        let here = cores::current();
        let at = here.unwrap_or(usize::MAX);
        let a = cores::spawn_on(at, conn_handler(core as u32 * 10))?;
        // `bitwake::spawn` on a core starts the task on that core.
        let b = bitwake::spawn(conn_handler(core as u32 * 10 + 1))?;
        let a = a.await.map_err(|_| SpawnError::NotRunning)?;
        let b = b.await.map_err(|_| SpawnError::NotRunning)?;
        Ok((core, here, [a, b]))
    }
}

/// `spawn_on(i, worker(i))` for every core with one task function, and each
/// core's own spawns (`handler`) land on that core; a fourth core has no
/// pool of its own (`cores = 3`) and gets `TooManyExecutors`.
fn one_task_function_on_every_core() -> Outcome {
    let r = Cores::new(4).pinned(false).run(async {
        let mut hs: heapless::Vec<_, 3> = heapless::Vec::new();
        for i in 0..3 {
            let h = cores::spawn_on(i, conn_worker(i)).map_err(|_| Errno::EAGAIN)?;
            let _ = hs.push(h);
        }
        let fourth = cores::spawn_on(3, conn_worker(3)).err();
        let mut out: heapless::Vec<_, 3> = heapless::Vec::new();
        for h in hs {
            let _ = out.push(h.await.map_err(|_| Errno::ECANCELED)?);
        }
        Ok::<_, Errno>((out, fourth))
    })?;
    let (out, fourth) = r?;
    check_eq!(fourth, Some(SpawnError::TooManyExecutors));
    for (i, got) in out.into_iter().enumerate() {
        let c = i as u32;
        check_eq!(
            got,
            Ok((i, Some(i), [(c * 20, Some(i)), ((c * 10 + 1) * 2, Some(i))]))
        );
    }
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    cores = 2;
    async fn parked_until(stop: &'static Channel<(), 1>) -> Option<usize> {
        let _ = stop.recv().await;
        cores::current()
    }
}

static STOP_0: Channel<(), 1> = Channel::new();
static STOP_1: Channel<(), 1> = Channel::new();

/// A pool of one per core: each core holds one task, a second task on
/// core 0 is refused with its arguments while core 1 still takes one.
fn per_core_pools_are_full_per_core() -> Outcome {
    let r = Cores::new(2).pinned(false).run(async {
        let Some(core0) = cores::executor(0) else {
            return Err(Errno::EINVAL);
        };
        let a = cores::spawn_on(0, parked_until(&STOP_0)).map_err(|_| Errno::EAGAIN)?;
        let full = match core0.try_spawn(parked_until(&STOP_1)) {
            Err(r) => Some((r.error, r.args.map(|(c,)| core::ptr::eq(c, &STOP_1)))),
            Ok(_) => None,
        };
        let b = cores::spawn_on(1, parked_until(&STOP_1)).map_err(|_| Errno::EAGAIN)?;
        STOP_0.close();
        STOP_1.close();
        let a = a.await.map_err(|_| Errno::ECANCELED)?;
        let b = b.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((full, a, b))
    })?;
    check_eq!(r?, (Some((SpawnError::Full, Some(true))), Some(0), Some(1)));
    Ok(())
}

/// Bytes pumped through a pipe on core 1: 16 times the pipe's buffer, so the
/// writer waits for writability and the reader for readability many times.
const PUMPED: usize = 1 << 20;
/// Bytes sent over a TCP loopback connection made on core 1.
const SENT: usize = 256 * 1024;
/// Set by the I/O task on core 1 when it is done (core 0 never awaits it
/// while it spins, so only core 1's reactor can drive the task).
static IO_DONE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// The byte at position `i` of a pumped stream.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

/// Fills `chunk` with the pattern from stream position `at`; how many bytes
/// of `total` that is.
fn fill(chunk: &mut [u8; 4096], at: usize, total: usize) -> usize {
    let len = chunk.len().min(total - at);
    for (k, b) in chunk.iter_mut().enumerate().take(len) {
        *b = pattern(at + k);
    }
    len
}

/// How many of `bytes`, found at stream position `at`, match the pattern.
fn matching(bytes: &[u8], at: usize) -> usize {
    (at..).zip(bytes).filter(|&(i, &b)| b == pattern(i)).count()
}

/// Writes `total` pattern bytes to `w` in 4 KiB calls, then drops it.
async fn pipe_out(w: bitwake::io::AsyncFd, total: usize) -> Result<usize, bitwake::io::Error> {
    let (mut sent, mut chunk) = (0, [0u8; 4096]);
    while sent < total {
        let len = fill(&mut chunk, sent, total);
        sent += w.write(&chunk[..len]).await?;
    }
    Ok(sent)
}

/// Reads `r` to end of file: how many bytes matched the pattern.
async fn pipe_in(r: &bitwake::io::AsyncFd) -> Result<usize, bitwake::io::Error> {
    let (mut got, mut good, mut buf) = (0, 0, [0u8; 4096]);
    loop {
        match r.read(&mut buf).await? {
            0 => return Ok(good),
            n => {
                good += matching(&buf[..n], got);
                got += n;
            }
        }
    }
}

/// [`pipe_out`] over TCP.
async fn tcp_out(w: bitwake::net::TcpStream, total: usize) -> Result<usize, bitwake::io::Error> {
    let (mut sent, mut chunk) = (0, [0u8; 4096]);
    while sent < total {
        let len = fill(&mut chunk, sent, total);
        sent += w.write(&chunk[..len]).await?;
    }
    Ok(sent)
}

/// [`pipe_in`] over TCP.
async fn tcp_in(r: &bitwake::net::TcpStream) -> Result<usize, bitwake::io::Error> {
    let (mut got, mut good, mut buf) = (0, 0, [0u8; 4096]);
    loop {
        match r.read(&mut buf).await? {
            0 => return Ok(good),
            n => {
                good += matching(&buf[..n], got);
                got += n;
            }
        }
    }
}

bitwake::task! {
    pool_size = 1;
    async fn io_on_core_one() -> Result<(usize, usize, [usize; 4]), bitwake::io::Error> {
        use bitwake::net::{SocketAddrV4, TcpListener, TcpStream};
        let (r, w) = bitwake::io::pipe()?;
        let piped = bitwake::future::join(pipe_out(w, PUMPED), pipe_in(&r)).await;
        let listener = TcpListener::bind(SocketAddrV4::new([127, 0, 0, 1].into(), 0))?;
        let addr = listener.local_addr()?;
        let (accepted, connected) =
            bitwake::future::join(listener.accept(), TcpStream::connect(addr)).await;
        let ((server, _), client) = (accepted?, connected?);
        let cores = [
            r_core(&listener),
            server.reactor_core(),
            client.reactor_core(),
            bitwake::rt::cores::current().unwrap_or(usize::MAX),
        ];
        // The writer owns its end: dropping it is the reader's end of stream.
        let sent = bitwake::future::join(tcp_out(client, SENT), tcp_in(&server)).await;
        IO_DONE.store(true, core::sync::atomic::Ordering::Release);
        let (piped_out, piped_in) = piped;
        check_io(piped_out?, piped_in?, sent.0?, sent.1?, cores)
    }
}

fn r_core(l: &bitwake::net::TcpListener) -> usize {
    l.reactor_core()
}

/// `(bytes piped, bytes over TCP, [listener, server, client, task] cores)`
/// when both directions agree, else `EIO`.
fn check_io(
    piped_out: usize,
    piped_in: usize,
    tcp_out: usize,
    tcp_in: usize,
    cores: [usize; 4],
) -> Result<(usize, usize, [usize; 4]), bitwake::io::Error> {
    if piped_out != piped_in || tcp_out != tcp_in {
        return Err(bitwake::io::Error::Os(Errno::EIO));
    }
    Ok((piped_in, tcp_in, cores))
}

/// Core 1 pipes 1 MiB and sends 256 KiB over TCP, every wait for readiness
/// through its own reactor, while core 0 computes without ever parking: with
/// fds on core 0's reactor, core 1 would wait forever.
fn io_on_core_one_needs_no_core_zero() -> Outcome {
    use core::sync::atomic::Ordering;
    IO_DONE.store(false, Ordering::Relaxed);
    let r = Cores::new(2).pinned(false).run(async {
        let h = cores::spawn_on(1, io_on_core_one()).map_err(|_| Errno::EAGAIN)?;
        // Blocked in a computation: no await, so core 0 never parks in (or
        // dispatches) its reactor until core 1 is done or 60 s have passed.
        let start = Instant::now();
        let mut spins = 0u64;
        while !IO_DONE.load(Ordering::Acquire) && start.elapsed() < Duration::from_secs(60) {
            spins = core::hint::black_box(spins + 1);
        }
        let done_while_blocked = IO_DONE.load(Ordering::Acquire);
        let out = h.await.map_err(|_| Errno::ECANCELED)?;
        Ok::<_, Errno>((done_while_blocked, out))
    })?;
    let (done_while_blocked, out) = r?;
    check!(
        done_while_blocked,
        "core 1's I/O stalled while core 0 computed"
    );
    let (piped, sent, where_) = out.map_err(|_| Errno::EIO)?;
    check_eq!((piped, sent), (PUMPED, SENT));
    check_eq!(where_, [1, 1, 1, 1]);
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    async fn pipe_on_core_one() -> Result<(bitwake::io::AsyncFd, bitwake::io::AsyncFd), bitwake::io::Error> {
        bitwake::io::pipe()
    }
}

bitwake::task! {
    pool_size = 1;
    async fn write_later(w: bitwake::io::AsyncFd) -> Result<usize, bitwake::io::Error> {
        sleep(Duration::from_millis(20)).await;
        w.write(b"x").await
    }
}

/// A pipe made on core 1 and read on core 0: core 1's reactor dispatches the
/// edge, the reader on core 0 gets it as a cross-core wake, and dropping the
/// ends on core 0 deregisters them from core 1's reactor (no leaked slot).
fn an_fd_moved_across_cores_stays_served() -> Outcome {
    let one = || bitwake::reactor::core_reactor(1).map_or(usize::MAX, |r| r.registrations());
    let before = one();
    let r = Cores::new(2).pinned(false).run(async move {
        let made = cores::spawn_on(1, pipe_on_core_one()).map_err(|_| Errno::EAGAIN)?;
        let (r, w) = made
            .await
            .map_err(|_| Errno::ECANCELED)?
            .map_err(|_| Errno::EIO)?;
        let homes = (r.reactor_core(), w.reactor_core(), one() - before);
        let wrote = cores::spawn_on(1, write_later(w)).map_err(|_| Errno::EAGAIN)?;
        let mut b = [0u8; 4];
        let read = timeout(Duration::from_secs(20), r.read(&mut b)).await;
        let wrote = wrote.await.map_err(|_| Errno::ECANCELED)?;
        drop(r);
        Ok::<_, Errno>((homes, read.ok().and_then(|n| n.ok()), wrote.ok(), b[0]))
    })?;
    check_eq!(r?, ((1, 1, 2), Some(1), Some(1), b'x'));
    check_eq!(one(), before);
    Ok(())
}

bitwake::task! {
    pool_size = 1;
    /// Writes one byte after 20 ms, then drops the write end.
    async fn write_soon(w: bitwake::io::AsyncFd) -> Result<usize, bitwake::io::Error> {
        sleep(Duration::from_millis(20)).await;
        w.write(b"z").await
    }
}

bitwake::task! {
    pool_size = 1;
    /// Reads once, for at most 10 s: the count (if it came within 5 s), the
    /// first byte, the fd.
    async fn read_within(r: bitwake::io::AsyncFd) -> (Option<usize>, u8, bitwake::io::AsyncFd) {
        let mut b = [0u8; 4];
        let start = Instant::now();
        let n = timeout(Duration::from_secs(10), r.read(&mut b)).await;
        let prompt = start.elapsed() < Duration::from_secs(5);
        (n.ok().and_then(|n| n.ok()).filter(|_| prompt), b[0], r)
    }
}

/// A pipe made on core 1 and kept after the runtime ends: nobody parks core
/// 1's reactor any more, so the process-wide one serves it (by looking, at
/// least every 10 ms); a read waiting for data still ends.
fn an_fd_outliving_its_core_still_works() -> Outcome {
    let one = || bitwake::reactor::core_reactor(1).map_or(usize::MAX, |r| r.registrations());
    let before = one();
    let made = Cores::new(2).pinned(false).run(async {
        let h = cores::spawn_on(1, pipe_on_core_one()).map_err(|_| Errno::EAGAIN)?;
        h.await
            .map_err(|_| Errno::ECANCELED)?
            .map_err(|_| Errno::EIO)
    })?;
    let (r, w) = made?;
    check_eq!((r.reactor_core(), one() - before), (1, 2));
    // Reader and writer are tasks of their own: only the pipe's readiness
    // can wake the reader.
    let got = bitwake::block_on(async {
        let reader = bitwake::spawn(read_within(r)).map_err(|_| Errno::EAGAIN)?;
        let writer = bitwake::spawn(write_soon(w)).map_err(|_| Errno::EAGAIN)?;
        let (read, byte, r) = reader.await.map_err(|_| Errno::ECANCELED)?;
        let wrote = writer.await.map_err(|_| Errno::ECANCELED)?;
        drop(r);
        Ok::<_, Errno>((wrote.ok(), read, byte))
    });
    check_eq!(got?, (Some(1), Some(1), b'z'));
    check_eq!(one(), before);
    Ok(())
}
