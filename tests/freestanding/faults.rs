//! Fault-injection scripts, run natively and under QEMU by
//! `cargo xtask test` in the `fault-inject` build, where every system call
//! goes through `bitwake::sys::fault::Faulty`.
//!
//! Each case installs one script, drives real code through it — the
//! reactor, pipes, TCP, `Http::get`, the demo's request flow and the delay
//! server's own accept loop and handler (`programs/src/delay.rs`, run
//! in-process) — and checks:
//!
//! * the script really injected what it says (per-rule counters);
//! * no byte is lost or duplicated (patterned payloads, exact bodies);
//! * retryable faults (EINTR, EAGAIN, short transfers) are invisible to the
//!   caller, and the others surface as typed errors (`io::Error::Os(..)`,
//!   `GetError::..`);
//! * nothing leaks: the set of open fds (probed with `fcntl(F_GETFD)`) and
//!   the reactor's registration count are back to where they started.
//!
//! The scripts, and what each one shows:
//!
//! | case | script | shows |
//! |------|--------|-------|
//! | `third_write_is_half` | 3rd `write` on the pipe: half the bytes | `write_all` resumes at the right offset: 600 patterned bytes arrive once each |
//! | `blocking_writes_short_and_interrupted` | every 3rd `write` EINTR, the rest capped at 7 bytes | the blocking `rt::io::write_all` (every `print!`) retries both transparently |
//! | `epoll_pwait_eintr_every_5th` | every 5th `epoll_pwait` EINTR | a spurious wake-up: sleeps never end early, a 20-round ping-pong completes |
//! | `epoll_pwait_one_event_per_call` | `epoll_pwait` returns at most 1 event | readiness left in the kernel's ready list is picked up later: 16 parked readers all finish |
//! | `eagain_storm_on_pipe_reads_and_writes` | every 2nd `read`, every 3rd `write` EAGAIN | edge-triggered waits never hang (owed edges), 200 KiB intact through a 64 KiB pipe |
//! | `eagain_storm_on_sockets` | every 2nd `accept4`, `recvfrom`, `sendto` EAGAIN | the same on TCP: three requests to the delay server get exact answers |
//! | `accept4_emfile_twice_server_keeps_serving` | `accept4` EMFILE twice with a client queued | the delay server's accept loop backs off and then serves it |
//! | `accept4_econnaborted_is_skipped` | `accept4` ECONNABORTED twice | `TcpListener::accept` skips aborted connections silently |
//! | `accepted_socket_registration_enomem` | `epoll_ctl(ADD)` of the accepted fd ENOMEM | `accept` closes it and reports `Os(ENOMEM)`, the server keeps serving, the client gets a typed error |
//! | `connect_refused_is_typed` | `connect` ECONNREFUSED | `GetError::Io(Os(ECONNREFUSED))`, socket closed, next request fine |
//! | `socket_emfile_is_typed` | `socket` EMFILE | `GetError::Io(Os(EMFILE))` |
//! | `client_recv_econnreset_is_typed` | client's `recvfrom` ECONNRESET | `GetError::Io(Os(ECONNRESET))`, both ends closed |
//! | `server_recv_econnreset_then_keeps_serving` | server's `recvfrom` ECONNRESET | the handler drops the connection (the kernel sends RST: client sees `Os(ECONNRESET)`); next request served |
//! | `client_send_epipe_is_typed` | client's `sendto` EPIPE | `GetError::Io(Os(EPIPE))`; the server's handler ends on the early close |
//! | `epoll_ctl_add_enomem_closes_both_pipe_ends` | 1st, then 2nd `epoll_ctl(ADD)` of `io::pipe` ENOMEM | typed `Os(ENOMEM)`, both pipe fds closed, no registration left |
//! | `reactor_creation_failures_leave_no_fd` | `eventfd2` EMFILE; eventfd `epoll_ctl(ADD)` ENOMEM | a reactor that fails to start closes its epoll fd and reports the typed error; started later it holds exactly 2 fds |
//! | `short_sends_and_reads_through_http` | every `sendto` ≤ 5 bytes, every `recvfrom` ≤ 3 | request and response cross in tiny pieces; body and head exact |
//! | `delay_server_bad_request_under_short_sends` | every `sendto` halved | the server's `400` reaches the client byte-exact, then EOF |
//! | `demo_flow_under_mixed_faults` | EINTR every 5th `epoll_pwait`, EAGAIN every 3rd `recvfrom`, reads ≤ 7 bytes, halved sends, `accept4` EMFILE twice | the demo's 2 sequential + 5 concurrent requests: exact bodies, and the concurrent round still takes about the longest delay, not the sum |
//!
//! Every case also checks the per-rule injection counts, so a script that
//! silently stopped matching (e.g. a changed syscall path) fails loudly.
#![no_std]
#![no_main]
// A failure carries its message inline (no heap), so it is large by design.
#![allow(clippy::result_large_err)]

