//! Tests of the rest of the syscall layer and of start-up (argv, envp,
//! statics holding pointers, signals with our own restorer), run natively and
//! under QEMU by `cargo xtask test`.
#![no_std]
#![no_main]
// A failure carries its message inline (no heap), so it is large by design.
#![allow(clippy::result_large_err)]

use bitwake::rt::testing::{self, Outcome};
use bitwake::sys::*;
use bitwake::{cases, check, check_eq};
use core::sync::atomic::{AtomicU32, Ordering};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        argv_arrives_intact,
        envp_arrives_intact,
        statics_holding_pointers_work,
        clock_gettime_is_monotonic,
        epoll_reports_pipe_readiness_with_token,
        epoll_edge_triggered_needs_new_data,
        epoll_pwait_rejects_empty_buffer,
        eventfd_counts_and_wakes_epoll,
        timerfd_fires_after_its_delay,
        signal_handler_runs_and_returns_through_restorer,
        sigprocmask_blocks_and_unblocks,
        epoll_pwait_is_interrupted_by_a_signal,
        tcp_loopback_connect_accept_send_recv,
        refused_connect_reports_econnrefused_via_so_error,
        send_to_closed_peer_is_epipe_not_sigpipe,
        getpid_and_prlimit,
    ])
}

fn owned(fd: RawFd) -> OwnedFd {
    // SAFETY: called only on fds a syscall just created.
    unsafe { OwnedFd::from_raw(fd) }
}

fn argv_arrives_intact() -> Outcome {
    // `cargo xtask test` passes exactly these two arguments.
    let args: heapless::Vec<&[u8], 8> = bitwake::rt::args().take(8).collect();
    check!(args.len() == 3, "argc is {}, want 3", args.len());
    check!(!args[0].is_empty(), "argv[0] is empty");
    check_eq!(args[1], b"alpha");
    check_eq!(args[2], b"beta gamma");
    Ok(())
}

fn envp_arrives_intact() -> Outcome {
    check_eq!(
        bitwake::rt::env("BITWAKE_TEST_ENV"),
        Some(&b"envp works"[..])
    );
    check_eq!(bitwake::rt::env("BITWAKE_TEST_EN"), None);
    check_eq!(bitwake::rt::env("BITWAKE_NO_SUCH_VARIABLE"), None);
    Ok(())
}

static NAMES: [&str; 3] = ["alpha", "beta", "gamma"];
static OPS: [fn(u32) -> u32; 2] = [double, add_seven];
fn double(x: u32) -> u32 {
    x * 2
}
fn add_seven(x: u32) -> u32 {
    x + 7
}

fn statics_holding_pointers_work() -> Outcome {
    // A static-PIE without a relocator would read garbage pointers here.
    let names = core::hint::black_box(&NAMES);
    check_eq!(names[1], "beta");
    let ops = core::hint::black_box(&OPS);
    check_eq!(ops[0](21), 42);
    check_eq!(ops[1](35), 42);
    Ok(())
}

fn clock_gettime_is_monotonic() -> Outcome {
    let a = clock_gettime(CLOCK_MONOTONIC)?;
    let b = clock_gettime(CLOCK_MONOTONIC)?;
    check!(
        b.as_nanos() >= a.as_nanos(),
        "clock went backwards: {a:?} -> {b:?}"
    );
    check!(
        (0..1_000_000_000).contains(&a.nsec),
        "nsec out of range: {a:?}"
    );
    check_eq!(clock_gettime(9999), Err(Errno::EINVAL));
    Ok(())
}

fn epoll_reports_pipe_readiness_with_token() -> Outcome {
    let ep = owned(epoll_create1(EPOLL_CLOEXEC)?);
    let [r, w] = pipe2(O_NONBLOCK | O_CLOEXEC)?;
    let (r, w) = (owned(r), owned(w));
    epoll_ctl(
        ep.raw(),
        EPOLL_CTL_ADD,
        r.raw(),
        Some(&EpollEvent::new(EPOLLIN, 0xDEAD_BEEF_1234_5678)),
    )?;
    check_eq!(
        epoll_ctl(
            ep.raw(),
            EPOLL_CTL_ADD,
            r.raw(),
            Some(&EpollEvent::new(EPOLLIN, 1))
        ),
        Err(Errno::EEXIST)
    );
    let mut events = [EpollEvent::default(); 4];
    check_eq!(epoll_pwait(ep.raw(), &mut events, 0)?, 0);
    write(w.raw(), b"x")?;
    check_eq!(epoll_pwait(ep.raw(), &mut events, 1000)?, 1);
    let (ev, data) = (events[0].events, events[0].data);
    check!(ev & EPOLLIN != 0, "events {ev:#x}");
    check_eq!(data, 0xDEAD_BEEF_1234_5678);
    epoll_ctl(ep.raw(), EPOLL_CTL_DEL, r.raw(), None)?;
    check_eq!(epoll_pwait(ep.raw(), &mut events, 0)?, 0);
    Ok(())
}

