//! A fault-injecting [`Backend`]: [`Faulty<B>`] wraps any backend and follows a
//! deterministic script of [`Rule`]s, so tests can drive the reactor, the I/O
//! types and the HTTP code through errors and partial results on demand.
//!
//! Built only with the `fault-inject` feature, which makes it the selected
//! backend for the whole program (`sys::backend::Selected`).
//!
//! # Scripts
//!
//! A script is a slice of rules installed at run time with [`install`]
//! (there is no heap: rules live in a static table of [`MAX_RULES`] atomic
//! slots). A rule names a syscall number (from `sys::nr`), optionally one
//! argument value it must match (e.g. an fd, or `EPOLL_CTL_ADD`), a schedule
//! (from the k-th matching call, every p-th call, at most t times) and an
//! [`Action`]. Each rule counts the matching calls it saw and the faults it
//! injected ([`injected`], [`total_injected`]).
//!
//! ```ignore
//! use bitwake::sys::{nr, Errno, fault::{self, Rule}};
//! fault::install(&[
//!     Rule::halve(nr::WRITE).from_call(3).times(1),           // the 3rd write is short
//!     Rule::fail(nr::EPOLL_PWAIT, Errno::EINTR).from_call(5).every(5),
//!     Rule::fail(nr::ACCEPT4, Errno::EMFILE).times(2),
//! ])?;
//! ```
//!
//! # Only results the kernel could have produced
//!
//! The point is to test bitwake against the kernel's contract, so the
//! injector never invents an impossible result:
//!
//! * an injected error makes **no** system call (nothing happened, as when
//!   the kernel fails a call);
//! * a short read/write/send/recv (or a short `epoll_pwait` batch) **is** the
//!   real system call with a smaller length, so exactly the returned prefix
//!   was transferred;
//! * an injected `EAGAIN` on an fd that is in fact ready would, with
//!   edge-triggered epoll, hide an edge the kernel has already delivered. So
//!   the injector checks readiness (`ppoll`, zero timeout) and, if the fd is
//!   ready, *owes* the edge: the next `epoll_pwait` on the epoll instances the
//!   fd is registered with reports it (as the kernel would if the data had
//!   arrived just after the call). If it cannot deliver the edge (the fd is
//!   not registered with epoll), the rule does not fire.
//!
//! Which errors make sense for which fd (e.g. `ECONNRESET` only on sockets)
//! is the script writer's responsibility.
//!
//! # Soundness
//!
//! Every table is made of atomics, so concurrent use (other threads, signal
//! handlers) is memory-safe; a script's counts are only meaningful for a
//! single-threaded program, which is what the test programs are.

use super::backend::Backend;
use super::types::{EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLLIN, EPOLLOUT, EpollEvent};
use super::types::{POLLIN, POLLOUT, PollFd, Timespec};
use super::{Errno, nr};
use core::marker::PhantomData;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};

/// How many rules a script may have.
pub const MAX_RULES: usize = 16;
/// How many (epoll, fd) registrations the injector follows (to owe edges).
const MAX_WATCHES: usize = 256;

/// What a rule does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Return this error without making the system call.
    Fail(Errno),
    /// Make the real call with its length argument halved (at least 1).
    /// Applies to `read`, `write`, `recvfrom`, `sendto` (bytes) and
    /// `epoll_pwait` (`maxevents`); a length of 0 or 1 cannot be shortened,
    /// so the rule does not fire then.
    Halve,
    /// Make the real call with its length argument capped at `n` (at least 1);
    /// same calls as [`Action::Halve`].
    Cap(usize),
}

/// One line of a fault script; build with [`Rule::fail`], [`Rule::halve`] or
/// [`Rule::cap`] and refine with the `const` methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    nr: usize,
    arg: Option<(usize, usize)>,
    first: u32,
    every: u32,
    times: u32,
    action: Action,
}