#[path = "../../programs/src/delay.rs"]
mod delay;

use bitwake::executor::{Either, join, select};
use bitwake::io::{self, AsyncFd, Error};
use bitwake::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use bitwake::reactor::{Interest, Reactor, reactor};
use bitwake::rt::testing::{self, Failure, Outcome};
use bitwake::sys::fault::{self, Rule};
use bitwake::sys::{self, Errno, nr};
use bitwake::time::{Duration, Instant, sleep};
use bitwake::{block_on, spawn};
use bitwake::{cases, check, check_eq};
use bitwake_http::{BAD_REQUEST, GetError, Http, HttpError, HttpResponse};
use core::future::Future;
use core::sync::atomic::{AtomicUsize, Ordering};

bitwake::main!(main);

fn main() -> i32 {
    // Create the global reactor (epoll fd + eventfd) before any case takes
    // its fd baseline: it lives for the whole program by design.
    let _ = reactor().poll_events();
    testing::run(cases![
        third_write_is_half,
        blocking_writes_short_and_interrupted,
        epoll_pwait_eintr_every_5th,
        epoll_pwait_one_event_per_call,
        eagain_storm_on_pipe_reads_and_writes,
        eagain_storm_on_sockets,
        accept4_emfile_twice_server_keeps_serving,
        accept4_econnaborted_is_skipped,
        accepted_socket_registration_enomem,
        connect_refused_is_typed,
        socket_emfile_is_typed,
        client_recv_econnreset_is_typed,
        server_recv_econnreset_then_keeps_serving,
        client_send_epipe_is_typed,
        epoll_ctl_add_enomem_closes_both_pipe_ends,
        reactor_creation_failures_leave_no_fd,
        short_sends_and_reads_through_http,
        delay_server_bad_request_under_short_sends,
        demo_flow_under_mixed_faults,
    ])
}

// ---- helpers ----------------------------------------------------------------

fn io_err(e: Error) -> Failure {
    Failure::new(format_args!("unexpected I/O error: {e}"))
}

fn get_err(e: GetError) -> Failure {
    Failure::new(format_args!("unexpected Http::get error: {e}"))
}

/// The fd numbers probed for leaks (the tests never hold more).
const FD_PROBE: usize = 256;

/// The set of open fds among `0..FD_PROBE`.
fn open_fds() -> [u64; FD_PROBE / 64] {
    let mut set = [0u64; FD_PROBE / 64];
    for fd in 0..FD_PROBE {
        if sys::fcntl_getfd(fd as i32).is_ok() {
            set[fd / 64] |= 1 << (fd % 64);
        }
    }
    set
}

/// The `k`-th (0-based) free fd number: the kernel always hands out the
/// lowest free one, so this predicts the fd the next `socket`/`accept4`
/// returns, which lets a rule target one side of a connection.
fn free_fd(k: usize) -> usize {
    let open = open_fds();
    (0..FD_PROBE)
        .filter(|fd| open[fd / 64] & (1 << (fd % 64)) == 0)
        .nth(k)
        .unwrap_or(FD_PROBE)
}

/// What must be unchanged at the end of a case.
struct Baseline {
    fds: [u64; FD_PROBE / 64],
    registrations: usize,
}

impl Baseline {
    fn take() -> Self {
        Baseline {
            fds: open_fds(),
            registrations: reactor().registrations(),
        }
    }

    fn check(&self) -> Outcome {
        let now = open_fds();
        for (i, (&now, &then)) in now.iter().zip(&self.fds).enumerate() {
            let leaked = now & !then;
            let lost = then & !now;
            check!(
                leaked == 0 && lost == 0,
                "fds changed: leaked fd {}, closed fd {}",
                leaked.trailing_zeros() as usize + 64 * i,
                lost.trailing_zeros() as usize + 64 * i
            );
        }
        check_eq!(reactor().registrations(), self.registrations);
        Ok(())
    }
}