fn epoll_edge_triggered_needs_new_data() -> Outcome {
    let ep = owned(epoll_create1(EPOLL_CLOEXEC)?);
    let [r, w] = pipe2(O_NONBLOCK | O_CLOEXEC)?;
    let (r, w) = (owned(r), owned(w));
    epoll_ctl(
        ep.raw(),
        EPOLL_CTL_ADD,
        r.raw(),
        Some(&EpollEvent::new(EPOLLIN | EPOLLET, 7)),
    )?;
    write(w.raw(), b"abcd")?;
    let mut events = [EpollEvent::default(); 4];
    check_eq!(epoll_pwait(ep.raw(), &mut events, 1000)?, 1);
    // A partial read does not re-arm an edge-triggered fd...
    let mut one = [0u8; 1];
    check_eq!(read(r.raw(), &mut one)?, 1);
    check_eq!(epoll_pwait(ep.raw(), &mut events, 0)?, 0);
    // ...new data does.
    write(w.raw(), b"e")?;
    check_eq!(epoll_pwait(ep.raw(), &mut events, 1000)?, 1);
    let mut rest = [0u8; 16];
    check_eq!(read(r.raw(), &mut rest)?, 4);
    check_eq!(read(r.raw(), &mut rest), Err(Errno::EAGAIN));
    Ok(())
}

fn epoll_pwait_rejects_empty_buffer() -> Outcome {
    let ep = owned(epoll_create1(EPOLL_CLOEXEC)?);
    check_eq!(epoll_pwait(ep.raw(), &mut [], 0), Err(Errno::EINVAL));
    Ok(())
}

fn eventfd_counts_and_wakes_epoll() -> Outcome {
    let ep = owned(epoll_create1(EPOLL_CLOEXEC)?);
    let efd = owned(eventfd2(0, EFD_NONBLOCK | EFD_CLOEXEC)?);
    epoll_ctl(
        ep.raw(),
        EPOLL_CTL_ADD,
        efd.raw(),
        Some(&EpollEvent::new(EPOLLIN, 42)),
    )?;
    write(efd.raw(), &3u64.to_ne_bytes())?;
    write(efd.raw(), &4u64.to_ne_bytes())?;
    let mut events = [EpollEvent::default(); 2];
    check_eq!(epoll_pwait(ep.raw(), &mut events, 1000)?, 1);
    check_eq!({ events[0].data }, 42);
    let mut buf = [0u8; 8];
    check_eq!(read(efd.raw(), &mut buf)?, 8);
    check_eq!(u64::from_ne_bytes(buf), 7);
    check_eq!(read(efd.raw(), &mut buf), Err(Errno::EAGAIN));
    check_eq!(read(efd.raw(), &mut buf[..4]), Err(Errno::EINVAL));
    Ok(())
}

fn timerfd_fires_after_its_delay() -> Outcome {
    let tfd = owned(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)?);
    let ep = owned(epoll_create1(EPOLL_CLOEXEC)?);
    epoll_ctl(
        ep.raw(),
        EPOLL_CTL_ADD,
        tfd.raw(),
        Some(&EpollEvent::new(EPOLLIN, 5)),
    )?;
    let start = clock_gettime(CLOCK_MONOTONIC)?.as_nanos();
    let spec = Itimerspec {
        interval: Timespec::default(),
        value: Timespec::from_nanos(20_000_000),
    };
    timerfd_settime(tfd.raw(), 0, &spec)?;
    let mut buf = [0u8; 8];
    check_eq!(read(tfd.raw(), &mut buf), Err(Errno::EAGAIN));
    let mut events = [EpollEvent::default(); 1];
    check_eq!(epoll_pwait(ep.raw(), &mut events, 5000)?, 1);
    let elapsed = clock_gettime(CLOCK_MONOTONIC)?.as_nanos() - start;
    check!(
        elapsed >= 20_000_000,
        "timer fired after {elapsed} ns, before its 20 ms"
    );
    check_eq!(read(tfd.raw(), &mut buf)?, 8);
    check_eq!(u64::from_ne_bytes(buf), 1);
    Ok(())
}