impl Rule {
    /// Every call to syscall `nr` (from `sys::nr`) does `action`.
    pub const fn on(nr: usize, action: Action) -> Rule {
        Rule {
            nr,
            arg: None,
            first: 1,
            every: 1,
            times: u32::MAX,
            action,
        }
    }
    /// Calls to `nr` fail with `e` (no system call is made).
    pub const fn fail(nr: usize, e: Errno) -> Rule {
        Rule::on(nr, Action::Fail(e))
    }
    /// Calls to `nr` transfer half the bytes (or events) asked for.
    pub const fn halve(nr: usize) -> Rule {
        Rule::on(nr, Action::Halve)
    }
    /// Calls to `nr` transfer at most `n` bytes (or events).
    pub const fn cap(nr: usize, n: usize) -> Rule {
        Rule::on(nr, Action::Cap(n))
    }
    /// Starts firing at the `k`-th matching call (1-based; default 1).
    pub const fn from_call(mut self, k: u32) -> Rule {
        self.first = if k == 0 { 1 } else { k };
        self
    }
    /// Fires on every `p`-th matching call from the first (default 1).
    pub const fn every(mut self, p: u32) -> Rule {
        self.every = if p == 0 { 1 } else { p };
        self
    }
    /// Fires at most `t` times (default: unlimited).
    pub const fn times(mut self, t: u32) -> Rule {
        self.times = t;
        self
    }
    /// Only matches calls whose argument number `index` (0-based) equals
    /// `value`, e.g. `.when_arg(0, fd)` or `.when_arg(1, EPOLL_CTL_ADD as usize)`.
    pub const fn when_arg(mut self, index: usize, value: usize) -> Rule {
        self.arg = Some((index, value));
        self
    }
}

/// [`install`] was given more than [`MAX_RULES`] rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptTooLong;

const NO_ARG: usize = usize::MAX;
const KIND_FAIL: u32 = 0;
const KIND_HALVE: u32 = 1;
const KIND_CAP: u32 = 2;

/// One rule, as atomics so the table can be a plain `static`.
struct Slot {
    armed: AtomicBool,
    nr: AtomicUsize,
    arg_index: AtomicUsize,
    arg_value: AtomicUsize,
    first: AtomicU32,
    every: AtomicU32,
    times: AtomicU32,
    kind: AtomicU32,
    param: AtomicUsize,
    seen: AtomicU32,
    injected: AtomicU32,
}

impl Slot {
    const fn new() -> Slot {
        Slot {
            armed: AtomicBool::new(false),
            nr: AtomicUsize::new(0),
            arg_index: AtomicUsize::new(NO_ARG),
            arg_value: AtomicUsize::new(0),
            first: AtomicU32::new(1),
            every: AtomicU32::new(1),
            times: AtomicU32::new(0),
            kind: AtomicU32::new(KIND_FAIL),
            param: AtomicUsize::new(0),
            seen: AtomicU32::new(0),
            injected: AtomicU32::new(0),
        }
    }

    fn action(&self) -> Action {
        let param = self.param.load(Relaxed);
        match self.kind.load(Relaxed) {
            KIND_HALVE => Action::Halve,
            KIND_CAP => Action::Cap(param),
            _ => Action::Fail(Errno::from_raw(param as i32)),
        }
    }
}

static RULES: [Slot; MAX_RULES] = [const { Slot::new() }; MAX_RULES];
static TOTAL: AtomicU32 = AtomicU32::new(0);

/// Replaces the script: clears every rule and counter, then arms `rules`.
pub fn install(rules: &[Rule]) -> Result<(), ScriptTooLong> {
    if rules.len() > MAX_RULES {
        return Err(ScriptTooLong);
    }
    clear();
    for (slot, r) in RULES.iter().zip(rules) {
        slot.nr.store(r.nr, Relaxed);
        let (i, v) = r.arg.unwrap_or((NO_ARG, 0));
        slot.arg_index.store(i, Relaxed);
        slot.arg_value.store(v, Relaxed);
        slot.first.store(r.first, Relaxed);
        slot.every.store(r.every, Relaxed);
        slot.times.store(r.times, Relaxed);
        let (kind, param) = match r.action {
            Action::Fail(e) => (KIND_FAIL, e.raw() as usize),
            Action::Halve => (KIND_HALVE, 0),
            Action::Cap(n) => (KIND_CAP, n),
        };
        slot.kind.store(kind, Relaxed);
        slot.param.store(param, Relaxed);
        // Publish the fields written above to whoever sees `armed`.
        slot.armed.store(true, Release);
    }
    Ok(())
}

