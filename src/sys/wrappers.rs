//! The typed wrappers, one per system call.

use super::types::*;
use super::{Errno, nr, syscall};
use core::mem::size_of;

type R<T> = Result<T, Errno>;

// ---- I/O -------------------------------------------------------------------

/// `write(2)`: writes from `buf`; may write fewer bytes than asked.
#[inline]
pub fn write(fd: RawFd, buf: &[u8]) -> R<usize> {
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    unsafe { syscall!(nr::WRITE, fd as usize, buf.as_ptr() as usize, buf.len()) }
}

/// `write(2)` from a raw pointer, for tests of what the kernel does with bad
/// pointers (`EFAULT`).
///
/// # Safety
/// None for memory safety (the kernel validates the range and never writes to
/// it), but the caller vouches that `ptr..ptr+len` is not memory a concurrent
/// Rust `&mut` borrow owns.
pub unsafe fn write_raw(fd: RawFd, ptr: *const u8, len: usize) -> R<usize> {
    // SAFETY: the kernel only reads, and checks the range itself.
    unsafe { syscall!(nr::WRITE, fd as usize, ptr as usize, len) }
}

/// `read(2)`: reads into `buf`; `Ok(0)` is end of file.
#[inline]
pub fn read(fd: RawFd, buf: &mut [u8]) -> R<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which we
    // borrow mutably.
    unsafe { syscall!(nr::READ, fd as usize, buf.as_mut_ptr() as usize, buf.len()) }
}

/// `close(2)`.
#[inline]
pub fn close(fd: RawFd) -> R<()> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::CLOSE, fd as usize) }.map(drop)
}

/// `pipe2(2)`: `[read_end, write_end]`.
pub fn pipe2(flags: u32) -> R<[RawFd; 2]> {
    let mut fds = [-1 as RawFd; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    unsafe { syscall!(nr::PIPE2, fds.as_mut_ptr() as usize, flags as usize) }?;
    Ok(fds)
}

/// `ppoll(2)` with no signal mask; `timeout` `None` waits forever.
pub fn ppoll(fds: &mut [PollFd], timeout: Option<&Timespec>) -> R<usize> {
    let ts = timeout.map_or(0, |t| t as *const Timespec as usize);
    // SAFETY: the kernel reads/writes `fds.len()` pollfds and reads `ts`.
    unsafe {
        syscall!(
            nr::PPOLL,
            fds.as_mut_ptr() as usize,
            fds.len(),
            ts,
            0,
            SIGSET_SIZE
        )
    }
}

/// `fcntl(fd, F_GETFL)`.
pub fn fcntl_getfl(fd: RawFd) -> R<u32> {
    // SAFETY: F_GETFL (3) takes no pointer.
    unsafe { syscall!(nr::FCNTL, fd as usize, 3) }.map(|v| v as u32)
}

/// `fcntl(fd, F_GETFD)`: the fd flags (`FD_CLOEXEC`). Also the cheapest way
/// to ask whether an fd number is open (`EBADF` if not), which is how tests
/// check that nothing leaked.
pub fn fcntl_getfd(fd: RawFd) -> R<u32> {
    // SAFETY: F_GETFD (1) takes no pointer.
    unsafe { syscall!(nr::FCNTL, fd as usize, 1) }.map(|v| v as u32)
}

/// `fcntl(fd, F_SETFL, flags)`.
pub fn fcntl_setfl(fd: RawFd, flags: u32) -> R<()> {
    // SAFETY: F_SETFL (4) takes an integer.
    unsafe { syscall!(nr::FCNTL, fd as usize, 4, flags as usize) }.map(drop)
}

// ---- epoll -----------------------------------------------------------------

/// `epoll_create1(2)`.
pub fn epoll_create1(flags: u32) -> R<RawFd> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::EPOLL_CREATE1, flags as usize) }.map(|v| v as RawFd)
}