static SIGNALS_SEEN: AtomicU32 = AtomicU32::new(0);

extern "C" fn count_signal(sig: i32) {
    SIGNALS_SEEN.fetch_add(sig as u32, Ordering::Relaxed);
}

fn signal_handler_runs_and_returns_through_restorer() -> Outcome {
    SIGNALS_SEEN.store(0, Ordering::Relaxed);
    let old = rt_sigaction(SIGUSR1, &SigAction::handler(count_signal, 0))?;
    // The handler runs before kill returns (a signal to oneself is delivered
    // on the way out of the syscall), then `restore_rt` must bring us back
    // here with every register intact.
    let canary = core::hint::black_box(0x1234_5678_9abc_def0u64);
    kill(getpid(), SIGUSR1)?;
    kill(getpid(), SIGUSR1)?;
    rt_sigaction(SIGUSR1, &old)?;
    check_eq!(SIGNALS_SEEN.load(Ordering::Relaxed), 2 * SIGUSR1);
    check_eq!(core::hint::black_box(canary), 0x1234_5678_9abc_def0u64);
    Ok(())
}

fn sigprocmask_blocks_and_unblocks() -> Outcome {
    SIGNALS_SEEN.store(0, Ordering::Relaxed);
    let old = rt_sigaction(SIGUSR2, &SigAction::handler(count_signal, 0))?;
    let old_mask = rt_sigprocmask(SIG_BLOCK, Some(sigmask(SIGUSR2)))?;
    kill(getpid(), SIGUSR2)?;
    let blocked_seen = SIGNALS_SEEN.load(Ordering::Relaxed);
    // Unblocking delivers the pending signal.
    rt_sigprocmask(SIG_SETMASK, Some(old_mask))?;
    let after = SIGNALS_SEEN.load(Ordering::Relaxed);
    rt_sigaction(SIGUSR2, &old)?;
    check_eq!(blocked_seen, 0);
    check_eq!(after, SIGUSR2);
    check_eq!(rt_sigprocmask(SIG_BLOCK, None)? & sigmask(SIGUSR2), 0);
    Ok(())
}

fn epoll_pwait_is_interrupted_by_a_signal() -> Outcome {
    // SIGALRM from a one-shot 30 ms interval timer arrives while we wait.
    // epoll_pwait is never restarted, even with SA_RESTART: it fails with
    // EINTR, which the reactor must treat as a spurious wake-up.
    SIGNALS_SEEN.store(0, Ordering::Relaxed);
    let old = rt_sigaction(SIGALRM, &SigAction::handler(count_signal, SA_RESTART))?;
    let ep = owned(epoll_create1(EPOLL_CLOEXEC)?);
    let start = clock_gettime(CLOCK_MONOTONIC)?.as_nanos();
    setitimer_real(&Itimerval {
        interval: Timeval::default(),
        value: Timeval {
            sec: 0,
            usec: 30_000,
        },
    })?;
    let mut events = [EpollEvent::default(); 1];
    let r = epoll_pwait(ep.raw(), &mut events, 5000);
    let elapsed = clock_gettime(CLOCK_MONOTONIC)?.as_nanos() - start;
    setitimer_real(&Itimerval::default())?;
    rt_sigaction(SIGALRM, &old)?;
    check_eq!(r, Err(Errno::EINTR));
    check_eq!(SIGNALS_SEEN.load(Ordering::Relaxed), SIGALRM);
    check!(
        elapsed < 4_000_000_000,
        "the wait was not interrupted ({elapsed} ns)"
    );
    Ok(())
}

fn listener() -> Result<(OwnedFd, SockAddrIn), Errno> {
    let l = owned(socket(
        AF_INET,
        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
        0,
    )?);
    setsockopt_int(l.raw(), SOL_SOCKET, SO_REUSEADDR, 1)?;
    bind(l.raw(), &SockAddrIn::new([127, 0, 0, 1], 0))?;
    listen(l.raw(), 16)?;
    let addr = getsockname(l.raw())?;
    Ok((l, addr))
}

