//! The fault rules: what a script line says ([`Rule`], [`Action`]), the
//! static table the installed script lives in, and the per-call decision of
//! which rule is due ([`due`]) and the count of what fired ([`commit`]).
//!
//! There is no heap: the rules live in a static table of [`MAX_RULES`]
//! slots made of atomics, so the table can be a plain `static` and any
//! thread or signal handler may consult it.

use crate::sys::Errno;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize};

/// How many rules a script may have.
pub const MAX_RULES: usize = 16;

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
    pub(super) nr: usize,
    pub(super) arg: Option<(usize, usize)>,
    pub(super) first: u32,
    pub(super) every: u32,
    pub(super) times: u32,
    pub(super) action: Action,
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

/// Whether rule `index` of the current script is armed.
pub fn armed(index: usize) -> bool {
    RULES.get(index).is_some_and(|s| s.armed.load(Acquire))
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
pub(super) fn due(n: usize, args: &[usize; 6]) -> Option<(usize, Action)> {
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

/// Counts one fault injected by rule `index` (from [`due`]).
pub(super) fn commit(index: usize) {
    if let Some(slot) = RULES.get(index) {
        slot.injected.fetch_add(1, Relaxed);
        TOTAL.fetch_add(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call number no system has, so the rules below cannot touch any
    /// other test's calls, even in a build where `Faulty` is the backend.
    const NR: usize = usize::MAX - 7;

    #[test]
    fn builders_normalise_zero() {
        let r = Rule::halve(NR).from_call(0).every(0);
        assert_eq!((r.first, r.every), (1, 1));
    }

    // The only test that installs rules: the table is global.
    #[test]
    fn schedule_counts_and_limits() {
        let rules = [
            Rule::fail(NR, Errno::EINTR).from_call(2).every(3).times(2),
            Rule::cap(NR, 5).when_arg(0, 42),
        ];
        install(&rules).unwrap();
        assert!(armed(0) && armed(1) && !armed(2) && !armed(MAX_RULES));
        let mut fired = [0u32; 10];
        for (call, f) in fired.iter_mut().enumerate() {
            if let Some((i, action)) = due(NR, &[0; 6]) {
                assert_eq!((i, action), (0, Action::Fail(Errno::EINTR)));
                commit(i);
                *f = call as u32 + 1;
            }
        }
        // Calls 2 and 5 fire; call 8 would, but `times(2)` is used up.
        assert_eq!(fired.iter().filter(|&&c| c != 0).count(), 2);
        assert_eq!(fired[1], 2);
        assert_eq!(fired[4], 5);
        assert_eq!((seen(0), injected(0), seen(1), injected(1)), (10, 2, 0, 0));
        assert_eq!(due(NR, &[42, 0, 0, 0, 0, 0]), Some((1, Action::Cap(5))));
        assert_eq!(seen(1), 1);
        assert_eq!(injected(MAX_RULES), 0);
        assert_eq!(install(&[rules[0]; MAX_RULES + 1]), Err(ScriptTooLong));
        clear();
        assert!(!armed(0));
        assert_eq!((seen(0), injected(0), total_injected()), (0, 0, 0));
        assert_eq!(due(NR, &[0; 6]), None);
    }
}