/// Disarms every rule and resets the counters (owed edges are kept: they
/// are facts about fds, not about the script).
pub fn clear() {
    for slot in &RULES {
        slot.armed.store(false, Release);
        slot.seen.store(0, Relaxed);
        slot.injected.store(0, Relaxed);
    }
    TOTAL.store(0, Relaxed);
}

/// How many faults rule `index` of the current script injected.
pub fn injected(index: usize) -> u32 {
    RULES.get(index).map_or(0, |s| s.injected.load(Relaxed))
}

/// How many calls rule `index` of the current script matched.
pub fn seen(index: usize) -> u32 {
    RULES.get(index).map_or(0, |s| s.seen.load(Relaxed))
}

/// How many faults the current script injected in all.
pub fn total_injected() -> u32 {
    TOTAL.load(Relaxed)
}

/// Counts the call against every armed rule that matches it and returns the
/// first rule that is due to fire (its index and action). Firing is only
/// committed (counted) by [`commit`], once the action is known to apply.
fn due(n: usize, args: &[usize; 6]) -> Option<(usize, Action)> {
    let mut found = None;
    for (i, slot) in RULES.iter().enumerate() {
        if !slot.armed.load(Acquire) || slot.nr.load(Relaxed) != n {
            continue;
        }
        let ai = slot.arg_index.load(Relaxed);
        if ai != NO_ARG && args.get(ai).copied() != Some(slot.arg_value.load(Relaxed)) {
            continue;
        }
        let seen = slot.seen.fetch_add(1, Relaxed).wrapping_add(1);
        let (first, every) = (slot.first.load(Relaxed), slot.every.load(Relaxed).max(1));
        let scheduled = seen >= first && (seen - first) % every == 0;
        if found.is_none() && scheduled && slot.injected.load(Relaxed) < slot.times.load(Relaxed) {
            found = Some((i, slot.action()));
        }
    }
    found
}

fn commit(index: usize) {
    RULES[index].injected.fetch_add(1, Relaxed);
    TOTAL.fetch_add(1, Relaxed);
}

/// The raw encoding of a failed call.
fn err(e: Errno) -> usize {
    (-(e.raw() as isize)) as usize
}

fn is_err(ret: usize) -> bool {
    Errno::from_ret(ret).is_err()
}

/// Calls whose third argument is a length the kernel may honour partially.
fn shortenable(n: usize) -> bool {
    n == nr::READ || n == nr::WRITE || n == nr::RECVFROM || n == nr::SENDTO || n == nr::EPOLL_PWAIT
}

/// The readiness an `EAGAIN` from call `n` waits for, if `n` is an I/O call
/// the reactor retries on readiness.
fn eagain_direction(n: usize) -> Option<(i16, u32)> {
    if n == nr::READ || n == nr::RECVFROM || n == nr::ACCEPT4 {
        Some((POLLIN, EPOLLIN))
    } else if n == nr::WRITE || n == nr::SENDTO {
        Some((POLLOUT, EPOLLOUT))
    } else {
        None
    }
}

// ---- the (epoll, fd) registrations, for owed edges ------------------------

/// One `epoll_ctl` registration seen going through: key is
/// `(epfd + 1) << 32 | (fd + 1)` (0: empty).
struct Watch {
    key: AtomicU64,
    data: AtomicU64,
    events: AtomicU32,
    owed: AtomicU32,
}

static WATCHES: [Watch; MAX_WATCHES] = [const {
    Watch {
        key: AtomicU64::new(0),
        data: AtomicU64::new(0),
        events: AtomicU32::new(0),
        owed: AtomicU32::new(0),
    }
}; MAX_WATCHES];

fn key(epfd: usize, fd: usize) -> u64 {
    (((epfd as u32 as u64) + 1) << 32) | ((fd as u32 as u64) + 1)
}

fn key_fd(k: u64) -> u64 {
    k & 0xffff_ffff
}

fn key_ep(k: u64) -> u64 {
    k >> 32
}