fn wait_for(fd: RawFd, interest: u32) -> Result<u32, Errno> {
    let ep = owned(epoll_create1(EPOLL_CLOEXEC)?);
    epoll_ctl(
        ep.raw(),
        EPOLL_CTL_ADD,
        fd,
        Some(&EpollEvent::new(interest, 0)),
    )?;
    let mut events = [EpollEvent::default(); 1];
    loop {
        match epoll_pwait(ep.raw(), &mut events, 5000) {
            Ok(1) => return Ok(events[0].events),
            Ok(_) => return Err(Errno::ETIMEDOUT),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

fn tcp_loopback_connect_accept_send_recv() -> Outcome {
    let (l, addr) = listener()?;
    check!(addr.port() != 0, "no ephemeral port assigned");
    let c = owned(socket(
        AF_INET,
        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
        0,
    )?);
    match connect(c.raw(), &addr) {
        Ok(()) | Err(Errno::EINPROGRESS) => {}
        Err(e) => return Err(e.into()),
    }
    let ev = wait_for(c.raw(), EPOLLOUT)?;
    check!(ev & EPOLLOUT != 0, "events {ev:#x}");
    check_eq!(getsockopt_int(c.raw(), SOL_SOCKET, SO_ERROR)?, 0);
    wait_for(l.raw(), EPOLLIN)?;
    let (s, peer) = accept4(l.raw(), SOCK_NONBLOCK | SOCK_CLOEXEC)?;
    let s = owned(s);
    check_eq!(peer.addr, [127, 0, 0, 1]);
    check_eq!(
        accept4(l.raw(), SOCK_NONBLOCK | SOCK_CLOEXEC).map(|_| ()),
        Err(Errno::EAGAIN)
    );
    check_eq!(send(c.raw(), b"ping", MSG_NOSIGNAL)?, 4);
    wait_for(s.raw(), EPOLLIN)?;
    let mut buf = [0u8; 16];
    check_eq!(recv(s.raw(), &mut buf, 0)?, 4);
    check_eq!(&buf[..4], b"ping");
    check_eq!(recv(s.raw(), &mut buf, 0), Err(Errno::EAGAIN));
    // Half-close: the peer reads EOF, then RDHUP is reported.
    shutdown(c.raw(), SHUT_WR)?;
    let ev = wait_for(s.raw(), EPOLLIN | EPOLLRDHUP)?;
    check!(ev & EPOLLRDHUP != 0, "events {ev:#x}");
    check_eq!(recv(s.raw(), &mut buf, 0)?, 0);
    Ok(())
}

fn refused_connect_reports_econnrefused_via_so_error() -> Outcome {
    // Bind a port, then close it: nothing listens there now.
    let (l, addr) = listener()?;
    drop(l);
    let c = owned(socket(
        AF_INET,
        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
        0,
    )?);
    match connect(c.raw(), &addr) {
        Err(Errno::EINPROGRESS) => {
            let ev = wait_for(c.raw(), EPOLLOUT)?;
            check!(ev & (EPOLLERR | EPOLLHUP) != 0, "events {ev:#x}");
            check_eq!(
                getsockopt_int(c.raw(), SOL_SOCKET, SO_ERROR)?,
                Errno::ECONNREFUSED.raw()
            );
        }
        Err(Errno::ECONNREFUSED) => {}
        other => check!(false, "connect returned {other:?}"),
    }
    Ok(())
}

fn send_to_closed_peer_is_epipe_not_sigpipe() -> Outcome {
    let (l, addr) = listener()?;
    let c = owned(socket(
        AF_INET,
        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
        0,
    )?);
    let _ = connect(c.raw(), &addr);
    wait_for(c.raw(), EPOLLOUT)?;
    wait_for(l.raw(), EPOLLIN)?;
    let (s, _) = accept4(l.raw(), SOCK_CLOEXEC)?;
    drop(owned(s));
    // The first send may succeed (the RST is not back yet); keep sending until
    // the error arrives. SIGPIPE is at its default (fatal) disposition here:
    // MSG_NOSIGNAL is what keeps us alive.
    let mut result = Ok(0);
    for _ in 0..200 {
        result = send(c.raw(), b"data", MSG_NOSIGNAL);
        if result.is_err() {
            break;
        }
        let _ = wait_for(c.raw(), EPOLLOUT | EPOLLERR);
    }
    check!(
        matches!(result, Err(Errno::EPIPE) | Err(Errno::ECONNRESET)),
        "send to a closed peer gave {result:?}"
    );
    Ok(())
}

fn getpid_and_prlimit() -> Outcome {
    check!(getpid() > 0, "getpid {}", getpid());
    let lim = prlimit(RLIMIT_NOFILE, None)?;
    check!(lim.cur > 0 && lim.cur <= lim.max, "nofile {lim:?}");
    check_eq!(prlimit(RLIMIT_NOFILE, Some(&lim))?, lim);
    check_eq!(kill(getpid(), 9999), Err(Errno::EINVAL));
    Ok(())
}