/// The installed script; clears it however the case ends.
struct Script;

fn script(rules: &[Rule]) -> Result<Script, Failure> {
    fault::install(rules).map_err(|_| Failure::new(format_args!("script too long")))?;
    Ok(Script)
}

impl Drop for Script {
    fn drop(&mut self) {
        fault::clear();
    }
}

/// Checks that rule `i` injected within `range`.
fn injected(i: usize, range: core::ops::RangeInclusive<u32>) -> Outcome {
    let n = fault::injected(i);
    check!(
        range.contains(&n),
        "rule {i} injected {n} faults (saw {} calls), want {range:?}",
        fault::seen(i)
    );
    Ok(())
}

/// A payload whose every byte depends on its position, so a lost or
/// repeated chunk shows up as a mismatch.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(7) % 251) as u8
}

fn check_pattern(buf: &[u8], offset: usize) -> Outcome {
    for (j, &b) in buf.iter().enumerate() {
        check!(
            b == pattern(offset + j),
            "byte {} is {b}, want {} (lost or duplicated data)",
            offset + j,
            pattern(offset + j)
        );
    }
    Ok(())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---- the in-process delay server ---------------------------------------------

/// Connection tasks alive (the delay server's handler, run in-process).
static LIVE: AtomicUsize = AtomicUsize::new(0);

struct Live;

impl Drop for Live {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

bitwake::task! {
    pool_size = 8;
    async fn connection(stream: TcpStream) {
        let _live = Live;
        delay::handle(stream, |_, _| {}).await;
    }
}

fn start_connection(stream: TcpStream) -> Result<(), TcpStream> {
    LIVE.fetch_add(1, Ordering::Relaxed);
    if spawn(connection(stream)).is_err() {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Runs `body(server_address)` next to the delay server's accept loop on an
/// ephemeral port; afterwards waits for every connection task to end, then
/// checks that no fd or registration leaked.
fn with_server<F, Fut>(body: F) -> Outcome
where
    F: FnOnce(SocketAddrV4) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let base = Baseline::take();
    let outcome = block_on(async {
        let listener =
            TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).map_err(io_err)?;
        let addr = listener.local_addr().map_err(io_err)?;
        let outcome = match select(delay::serve(&listener, start_connection), body(addr)).await {
            Either::Left(()) => Err(Failure::new(format_args!("the server stopped"))),
            Either::Right(o) => o,
        };
        fault::clear();
        let start = Instant::now();
        while LIVE.load(Ordering::Relaxed) > 0 {
            check!(
                start.elapsed() < Duration::from_secs(15),
                "connection tasks never ended"
            );
            let _ = sleep(ms(2)).await;
        }
        outcome
    });
    fault::clear();
    outcome?;
    base.check()
}

fn expect_body(r: &HttpResponse, body: &str) -> Outcome {
    check_eq!(r.status(), 200);
    check_eq!(r.text(), Some(body));
    Ok(())
}

// ---- reactor and pipes ---------------------------------------------------------

/// "The 3rd write returns half the bytes": `write_all` finishes the chunk,
/// and the reader sees every byte exactly once.
fn third_write_is_half() -> Outcome {
    let base = Baseline::take();
    block_on(async {
        let (r, w) = io::pipe().map_err(io_err)?;
        let _s = script(&[Rule::halve(nr::WRITE)
            .when_arg(0, w.raw() as usize)
            .from_call(3)
            .times(1)])?;
        let mut data = [0u8; 600];
        for (i, b) in data.iter_mut().enumerate() {
            *b = pattern(i);
        }
        let writer = async {
            for chunk in data.chunks(100) {
                w.write_all(chunk).await?;
            }
            Ok::<_, Error>(())
        };
        let reader = async {
            let mut got = [0u8; 600];
            let mut n = 0;
            while n < got.len() {
                n += r.read(&mut got[n..]).await?;
            }
            Ok::<_, Error>(got)
        };
        let (wrote, got) = join(writer, reader).await;
        wrote.map_err(io_err)?;
        check_pattern(&got.map_err(io_err)?, 0)?;
        injected(0, 1..=1)?;
        // Six chunks, one of them in two writes.
        check_eq!(fault::seen(0), 7);
        Ok(())
    })?;
    base.check()
}

/// The blocking path every `print!` takes (`rt::io::write_all`): every write
/// is capped at 7 bytes and every 3rd is interrupted (EINTR, as a signal
/// would) — the bytes still arrive once, in order.
fn blocking_writes_short_and_interrupted() -> Outcome {
    let base = Baseline::take();
    let [r, w] = sys::pipe2(sys::O_CLOEXEC)?;
    // SAFETY: pipe2 just created both fds.
    let (r, w) = unsafe { (sys::OwnedFd::from_raw(r), sys::OwnedFd::from_raw(w)) };
    let mut data = [0u8; 3000];
    for (i, b) in data.iter_mut().enumerate() {
        *b = pattern(i);
    }
    {
        let _s = script(&[
            Rule::fail(nr::WRITE, Errno::EINTR)
                .when_arg(0, w.raw() as usize)
                .every(3),
            Rule::cap(nr::WRITE, 7).when_arg(0, w.raw() as usize),
        ])?;
        bitwake::rt::io::write_all(w.raw(), &data)?;
        injected(0, 100..=u32::MAX)?;
        injected(1, 428..=429)?;
    }
    drop(w);
    let mut got = [0u8; 3001];
    let mut n = 0;
    loop {
        match sys::read(r.raw(), &mut got[n..])? {
            0 => break,
            k => n += k,
        }
    }
    check_eq!(n, 3000);
    check_pattern(&got[..n], 0)?;
    drop(r);
    base.check()
}

/// "Every 5th `epoll_pwait` returns EINTR": timers still fire no earlier
/// than asked, and a ping-pong over two pipes completes every round.
fn epoll_pwait_eintr_every_5th() -> Outcome {
    let base = Baseline::take();
    block_on(async {
        let _s = script(&[Rule::fail(nr::EPOLL_PWAIT, Errno::EINTR)
            .from_call(5)
            .every(5)])?;
        for _ in 0..6 {
            let start = Instant::now();
            sleep(ms(3)).await;
            check!(start.elapsed() >= ms(3), "a sleep ended early");
        }
        let (r1, w1) = io::pipe().map_err(io_err)?;
        let (r2, w2) = io::pipe().map_err(io_err)?;
        let ping = async {
            let mut b = [0u8; 1];
            for i in 0..20u8 {
                w1.write_all(&[i]).await?;
                r2.read(&mut b).await?;
                if b[0] != i {
                    return Err(Error::UnexpectedEof);
                }
            }
            Ok::<_, Error>(())
        };
        let pong = async {
            let mut b = [0u8; 1];
            for _ in 0..20 {
                r1.read(&mut b).await?;
                w2.write_all(&b).await?;
            }
            Ok::<_, Error>(())
        };
        let (a, b) = join(ping, pong).await;
        a.map_err(io_err)?;
        b.map_err(io_err)?;
        injected(0, 2..=u32::MAX)?;
        Ok(())
    })?;
    base.check()
}

bitwake::task! {
    pool_size = 16;
    async fn read_one(r: AsyncFd) -> Result<u8, Error> {
        let mut b = [0u8; 1];
        match r.read(&mut b).await? {
            1 => Ok(b[0]),
            _ => Err(Error::UnexpectedEof),
        }
    }
}

/// `epoll_pwait` hands out one event per call (the kernel may always return
/// fewer than `maxevents`): 16 readers woken by 16 writes all finish.
fn epoll_pwait_one_event_per_call() -> Outcome {
    let base = Baseline::take();
    block_on(async {
        let mut writers: heapless::Vec<AsyncFd, 16> = heapless::Vec::new();
        let mut handles: heapless::Vec<_, 16> = heapless::Vec::new();
        for _ in 0..16 {
            let (r, w) = io::pipe().map_err(io_err)?;
            let _ = writers.push(w);
            let h = spawn(read_one(r)).map_err(|e| Failure::new(format_args!("spawn: {e}")))?;
            let _ = handles.push(h);
        }
        // Let every reader park on EAGAIN first.
        sleep(ms(5)).await;
        let _s = script(&[Rule::cap(nr::EPOLL_PWAIT, 1)])?;
        for (i, w) in writers.iter().enumerate() {
            w.write_all(&[i as u8]).await.map_err(io_err)?;
        }
        for (i, h) in handles.into_iter().enumerate() {
            let v = h
                .await
                .map_err(|e| Failure::new(format_args!("join: {e:?}")))?;
            check_eq!(v.map_err(io_err)?, i as u8);
        }
        injected(0, 16..=u32::MAX)?;
        Ok(())
    })?;
    base.check()
}

/// An EAGAIN storm on both ends of a pipe (every 2nd read, every 3rd write),
/// 200 KiB through a 64 KiB pipe: the reactor waits and retries, owed edges
/// arrive, and the data is intact.
fn eagain_storm_on_pipe_reads_and_writes() -> Outcome {
    let base = Baseline::take();
    block_on(async {
        let (r, w) = io::pipe().map_err(io_err)?;
        let _s = script(&[
            Rule::fail(nr::READ, Errno::EAGAIN)
                .when_arg(0, r.raw() as usize)
                .every(2),
            Rule::fail(nr::WRITE, Errno::EAGAIN)
                .when_arg(0, w.raw() as usize)
                .every(3),
        ])?;
        const TOTAL: usize = 200 * 1024;
        let writer = async {
            let mut chunk = [0u8; 4096];
            let mut sent = 0;
            while sent < TOTAL {
                let n = chunk.len().min(TOTAL - sent);
                for (j, b) in chunk[..n].iter_mut().enumerate() {
                    *b = pattern(sent + j);
                }
                w.write_all(&chunk[..n]).await?;
                sent += n;
            }
            Ok::<_, Error>(())
        };
        let reader = async {
            let mut buf = [0u8; 1500];
            let mut got = 0;
            while got < TOTAL {
                let n = r.read(&mut buf).await?;
                if n == 0 {
                    return Err(Error::UnexpectedEof);
                }
                if check_pattern(&buf[..n], got).is_err() {
                    return Err(Error::InvalidInput);
                }
                got += n;
            }
            Ok::<_, Error>(got)
        };
        let (a, b) = join(writer, reader).await;
        a.map_err(io_err)?;
        check_eq!(b.map_err(io_err)?, TOTAL);
        injected(0, 10..=u32::MAX)?;
        injected(1, 10..=u32::MAX)?;
        Ok(())
    })?;
    base.check()
}

// ---- TCP, the HTTP client and the delay server -------------------------------------

/// EAGAIN storms on `accept4`, `recvfrom` and `sendto` (every 2nd call of
/// each): three requests still get their exact answers.
fn eagain_storm_on_sockets() -> Outcome {
    with_server(|addr| async move {
        let _s = script(&[
            Rule::fail(nr::ACCEPT4, Errno::EAGAIN).every(2),
            Rule::fail(nr::RECVFROM, Errno::EAGAIN).every(2),
            Rule::fail(nr::SENDTO, Errno::EAGAIN).every(2),
        ])?;
        for msg in ["storm-one", "storm-two", "storm-three"] {
            let mut path: heapless::String<32> = heapless::String::new();
            let _ = core::fmt::write(&mut path, format_args!("/1/{msg}"));
            let r = Http::new(addr).get(&path).await.map_err(get_err)?;
            expect_body(&r, msg)?;
        }
        injected(0, 1..=u32::MAX)?;
        injected(1, 3..=u32::MAX)?;
        injected(2, 3..=u32::MAX)?;
        Ok(())
    })
}

/// "`accept4` returns EMFILE twice" (once a client is waiting): the delay
/// server's accept loop backs off and retries, and the client is served.
fn accept4_emfile_twice_server_keeps_serving() -> Outcome {
    with_server(|addr| async move {
        // The server's first accept (EAGAIN: nobody there yet) ran before
        // the script; calls 1 and 2 come after the client's connection edge
        // and fail while it waits in the queue, call 3 accepts it.
        let _s = script(&[Rule::fail(nr::ACCEPT4, Errno::EMFILE).times(2)])?;
        let r = Http::new(addr)
            .get("/0/after-emfile")
            .await
            .map_err(get_err)?;
        expect_body(&r, "after-emfile")?;
        injected(0, 2..=2)?;
        Ok(())
    })
}

/// `accept4` says ECONNABORTED (the client gave up in the queue) twice:
/// `TcpListener::accept` skips it without surfacing an error.
fn accept4_econnaborted_is_skipped() -> Outcome {
    with_server(|addr| async move {
        // As above: both faults hit while the client waits in the queue.
        let _s = script(&[Rule::fail(nr::ACCEPT4, Errno::ECONNABORTED).times(2)])?;
        let r = Http::new(addr)
            .get("/0/after-abort")
            .await
            .map_err(get_err)?;
        expect_body(&r, "after-abort")?;
        injected(0, 2..=2)?;
        Ok(())
    })
}

/// Registering an accepted socket fails (`epoll_ctl(ADD)` → ENOMEM):
/// `accept` closes that socket and reports the typed error, the delay
/// server backs off and keeps serving; the client of the dropped connection
/// gets a typed error (the close may reach it as a reset, a broken pipe or
/// an early end of stream, depending on how far it got).
fn accepted_socket_registration_enomem() -> Outcome {
    with_server(|addr| async move {
        // The client's socket takes the lowest free fd, the accepted one the
        // next.
        let accepted = free_fd(1);
        let _s = script(&[Rule::fail(nr::EPOLL_CTL, Errno::ENOMEM)
            .when_arg(2, accepted)
            .times(1)])?;
        match Http::new(addr).get("/0/dropped").await {
            Err(GetError::Io(Error::Os(Errno::ECONNRESET | Errno::EPIPE)))
            | Err(GetError::Http(HttpError::Truncated)) => {}
            Err(e) => return Err(get_err(e)),
            Ok(_) => {
                return Err(Failure::new(format_args!(
                    "the dropped connection answered"
                )));
            }
        }
        injected(0, 1..=1)?;
        let r = Http::new(addr)
            .get("/0/served-again")
            .await
            .map_err(get_err)?;
        expect_body(&r, "served-again")
    })
}

/// `connect` → ECONNREFUSED: a typed error, and the socket is closed; the
/// next request (rule spent) works.
fn connect_refused_is_typed() -> Outcome {
    with_server(|addr| async move {
        let _s = script(&[Rule::fail(nr::CONNECT, Errno::ECONNREFUSED).times(1)])?;
        match Http::new(addr).get("/0/refused").await {
            Err(GetError::Io(Error::Os(Errno::ECONNREFUSED))) => {}
            Err(e) => return Err(get_err(e)),
            Ok(_) => return Err(Failure::new(format_args!("connect did not fail"))),
        }
        injected(0, 1..=1)?;
        let r = Http::new(addr)
            .get("/0/after-refused")
            .await
            .map_err(get_err)?;
        expect_body(&r, "after-refused")
    })
}

/// `socket` → EMFILE: a typed error before any connection exists.
fn socket_emfile_is_typed() -> Outcome {
    with_server(|addr| async move {
        let _s = script(&[Rule::fail(nr::SOCKET, Errno::EMFILE).times(1)])?;
        match Http::new(addr).get("/0/x").await {
            Err(GetError::Io(Error::Os(Errno::EMFILE))) => {}
            Err(e) => return Err(get_err(e)),
            Ok(_) => return Err(Failure::new(format_args!("socket did not fail"))),
        }
        injected(0, 1..=1)?;
        Ok(())
    })
}

/// The client's `recvfrom` → ECONNRESET: `Http::get` returns it as
/// `GetError::Io(Os(ECONNRESET))`; both sockets end up closed.
fn client_recv_econnreset_is_typed() -> Outcome {
    with_server(|addr| async move {
        // The client's socket is the next fd the kernel hands out.
        let client = free_fd(0);
        let _s = script(&[Rule::fail(nr::RECVFROM, Errno::ECONNRESET)
            .when_arg(0, client)
            .times(1)])?;
        match Http::new(addr).get("/0/reset").await {
            Err(GetError::Io(Error::Os(Errno::ECONNRESET))) => {}
            Err(e) => return Err(get_err(e)),
            Ok(_) => return Err(Failure::new(format_args!("the read did not fail"))),
        }
        injected(0, 1..=1)?;
        Ok(())
    })
}

/// The server's `recvfrom` → ECONNRESET: the handler drops the connection
/// without an answer. The request is still unread in the server socket, so
/// the kernel answers the close with a RST, and the client sees a typed
/// `ECONNRESET`; the server serves the next request.
fn server_recv_econnreset_then_keeps_serving() -> Outcome {
    with_server(|addr| async move {
        // The client's socket takes the lowest free fd, the server's
        // accepted socket the next one.
        let server_side = free_fd(1);
        let _s = script(&[Rule::fail(nr::RECVFROM, Errno::ECONNRESET)
            .when_arg(0, server_side)
            .times(1)])?;
        match Http::new(addr).get("/0/lost").await {
            Err(GetError::Io(Error::Os(Errno::ECONNRESET))) => {}
            Err(e) => return Err(get_err(e)),
            Ok(_) => return Err(Failure::new(format_args!("the server answered anyway"))),
        }
        injected(0, 1..=1)?;
        let r = Http::new(addr).get("/0/next").await.map_err(get_err)?;
        expect_body(&r, "next")
    })
}

/// The client's `sendto` → EPIPE: a typed error; the server's handler sees
/// the early close and ends.
fn client_send_epipe_is_typed() -> Outcome {
    with_server(|addr| async move {
        let client = free_fd(0);
        let _s = script(&[Rule::fail(nr::SENDTO, Errno::EPIPE)
            .when_arg(0, client)
            .times(1)])?;
        match Http::new(addr).get("/0/pipe").await {
            Err(GetError::Io(Error::Os(Errno::EPIPE))) => {}
            Err(e) => return Err(get_err(e)),
            Ok(_) => return Err(Failure::new(format_args!("the send did not fail"))),
        }
        injected(0, 1..=1)?;
        Ok(())
    })
}

/// `epoll_ctl(ADD)` → ENOMEM for the first, then for the second end of a
/// pipe: `io::pipe` returns the typed error and closes both fds and frees
/// every registration.
fn epoll_ctl_add_enomem_closes_both_pipe_ends() -> Outcome {
    let base = Baseline::take();
    let add = sys::EPOLL_CTL_ADD as usize;
    for k in [1, 2] {
        let _s = script(&[Rule::fail(nr::EPOLL_CTL, Errno::ENOMEM)
            .when_arg(1, add)
            .from_call(k)
            .times(1)])?;
        match io::pipe() {
            Err(Error::Os(Errno::ENOMEM)) => {}
            Err(e) => return Err(io_err(e)),
            Ok(_) => return Err(Failure::new(format_args!("registration {k} did not fail"))),
        }
        injected(0, 1..=1)?;
        base.check()?;
    }
    let (r, w) = io::pipe().map_err(io_err)?;
    drop((r, w));
    base.check()
}

/// A reactor whose `eventfd2` fails, or whose eventfd registration fails,
/// reports the typed error and closes its epoll fd; created later, it holds
/// exactly its two fds.
fn reactor_creation_failures_leave_no_fd() -> Outcome {
    let base = Baseline::take();
    let local: Reactor<4> = Reactor::new();
    let [r, w] = sys::pipe2(sys::O_NONBLOCK | sys::O_CLOEXEC)?;
    // SAFETY: pipe2 just created both fds.
    let (r, w) = unsafe { (sys::OwnedFd::from_raw(r), sys::OwnedFd::from_raw(w)) };
    let with_pipe = Baseline::take();
    {
        let _s = script(&[Rule::fail(nr::EVENTFD2, Errno::EMFILE).times(1)])?;
        check_eq!(
            local.register(r.raw(), Interest::Read).err(),
            Some(Error::Os(Errno::EMFILE))
        );
        injected(0, 1..=1)?;
        with_pipe.check()?;
    }
    {
        let add = sys::EPOLL_CTL_ADD as usize;
        let _s = script(&[Rule::fail(nr::EPOLL_CTL, Errno::ENOMEM)
            .when_arg(1, add)
            .times(1)])?;
        check_eq!(
            local.register(r.raw(), Interest::Read).err(),
            Some(Error::Os(Errno::ENOMEM))
        );
        injected(0, 1..=1)?;
        with_pipe.check()?;
    }
    let before = open_fds();
    let token = local.register(r.raw(), Interest::Read).map_err(io_err)?;
    let after = open_fds();
    let added: u32 = after
        .iter()
        .zip(before)
        .map(|(a, b)| (a & !b).count_ones())
        .sum();
    check_eq!(added, 2);
    local.deregister(token)?;
    drop((r, w));
    // The local reactor's epoll fd and eventfd live as long as a reactor
    // does (a static, normally); close them so the check is exact.
    for (i, (a, b)) in after.iter().zip(before).enumerate() {
        let mut new = a & !b;
        while new != 0 {
            let fd = new.trailing_zeros() as usize + 64 * i;
            sys::close(fd as i32)?;
            new &= new - 1;
        }
    }
    base.check()
}

/// Every `sendto` capped at 5 bytes and every `recvfrom` at 3: the request
/// and the response cross in tiny pieces and arrive exact.
fn short_sends_and_reads_through_http() -> Outcome {
    with_server(|addr| async move {
        let _s = script(&[Rule::cap(nr::SENDTO, 5), Rule::cap(nr::RECVFROM, 3)])?;
        let r = Http::new(addr)
            .get("/2/short%20pieces%2C%20whole%20message")
            .await
            .map_err(get_err)?;
        expect_body(&r, "short pieces, whole message")?;
        check!(
            r.head().starts_with(b"HTTP/1.1 200 OK\r\n"),
            "head {:?}",
            r.head()
        );
        injected(0, 10..=u32::MAX)?;
        injected(1, 20..=u32::MAX)?;
        Ok(())
    })
}

/// A bad request answered under halved sends: the client gets exactly the
/// server's `400` bytes, then end of stream.
fn delay_server_bad_request_under_short_sends() -> Outcome {
    with_server(|addr| async move {
        let _s = script(&[Rule::halve(nr::SENDTO)])?;
        let stream = TcpStream::connect(addr).await.map_err(io_err)?;
        stream
            .write_all(b"GET /not-a-delay HTTP/1.1\r\n\r\n")
            .await
            .map_err(io_err)?;
        let mut got = [0u8; 512];
        let mut n = 0;
        loop {
            let k = stream.read(&mut got[n..]).await.map_err(io_err)?;
            if k == 0 {
                break;
            }
            n += k;
        }
        check_eq!(&got[..n], BAD_REQUEST);
        injected(0, 2..=u32::MAX)?;
        Ok(())
    })
}

bitwake::task! {
    pool_size = 5;
    async fn fetch(http: Http, path: &'static str) -> Result<HttpResponse, GetError> {
        http.get(path).await
    }
}

/// The demo's flow (two sequential requests, then five concurrent ones)
/// under a mixed script: EINTR every 5th `epoll_pwait`, EAGAIN on every 3rd
/// `recvfrom`, reads capped at 7 bytes, halved sends, `accept4` EMFILE
/// twice. Every body is exact, and the concurrent round still takes about
/// the longest delay, not the sum.
fn demo_flow_under_mixed_faults() -> Outcome {
    with_server(|addr| async move {
        let _s = script(&[
            Rule::fail(nr::EPOLL_PWAIT, Errno::EINTR)
                .from_call(5)
                .every(5),
            Rule::fail(nr::RECVFROM, Errno::EAGAIN).every(3),
            Rule::cap(nr::RECVFROM, 7),
            Rule::halve(nr::SENDTO),
            Rule::fail(nr::ACCEPT4, Errno::EMFILE).times(2),
        ])?;
        let http = Http::new(addr);
        let r = http.get("/60/HelloAsyncAwait").await.map_err(get_err)?;
        expect_body(&r, "HelloAsyncAwait")?;
        let r = http.get("/40/HelloAsyncAwait").await.map_err(get_err)?;
        expect_body(&r, "HelloAsyncAwait")?;

        const PATHS: [(&str, &str); 5] = [
            ("/50/one", "one"),
            ("/30/two", "two"),
            ("/70/three", "three"),
            ("/20/four", "four"),
            ("/40/five", "five"),
        ];
        let start = Instant::now();
        let mut handles: heapless::Vec<_, 5> = heapless::Vec::new();
        for (path, _) in PATHS {
            let h =
                spawn(fetch(http, path)).map_err(|e| Failure::new(format_args!("spawn: {e}")))?;
            let _ = handles.push(h);
        }
        for (h, (_, body)) in handles.into_iter().zip(PATHS) {
            let r = h
                .await
                .map_err(|e| Failure::new(format_args!("join: {e:?}")))?;
            expect_body(&r.map_err(get_err)?, body)?;
        }
        let round = start.elapsed();
        check!(
            round < ms(210),
            "the concurrent round took {} ms (sum of delays 210 ms)",
            round.as_millis() as u64
        );
        injected(0, 1..=u32::MAX)?;
        injected(1, 1..=u32::MAX)?;
        injected(2, 1..=u32::MAX)?;
        injected(3, 1..=u32::MAX)?;
        injected(4, 2..=2)?;
        Ok(())
    })
}
