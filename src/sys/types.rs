//! Kernel ABI types and constants shared by x86-64 and aarch64 (both use the
//! generic values below; where layouts differ, the difference is spelled out).

#![allow(missing_docs)]

/// A file descriptor number as the kernel sees it.
pub type RawFd = i32;

pub const O_NONBLOCK: u32 = 0o4000;
pub const O_CLOEXEC: u32 = 0o2000000;

pub const EPOLL_CLOEXEC: u32 = O_CLOEXEC;
pub const EPOLL_CTL_ADD: u32 = 1;
pub const EPOLL_CTL_DEL: u32 = 2;
pub const EPOLL_CTL_MOD: u32 = 3;
pub const EPOLLIN: u32 = 0x001;
pub const EPOLLPRI: u32 = 0x002;
pub const EPOLLOUT: u32 = 0x004;
pub const EPOLLERR: u32 = 0x008;
pub const EPOLLHUP: u32 = 0x010;
pub const EPOLLRDHUP: u32 = 0x2000;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;

/// `struct epoll_event`. On x86-64 the kernel declares it packed (12 bytes,
/// `data` at offset 4); everywhere else it has natural alignment (16 bytes).
/// Getting this wrong silently garbles every event after the first.
#[cfg_attr(target_arch = "x86_64", repr(C, packed))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
#[derive(Clone, Copy, Default)]
pub struct EpollEvent {
    /// `EPOLLIN | EPOLLOUT | ...`
    pub events: u32,
    /// Caller's token, returned unchanged with each event.
    pub data: u64,
}

#[cfg(target_arch = "x86_64")]
const _: () = assert!(core::mem::size_of::<EpollEvent>() == 12);
#[cfg(not(target_arch = "x86_64"))]
const _: () = assert!(core::mem::size_of::<EpollEvent>() == 16);

impl EpollEvent {
    /// An event mask with its token.
    pub const fn new(events: u32, data: u64) -> Self {
        EpollEvent { events, data }
    }
}

impl core::fmt::Debug for EpollEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Copy out of the (possibly packed) struct before taking references.
        let (events, data) = (self.events, self.data);
        f.debug_struct("EpollEvent")
            .field("events", &format_args!("{events:#x}"))
            .field("data", &data)
            .finish()
    }
}

pub const AF_INET: u32 = 2;
pub const SOCK_STREAM: u32 = 1;
pub const SOCK_NONBLOCK: u32 = O_NONBLOCK;
pub const SOCK_CLOEXEC: u32 = O_CLOEXEC;
pub const SOL_SOCKET: u32 = 1;
pub const SO_REUSEADDR: u32 = 2;
/// Lets several sockets bind the same address and port; the kernel spreads
/// incoming connections over them (the same value on x86-64 and aarch64).
pub const SO_REUSEPORT: u32 = 15;
pub const SO_ERROR: u32 = 4;
pub const SO_SNDBUF: u32 = 7;
pub const SO_RCVBUF: u32 = 8;
pub const IPPROTO_TCP: u32 = 6;
pub const TCP_NODELAY: u32 = 1;
pub const MSG_NOSIGNAL: u32 = 0x4000;
pub const SHUT_RD: u32 = 0;
pub const SHUT_WR: u32 = 1;
pub const SHUT_RDWR: u32 = 2;

/// `struct sockaddr_in`: an IPv4 address and port, both in network byte order.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SockAddrIn {
    pub family: u16,
    pub port_be: u16,
    pub addr: [u8; 4],
    pub zero: [u8; 8],
}

impl SockAddrIn {
    /// `ip:port`.
    pub const fn new(ip: [u8; 4], port: u16) -> Self {
        SockAddrIn {
            family: AF_INET as u16,
            port_be: port.to_be(),
            addr: ip,
            zero: [0; 8],
        }
    }
    /// The port in host byte order.
    pub const fn port(&self) -> u16 {
        u16::from_be(self.port_be)
    }
}

impl From<core::net::SocketAddrV4> for SockAddrIn {
    fn from(a: core::net::SocketAddrV4) -> Self {
        SockAddrIn::new(a.ip().octets(), a.port())
    }
}

impl From<SockAddrIn> for core::net::SocketAddrV4 {
    fn from(a: SockAddrIn) -> Self {
        core::net::SocketAddrV4::new(a.addr.into(), a.port())
    }
}

pub const CLOCK_REALTIME: u32 = 0;
pub const CLOCK_MONOTONIC: u32 = 1;
pub const TFD_NONBLOCK: u32 = O_NONBLOCK;
pub const TFD_CLOEXEC: u32 = O_CLOEXEC;
pub const EFD_NONBLOCK: u32 = O_NONBLOCK;
pub const EFD_CLOEXEC: u32 = O_CLOEXEC;

/// `struct timespec`.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

impl Timespec {
    /// From nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        Timespec {
            sec: (ns / 1_000_000_000) as i64,
            nsec: (ns % 1_000_000_000) as i64,
        }
    }
    /// To nanoseconds (saturating; negative times become 0).
    pub const fn as_nanos(&self) -> u64 {
        if self.sec < 0 {
            return 0;
        }
        (self.sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(self.nsec as u64)
    }
}

/// `struct itimerspec`: a timer's first expiry and period.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Itimerspec {
    pub interval: Timespec,
    pub value: Timespec,
}

pub const SIGINT: u32 = 2;
pub const SIGKILL: u32 = 9;
pub const SIGUSR1: u32 = 10;
pub const SIGUSR2: u32 = 12;
pub const SIGPIPE: u32 = 13;
pub const SIGALRM: u32 = 14;
pub const SIGTERM: u32 = 15;
pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;
pub const SIGSEGV: u32 = 11;
pub const SA_ONSTACK: u64 = 0x0800_0000;

/// `stack_t`, for `sigaltstack(2)`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SigStack {
    pub sp: usize,
    pub flags: i32,
    pub size: usize,
}

pub const PROT_NONE: u32 = 0;
pub const PROT_READ: u32 = 1;
pub const PROT_WRITE: u32 = 2;
pub const MAP_PRIVATE: u32 = 0x02;
pub const MAP_ANONYMOUS: u32 = 0x20;
pub const MAP_NORESERVE: u32 = 0x4000;
pub const MAP_STACK: u32 = 0x20000;
pub const SA_SIGINFO: u64 = 0x4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SIG_BLOCK: u32 = 0;
pub const SIG_UNBLOCK: u32 = 1;
pub const SIG_SETMASK: u32 = 2;
/// The kernel's signal set is 64 bits (not glibc's 1024): `sigsetsize` is 8.
pub const SIGSET_SIZE: usize = 8;

/// The kernel's `struct sigaction` (not glibc's): handler, flags, restorer,
/// mask. The kernel requires `SA_RESTORER` and a restorer on x86-64.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct SigAction {
    pub handler: usize,
    pub flags: u64,
    pub restorer: usize,
    pub mask: u64,
}

/// The bit for `sig` in a kernel signal set.
pub const fn sigmask(sig: u32) -> u64 {
    1u64 << (sig - 1)
}

pub const POLLIN: i16 = 0x1;
pub const POLLOUT: i16 = 0x4;

/// `struct pollfd` for `ppoll`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct PollFd {
    pub fd: RawFd,
    pub events: i16,
    pub revents: i16,
}

/// `struct timeval`.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Timeval {
    pub sec: i64,
    pub usec: i64,
}

/// `struct itimerval` for `setitimer`.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Itimerval {
    pub interval: Timeval,
    pub value: Timeval,
}

pub const RLIMIT_NOFILE: u32 = 7;

/// `struct rlimit64`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}