/// `epoll_ctl(2)`: `op` is `EPOLL_CTL_ADD`, `_MOD` or `_DEL` (`event` may be
/// `None` for `_DEL`).
pub fn epoll_ctl(epfd: RawFd, op: u32, fd: RawFd, event: Option<&EpollEvent>) -> R<()> {
    let ev = event.map_or(0, |e| e as *const EpollEvent as usize);
    // SAFETY: the kernel reads one event from `ev` (or nothing when it is 0).
    unsafe { syscall!(nr::EPOLL_CTL, epfd as usize, op as usize, fd as usize, ev) }.map(drop)
}

/// `epoll_pwait2(2)` with no signal mask: like [`epoll_pwait`] with a
/// nanosecond timeout (`None` waits forever). Linux 5.11 and later; older
/// kernels and QEMU user-mode before 2026 say `ENOSYS`.
pub fn epoll_pwait2(
    epfd: RawFd,
    events: &mut [EpollEvent],
    timeout: Option<&Timespec>,
) -> R<usize> {
    if events.is_empty() {
        return Err(Errno::EINVAL);
    }
    let max = events.len().min(i32::MAX as usize);
    let t = timeout.map_or(0, |t| t as *const Timespec as usize);
    // SAFETY: the kernel writes at most `max` events into `events` and reads
    // one `timespec` from `t` (or nothing when it is 0).
    unsafe {
        syscall!(
            nr::EPOLL_PWAIT2,
            epfd as usize,
            events.as_mut_ptr() as usize,
            max,
            t,
            0,
            SIGSET_SIZE
        )
    }
}

/// `epoll_pwait(2)` with no signal mask (`epoll_wait` does not exist on
/// aarch64, and `epoll_pwait2` is missing from QEMU 7.2). `timeout_ms` -1
/// waits forever, 0 polls. Returns how many `events` were filled.
pub fn epoll_pwait(epfd: RawFd, events: &mut [EpollEvent], timeout_ms: i32) -> R<usize> {
    // maxevents must be positive; an empty buffer is the caller's bug, and
    // the kernel would say EINVAL, so say it without the syscall.
    if events.is_empty() {
        return Err(Errno::EINVAL);
    }
    let max = events.len().min(i32::MAX as usize);
    // SAFETY: the kernel writes at most `max` events into `events`.
    unsafe {
        syscall!(
            nr::EPOLL_PWAIT,
            epfd as usize,
            events.as_mut_ptr() as usize,
            max,
            timeout_ms as isize as usize,
            0,
            SIGSET_SIZE
        )
    }
}

/// `eventfd2(2)`.
pub fn eventfd2(initval: u32, flags: u32) -> R<RawFd> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::EVENTFD2, initval as usize, flags as usize) }.map(|v| v as RawFd)
}

// ---- time ------------------------------------------------------------------

/// `clock_gettime(2)`.
pub fn clock_gettime(clock: u32) -> R<Timespec> {
    let mut ts = Timespec::default();
    // SAFETY: the kernel writes one timespec into `ts`.
    unsafe {
        syscall!(
            nr::CLOCK_GETTIME,
            clock as usize,
            &mut ts as *mut Timespec as usize
        )
    }?;
    Ok(ts)
}

/// `clock_nanosleep(2)` on `clock`, relative; `EINTR` is returned as is.
pub fn clock_nanosleep(clock: u32, duration: &Timespec) -> R<()> {
    // SAFETY: the kernel reads one timespec; no remainder is requested.
    unsafe {
        syscall!(
            nr::CLOCK_NANOSLEEP,
            clock as usize,
            0,
            duration as *const Timespec as usize,
            0
        )
    }
    .map(drop)
}

/// `timerfd_create(2)`.
pub fn timerfd_create(clock: u32, flags: u32) -> R<RawFd> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::TIMERFD_CREATE, clock as usize, flags as usize) }.map(|v| v as RawFd)
}