/// Follows successful `epoll_ctl` and `close` calls.
fn track(n: usize, a: &[usize; 6]) {
    if n == nr::EPOLL_CTL {
        let k = key(a[0], a[2]);
        let op = a[1] as u32;
        if op == EPOLL_CTL_DEL {
            forget(|w| w == k);
        } else if (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && a[3] != 0 {
            // SAFETY: the typed layer passed a pointer to an `EpollEvent`
            // that the kernel has just read successfully; it is still
            // borrowed for the duration of this call. Unaligned because the
            // x86-64 layout is packed.
            let ev = unsafe { core::ptr::read_unaligned(a[3] as *const EpollEvent) };
            let (events, data) = (ev.events, ev.data);
            let slot = WATCHES
                .iter()
                .find(|w| w.key.load(Acquire) == k)
                .or_else(|| {
                    WATCHES
                        .iter()
                        .find(|w| w.key.compare_exchange(0, k, Relaxed, Relaxed).is_ok())
                });
            if let Some(w) = slot {
                w.data.store(data, Relaxed);
                w.events.store(events, Relaxed);
                w.owed.store(0, Relaxed);
                w.key.store(k, Release);
            }
        }
    } else if n == nr::CLOSE {
        // Closing an fd removes it from every epoll set (bitwake never dups
        // registered fds); closing an epoll fd drops its whole set.
        let id = (a[0] as u32 as u64) + 1;
        forget(|k| key_fd(k) == id || key_ep(k) == id);
    }
}

fn forget(matches: impl Fn(u64) -> bool) {
    for w in &WATCHES {
        let k = w.key.load(Acquire);
        if k != 0 && matches(k) {
            w.owed.store(0, Relaxed);
            let _ = w.key.compare_exchange(k, 0, Release, Relaxed);
        }
    }
}

/// Whether `fd` is ready for `poll_bits` right now, asked of the real backend.
fn ready_now<B: Backend>(fd: usize, poll_bits: i16) -> bool {
    let mut pfd = PollFd {
        fd: fd as i32,
        events: poll_bits,
        revents: 0,
    };
    let zero = Timespec::default();
    // SAFETY: ppoll reads and writes one pollfd and reads one timespec, both
    // live locals; sigmask is NULL.
    let r = unsafe {
        B::syscall5(
            nr::PPOLL,
            &mut pfd as *mut PollFd as usize,
            1,
            &zero as *const Timespec as usize,
            0,
            super::SIGSET_SIZE,
        )
    };
    !is_err(r) && r > 0
}

/// Decides whether an injected `EAGAIN` on `fd` is something the kernel
/// could have said, owing the edge when needed (see the module docs).
fn eagain_is_plausible<B: Backend>(n: usize, fd: usize) -> bool {
    let Some((poll_bits, epoll_bits)) = eagain_direction(n) else {
        // Not an I/O call the reactor waits on: an EAGAIN from e.g. eventfd2
        // or connect is a plain resource error the caller must handle.
        return true;
    };
    if !ready_now::<B>(fd, poll_bits) {
        // The kernel itself would have said EAGAIN; its next edge is real.
        return true;
    }
    let id = (fd as u32 as u64) + 1;
    let mut owed = false;
    for w in &WATCHES {
        let k = w.key.load(Acquire);
        if k != 0 && key_fd(k) == id && w.events.load(Relaxed) & epoll_bits != 0 {
            w.owed.fetch_or(epoll_bits, Relaxed);
            owed = true;
        }
    }
    owed
}

/// `epoll_pwait` with owed edges merged into the result.
///
/// # Safety
/// `a` are the arguments of a valid `epoll_pwait` call.
unsafe fn epoll_pwait<B: Backend>(mut a: [usize; 6]) -> usize {
    let ep = (a[0] as u32 as u64) + 1;
    let owes = WATCHES.iter().any(|w| {
        let k = w.key.load(Acquire);
        k != 0 && key_ep(k) == ep && w.owed.load(Relaxed) != 0
    });
    if owes {
        // An event is pending, so the kernel would not block.
        a[3] = 0;
    }
    // SAFETY: forwarded contract.
    let ret = unsafe { B::syscall6(nr::EPOLL_PWAIT, a[0], a[1], a[2], a[3], a[4], a[5]) };
    if !owes || is_err(ret) {
        return ret;
    }
    let (buf, max) = (a[1] as *mut EpollEvent, a[2]);
    let mut n = ret;
    for w in &WATCHES {
        let k = w.key.load(Acquire);
        if k == 0 || key_ep(k) != ep {
            continue;
        }
        let bits = w.owed.swap(0, Relaxed);
        if bits == 0 {
            continue;
        }
        let data = w.data.load(Relaxed);
        // SAFETY: `buf` holds `max` events (the caller's contract) of which
        // the kernel filled `n`; reads and writes stay below `max`.
        unsafe {
            let mut merged = false;
            for i in 0..n {
                let p = buf.add(i);
                let mut ev = core::ptr::read_unaligned(p);
                if ev.data == data {
                    // One fd is reported once per call: add the edge to it.
                    ev.events |= bits;
                    core::ptr::write_unaligned(p, ev);
                    merged = true;
                    break;
                }
            }
            if !merged {
                if n < max {
                    core::ptr::write_unaligned(buf.add(n), EpollEvent::new(bits, data));
                    n += 1;
                } else {
                    // No room: deliver it next time.
                    w.owed.fetch_or(bits, Relaxed);
                }
            }
        }
    }
    n
}

/// The fault-injecting backend around `B`; see the module docs.
pub struct Faulty<B>(PhantomData<B>);

impl<B: Backend> Faulty<B> {
    /// Every call goes through here: the script decides, then the real call
    /// (possibly shortened) is made, and registrations are followed.
    ///
    /// # Safety
    /// `a[..argc]` are valid arguments of syscall `n`.
    unsafe fn call(n: usize, mut a: [usize; 6], argc: usize) -> usize {
        if let Some((index, action)) = due(n, &a) {
            match action {
                // An EAGAIN only fires where the kernel could have said it
                // (owing the edge if needed); otherwise the real call runs.
                Action::Fail(e) if e != Errno::EAGAIN || eagain_is_plausible::<B>(n, a[0]) => {
                    commit(index);
                    return err(e);
                }
                Action::Halve | Action::Cap(_) if shortenable(n) && a[2] > 1 => {
                    let short = match action {
                        Action::Cap(max) => a[2].min(max.max(1)),
                        _ => a[2] / 2,
                    };
                    if short < a[2] {
                        commit(index);
                        a[2] = short;
                    }
                }
                _ => {}
            }
        }
        if n == nr::EPOLL_PWAIT {
            // SAFETY: forwarded contract.
            return unsafe { epoll_pwait::<B>(a) };
        }
        // SAFETY: forwarded contract; a shortened length only lets the
        // kernel touch less of the caller's buffer.
        let ret = unsafe {
            match argc {
                0 => B::syscall0(n),
                1 => B::syscall1(n, a[0]),
                2 => B::syscall2(n, a[0], a[1]),
                3 => B::syscall3(n, a[0], a[1], a[2]),
                4 => B::syscall4(n, a[0], a[1], a[2], a[3]),
                5 => B::syscall5(n, a[0], a[1], a[2], a[3], a[4]),
                _ => B::syscall6(n, a[0], a[1], a[2], a[3], a[4], a[5]),
            }
        };
        if !is_err(ret) {
            track(n, &a);
        }
        ret
    }
}

// SAFETY: every call is either the inner backend's real call with the same
// arguments (or a shorter length, which the kernel may always honour
// partially), or an error return with no call made; see the module docs.
unsafe impl<B: Backend> Backend for Faulty<B> {
    unsafe fn syscall0(n: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [0; 6], 0) }
    }
    unsafe fn syscall1(n: usize, a0: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, 0, 0, 0, 0, 0], 1) }
    }
    unsafe fn syscall2(n: usize, a0: usize, a1: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, 0, 0, 0, 0], 2) }
    }
    unsafe fn syscall3(n: usize, a0: usize, a1: usize, a2: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, 0, 0, 0], 3) }
    }
    unsafe fn syscall4(n: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, a3, 0, 0], 4) }
    }
    unsafe fn syscall5(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, a3, a4, 0], 5) }
    }
    unsafe fn syscall6(
        n: usize,
        a0: usize,
        a1: usize,
        a2: usize,
        a3: usize,
        a4: usize,
        a5: usize,
    ) -> usize {
        // SAFETY: forwarded contract.
        unsafe { Self::call(n, [a0, a1, a2, a3, a4, a5], 6) }
    }
}

