//! Lifecycle control shared by a supervised child (an actor's cell or a
//! supervisor) and its parent: kill and stop flags, the start/finish
//! command, the child's waker and the link to its parent.

use crate::lock::Lock;
use core::task::{Context, Poll, Waker};
use portable_atomic::{AtomicU32, Ordering};

/// How an incarnation ended: what a supervisor and a monitor see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Stopped when asked (or when its last counted address went away).
    Normal,
    /// A hook returned an error (for a supervisor: its restart intensity
    /// was exceeded).
    Failed,
    /// Stopped by its supervisor.
    Killed,
}

/// What a parent tells a child that waits between incarnations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// No command yet. First, so that an empty `Control` is all zero bytes
    /// and its static lands in `.bss`.
    None,
    /// Start a (new) incarnation.
    Start,
    /// Stop for good.
    Finish,
}

/// What a child tells its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// Registered while the parent runs: start it.
    Added,
    /// Its `started` hook succeeded.
    Running,
    /// Its incarnation ended; it waits for a command.
    Exited(Exit),
    /// Finished for good (after a `Finish` command): its address is stale.
    Finished,
}

/// The parent side, type-erased (a supervisor of any size).
pub(crate) trait Parent: Sync {
    /// Child `index` reports `event`.
    fn report(&self, index: usize, event: Event);
}

/// Set by a parent (or the supervisor's `shutdown`): end the incarnation now.
pub(crate) const KILL: u32 = 1;
/// Set by `stop`: end the incarnation after the message in hand.
pub(crate) const STOP: u32 = 2;

pub(crate) struct Control {
    flags: AtomicU32,
    inner: Lock<Inner>,
}

struct Inner {
    /// The remote waker of the task that runs the child's loop.
    waker: Option<Waker>,
    command: Command,
    parent: Option<(&'static dyn Parent, usize)>,
}

impl Control {
    pub(crate) const fn new() -> Self {
        Control {
            flags: AtomicU32::new(0),
            inner: Lock::new(Inner {
                waker: None,
                command: Command::None,
                parent: None,
            }),
        }
    }

    /// Back to the state of a fresh cell (the loop has ended).
    pub(crate) fn reset(&self) {
        self.flags.store(0, Ordering::Release);
        let old = self.inner.with(|i| {
            i.command = Command::None;
            i.parent = None;
            i.waker.take()
        });
        drop(old);
    }

    /// Records the waker of the loop's task (a clone: the remote waker).
    pub(crate) fn set_waker(&self, w: &Waker) {
        let old = self.inner.with(|i| {
            if i.waker.as_ref().is_some_and(|o| o.will_wake(w)) {
                None
            } else {
                i.waker.replace(w.clone())
            }
        });
        drop(old);
    }

    fn wake(&self) {
        if let Some(w) = self.inner.with(|i| i.waker.clone()) {
            w.wake();
        }
    }

    /// Sets `bits` (KILL, STOP) and wakes the loop.
    pub(crate) fn raise(&self, bits: u32) {
        self.flags.fetch_or(bits, Ordering::AcqRel);
        self.wake();
    }

    /// Clears `bits`.
    pub(crate) fn clear(&self, bits: u32) {
        self.flags.fetch_and(!bits, Ordering::AcqRel);
    }

    /// Which of `mask` are set.
    #[inline]
    pub(crate) fn flags(&self, mask: u32) -> u32 {
        self.flags.load(Ordering::Acquire) & mask
    }

    /// Gives the child a command and wakes it.
    pub(crate) fn command(&self, c: Command) {
        self.inner.with(|i| i.command = c);
        self.wake();
    }

    /// Takes the pending command, or registers `cx` to wait for one.
    pub(crate) fn poll_command(&self, cx: &mut Context<'_>) -> Poll<Command> {
        self.set_waker(cx.waker());
        match self
            .inner
            .with(|i| core::mem::replace(&mut i.command, Command::None))
        {
            Command::None => Poll::Pending,
            c => Poll::Ready(c),
        }
    }

    /// Links the child to its parent (as child number `index`).
    pub(crate) fn set_parent(&self, parent: &'static dyn Parent, index: usize) {
        self.inner.with(|i| i.parent = Some((parent, index)));
    }

    /// Whether a parent supervises the child.
    pub(crate) fn is_supervised(&self) -> bool {
        self.inner.with(|i| i.parent.is_some())
    }

    /// Tells the parent, if any; `false` without one.
    pub(crate) fn report(&self, event: Event) -> bool {
        match self.inner.with(|i| i.parent) {
            Some((p, index)) => {
                p.report(index, event);
                true
            }
            None => false,
        }
    }
}