/// `timerfd_settime(2)`: arms (or, with a zero value, disarms) the timer and
/// returns its previous setting.
pub fn timerfd_settime(fd: RawFd, flags: u32, new: &Itimerspec) -> R<Itimerspec> {
    let mut old = Itimerspec::default();
    // SAFETY: the kernel reads `new` and writes `old`.
    unsafe {
        syscall!(
            nr::TIMERFD_SETTIME,
            fd as usize,
            flags as usize,
            new as *const Itimerspec as usize,
            &mut old as *mut Itimerspec as usize
        )
    }?;
    Ok(old)
}

/// `setitimer(ITIMER_REAL, ...)`: delivers SIGALRM when `new.value` elapses
/// (a zero value disarms). Returns the previous setting.
pub fn setitimer_real(new: &Itimerval) -> R<Itimerval> {
    let mut old = Itimerval::default();
    // SAFETY: the kernel reads `new` and writes `old`.
    unsafe {
        syscall!(
            nr::SETITIMER,
            0,
            new as *const Itimerval as usize,
            &mut old as *mut Itimerval as usize
        )
    }?;
    Ok(old)
}

// ---- sockets ---------------------------------------------------------------

/// `socket(2)`.
pub fn socket(domain: u32, ty: u32, protocol: u32) -> R<RawFd> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::SOCKET, domain as usize, ty as usize, protocol as usize) }
        .map(|v| v as RawFd)
}

/// `bind(2)` to an IPv4 address.
pub fn bind(fd: RawFd, addr: &SockAddrIn) -> R<()> {
    // SAFETY: the kernel reads `size_of::<SockAddrIn>()` bytes from `addr`.
    unsafe {
        syscall!(
            nr::BIND,
            fd as usize,
            addr as *const SockAddrIn as usize,
            size_of::<SockAddrIn>()
        )
    }
    .map(drop)
}

/// `listen(2)`.
pub fn listen(fd: RawFd, backlog: u32) -> R<()> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::LISTEN, fd as usize, backlog as usize) }.map(drop)
}

/// `accept4(2)`: the new fd and the peer's address.
pub fn accept4(fd: RawFd, flags: u32) -> R<(RawFd, SockAddrIn)> {
    let mut addr = SockAddrIn::new([0; 4], 0);
    let mut len = size_of::<SockAddrIn>() as u32;
    // SAFETY: the kernel writes at most `len` bytes into `addr` and updates `len`.
    let new = unsafe {
        syscall!(
            nr::ACCEPT4,
            fd as usize,
            &mut addr as *mut SockAddrIn as usize,
            &mut len as *mut u32 as usize,
            flags as usize
        )
    }?;
    Ok((new as RawFd, addr))
}

/// `connect(2)` to an IPv4 address (`EINPROGRESS` on a non-blocking socket).
pub fn connect(fd: RawFd, addr: &SockAddrIn) -> R<()> {
    // SAFETY: the kernel reads `size_of::<SockAddrIn>()` bytes from `addr`.
    unsafe {
        syscall!(
            nr::CONNECT,
            fd as usize,
            addr as *const SockAddrIn as usize,
            size_of::<SockAddrIn>()
        )
    }
    .map(drop)
}

/// `getsockname(2)`: the local address (e.g. the ephemeral port after bind to 0).
pub fn getsockname(fd: RawFd) -> R<SockAddrIn> {
    let mut addr = SockAddrIn::new([0; 4], 0);
    let mut len = size_of::<SockAddrIn>() as u32;
    // SAFETY: the kernel writes at most `len` bytes into `addr`.
    unsafe {
        syscall!(
            nr::GETSOCKNAME,
            fd as usize,
            &mut addr as *mut SockAddrIn as usize,
            &mut len as *mut u32 as usize
        )
    }?;
    Ok(addr)
}