// ---- scripts from text (for whole programs: `BITWAKE_FAULTS`) --------------

/// Why a textual script was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecError {
    /// A rule is not `syscall:action[@first][/every][*times]`, names an
    /// unknown syscall or error, or has a bad number (the rule's index).
    BadRule(usize),
    /// More than [`MAX_RULES`] rules.
    TooLong,
}

/// The syscalls a textual script may name.
const NAMES: &[(&str, usize)] = &[
    ("read", nr::READ),
    ("write", nr::WRITE),
    ("recvfrom", nr::RECVFROM),
    ("sendto", nr::SENDTO),
    ("accept4", nr::ACCEPT4),
    ("connect", nr::CONNECT),
    ("socket", nr::SOCKET),
    ("epoll_pwait", nr::EPOLL_PWAIT),
    ("epoll_ctl", nr::EPOLL_CTL),
    ("eventfd2", nr::EVENTFD2),
    ("pipe2", nr::PIPE2),
];

fn number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// Parses one rule: `syscall:action[@first][/every][*times]`, where the
/// action is an errno name (`EINTR`, `ECONNRESET`...), `half` or `capN`.
/// Example: `epoll_pwait:EINTR@5/5` is "every 5th epoll_pwait from the 5th
/// returns EINTR"; `accept4:EMFILE*2` is "accept4 returns EMFILE twice".
pub fn parse_rule(text: &[u8]) -> Option<Rule> {
    let colon = text.iter().position(|&b| b == b':')?;
    let (name, rest) = (&text[..colon], &text[colon + 1..]);
    let nr = NAMES.iter().find(|(n, _)| n.as_bytes() == name)?.1;
    let end = rest
        .iter()
        .position(|b| b"@/*".contains(b))
        .unwrap_or(rest.len());
    let (action, mut mods) = (&rest[..end], &rest[end..]);
    let mut rule = if action == b"half" {
        Rule::halve(nr)
    } else if let Some(n) = action.strip_prefix(b"cap") {
        Rule::cap(nr, number(n)? as usize)
    } else {
        let e = (1..=133)
            .map(Errno::from_raw)
            .find(|e| e.name().is_some_and(|n| n.as_bytes() == action))?;
        Rule::fail(nr, e)
    };
    while let [op, tail @ ..] = mods {
        let len = tail
            .iter()
            .position(|b| b"@/*".contains(b))
            .unwrap_or(tail.len());
        let n = u32::try_from(number(&tail[..len])?).ok()?;
        rule = match op {
            b'@' => rule.from_call(n),
            b'/' => rule.every(n),
            _ => rule.times(n),
        };
        mods = &tail[len..];
    }
    Some(rule)
}