/// `getsockopt(2)` for an `int` option (e.g. `SO_ERROR`).
pub fn getsockopt_int(fd: RawFd, level: u32, name: u32) -> R<i32> {
    let mut v: i32 = 0;
    let mut len = size_of::<i32>() as u32;
    // SAFETY: the kernel writes at most `len` (4) bytes into `v`.
    unsafe {
        syscall!(
            nr::GETSOCKOPT,
            fd as usize,
            level as usize,
            name as usize,
            &mut v as *mut i32 as usize,
            &mut len as *mut u32 as usize
        )
    }?;
    Ok(v)
}

/// `setsockopt(2)` for an `int` option.
pub fn setsockopt_int(fd: RawFd, level: u32, name: u32, value: i32) -> R<()> {
    // SAFETY: the kernel reads 4 bytes from `value`.
    unsafe {
        syscall!(
            nr::SETSOCKOPT,
            fd as usize,
            level as usize,
            name as usize,
            &value as *const i32 as usize,
            size_of::<i32>()
        )
    }
    .map(drop)
}

/// `shutdown(2)`: `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`.
pub fn shutdown(fd: RawFd, how: u32) -> R<()> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::SHUTDOWN, fd as usize, how as usize) }.map(drop)
}

/// `send(2)` (as `sendto` without an address). Pass `MSG_NOSIGNAL` so a
/// closed peer gives `EPIPE` instead of killing the process with SIGPIPE.
#[inline]
pub fn send(fd: RawFd, buf: &[u8], flags: u32) -> R<usize> {
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`.
    unsafe {
        syscall!(
            nr::SENDTO,
            fd as usize,
            buf.as_ptr() as usize,
            buf.len(),
            flags as usize,
            0,
            0
        )
    }
}

/// `recv(2)` (as `recvfrom` without an address).
#[inline]
pub fn recv(fd: RawFd, buf: &mut [u8], flags: u32) -> R<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe {
        syscall!(
            nr::RECVFROM,
            fd as usize,
            buf.as_mut_ptr() as usize,
            buf.len(),
            flags as usize,
            0,
            0
        )
    }
}

// ---- memory ----------------------------------------------------------------

/// `mmap(2)` of `len` bytes of fresh anonymous private memory (`flags` are
/// added to `MAP_PRIVATE | MAP_ANONYMOUS`); returns its address.
pub fn mmap_anonymous(len: usize, prot: u32, flags: u32) -> R<usize> {
    // SAFETY: a new mapping at an address the kernel picks touches no
    // existing memory.
    unsafe {
        syscall!(
            nr::MMAP,
            0,
            len,
            prot as usize,
            (flags | MAP_PRIVATE | MAP_ANONYMOUS) as usize,
            usize::MAX,
            0
        )
    }
}

/// `mprotect(2)`.
///
/// # Safety
/// No Rust reference may point into `addr..addr + len` whose accesses the
/// new protection forbids.
pub unsafe fn mprotect(addr: usize, len: usize, prot: u32) -> R<()> {
    // SAFETY: the caller's contract.
    unsafe { syscall!(nr::MPROTECT, addr, len, prot as usize) }.map(drop)
}

/// `munmap(2)`.
///
/// # Safety
/// Nothing may use `addr..addr + len` afterwards.
pub unsafe fn munmap(addr: usize, len: usize) -> R<()> {
    // SAFETY: the caller's contract.
    unsafe { syscall!(nr::MUNMAP, addr, len) }.map(drop)
}

/// `sigaltstack(2)`: sets (when `new` is given) this thread's alternate
/// signal stack; returns the previous one.
///
/// # Safety
/// The new stack's memory must stay valid and unused by anything else while
/// it is installed.
pub unsafe fn sigaltstack(new: Option<&SigStack>) -> R<SigStack> {
    let mut old = SigStack::default();
    let p = new.map_or(0, |n| n as *const SigStack as usize);
    // SAFETY: the kernel reads `new` and writes `old`; the caller vouches
    // for the stack.
    unsafe { syscall!(nr::SIGALTSTACK, p, &mut old as *mut SigStack as usize) }?;
    Ok(old)
}

// ---- signals and processes -------------------------------------------------

/// `rt_sigaction(2)`: installs `new` for `sig` and returns the old action.
/// Use [`SigAction::handler`] to build one with the restorer set.
pub fn rt_sigaction(sig: u32, new: &SigAction) -> R<SigAction> {
    let mut old = SigAction::default();
    // SAFETY: the kernel reads `new` and writes `old`; sigsetsize is the
    // kernel's 8 bytes.
    unsafe {
        syscall!(
            nr::RT_SIGACTION,
            sig as usize,
            new as *const SigAction as usize,
            &mut old as *mut SigAction as usize,
            SIGSET_SIZE
        )
    }?;
    Ok(old)
}

impl SigAction {
    /// An action that runs `handler(signo)` with `SA_RESTORER` and bitwake's
    /// own restorer (x86-64 kernels demand one; there is no libc to supply it).
    pub fn handler(handler: extern "C" fn(i32), flags: u64) -> Self {
        SigAction {
            handler: handler as *const () as usize,
            flags: flags | SA_RESTORER,
            restorer: bitwake_arch::restore_rt as *const () as usize,
            mask: 0,
        }
    }

    /// An action that ignores the signal (`SIG_IGN`).
    pub fn ignore() -> Self {
        SigAction {
            handler: SIG_IGN,
            flags: SA_RESTORER,
            restorer: bitwake_arch::restore_rt as *const () as usize,
            mask: 0,
        }
    }
}

/// `rt_sigprocmask(2)`: `how` is `SIG_BLOCK`, `SIG_UNBLOCK` or `SIG_SETMASK`;
/// `set` `None` only queries. Returns the previous mask.
pub fn rt_sigprocmask(how: u32, set: Option<u64>) -> R<u64> {
    let mut old: u64 = 0;
    let set_ptr = set.as_ref().map_or(0, |s| s as *const u64 as usize);
    // SAFETY: the kernel reads 8 bytes from `set_ptr` (if non-null) and
    // writes 8 into `old`.
    unsafe {
        syscall!(
            nr::RT_SIGPROCMASK,
            how as usize,
            set_ptr,
            &mut old as *mut u64 as usize,
            SIGSET_SIZE
        )
    }?;
    Ok(old)
}

/// `getpid(2)`.
pub fn getpid() -> i32 {
    // SAFETY: no memory is involved; getpid cannot fail.
    unsafe { syscall!(nr::GETPID) }.map_or(-1, |v| v as i32)
}

/// `gettid(2)`: the calling thread's id (never 0).
pub fn gettid() -> i32 {
    // SAFETY: no memory is involved; gettid cannot fail.
    unsafe { syscall!(nr::GETTID) }.map_or(-1, |v| v as i32)
}

/// `kill(2)`.
pub fn kill(pid: i32, sig: u32) -> R<()> {
    // SAFETY: no memory is involved.
    unsafe { syscall!(nr::KILL, pid as isize as usize, sig as usize) }.map(drop)
}

/// `prlimit64(2)` on this process: sets `new` (when given) and returns the
/// old limit.
pub fn prlimit(resource: u32, new: Option<&Rlimit>) -> R<Rlimit> {
    let mut old = Rlimit::default();
    let new_ptr = new.map_or(0, |n| n as *const Rlimit as usize);
    // SAFETY: the kernel reads `new_ptr` (if non-null) and writes `old`.
    unsafe {
        syscall!(
            nr::PRLIMIT64,
            0,
            resource as usize,
            new_ptr,
            &mut old as *mut Rlimit as usize
        )
    }?;
    Ok(old)
}

/// `exit_group(2)`: ends the process with `code`.
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group ends every thread of the process and never returns.
    unsafe { bitwake_arch::syscall1_noreturn(nr::EXIT_GROUP, code as isize as usize) }
}