/// Installs a comma-separated textual script (see [`parse_rule`]); returns
/// how many rules it has. Nothing is installed if any rule is bad.
pub fn install_spec(spec: &[u8]) -> Result<usize, SpecError> {
    let mut rules = [Rule::halve(0); MAX_RULES];
    let mut n = 0;
    for (i, text) in spec
        .split(|&b| b == b',')
        .filter(|t| !t.is_empty())
        .enumerate()
    {
        let rule = parse_rule(text).ok_or(SpecError::BadRule(i))?;
        *rules.get_mut(n).ok_or(SpecError::TooLong)? = rule;
        n += 1;
    }
    install(&rules[..n]).map_err(|_| SpecError::TooLong)?;
    Ok(n)
}

/// Program start-up hook (feature `rt`): installs the script in the
/// `BITWAKE_FAULTS` environment variable, if set, so whole programs (the
/// demo, the delay server) can run under faults. A bad script is reported
/// on stderr and ends the program with status 2: running without the faults
/// the caller asked for would make a test pass for the wrong reason.
#[cfg(feature = "rt")]
pub fn install_from_env() {
    if let Some(spec) = crate::rt::env("BITWAKE_FAULTS")
        && let Err(e) = install_spec(spec)
    {
        crate::eprintln!("bitwake: bad BITWAKE_FAULTS script: {e:?}");
        super::exit_group(2);
    }
}

/// Program exit hook (feature `rt`): with `BITWAKE_FAULTS` set, reports on
/// stderr how many faults each rule injected.
#[cfg(feature = "rt")]
pub fn report_from_env() {
    if crate::rt::env("BITWAKE_FAULTS").is_some() {
        crate::eprint!("bitwake: {} faults injected (", total_injected());
        for i in (0..MAX_RULES).filter(|&i| RULES[i].armed.load(Acquire)) {
            crate::eprint!(
                "{}rule {i}: {}",
                if i == 0 { "" } else { ", " },
                injected(i)
            );
        }
        crate::eprintln!(")");
    }
}
