//! [`Signal`]: how an interrupt handler wakes a task.
//!
//! The handler calls [`Signal::signal`]; the task awaits [`Signal::wait`].
//! The waker is stored under a critical section, so registering (task) and
//! signalling (handler) never race; waking is one bit set in the executor's
//! ready bitmap plus an unpark if the executor sleeps.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use critical_section::Mutex;

/// A latched event that an interrupt handler raises and one task awaits.
pub struct Signal {
    raised: Mutex<Cell<bool>>,
    waker: Mutex<RefCell<Option<Waker>>>,
}

impl Default for Signal {
    fn default() -> Self {
        Self::new()
    }
}

impl Signal {
    /// A signal that is not raised.
    pub const fn new() -> Self {
        Self {
            raised: Mutex::new(Cell::new(false)),
            waker: Mutex::new(RefCell::new(None)),
        }
    }

    /// Raises the signal and wakes the waiting task, if any. Callable from
    /// interrupt handlers.
    pub fn signal(&self) {
        let waker = critical_section::with(|cs| {
            self.raised.borrow(cs).set(true);
            self.waker.borrow(cs).borrow_mut().take()
        });
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Whether the signal is raised (and not yet consumed by `wait`).
    pub fn is_raised(&self) -> bool {
        critical_section::with(|cs| self.raised.borrow(cs).get())
    }

    /// Waits until the signal is raised, then lowers it.
    pub fn wait(&self) -> Wait<'_> {
        Wait { signal: self }
    }
}

/// The future returned by [`Signal::wait`].
#[must_use = "futures do nothing unless polled"]
pub struct Wait<'a> {
    signal: &'a Signal,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        critical_section::with(|cs| {
            if self.signal.raised.borrow(cs).replace(false) {
                return Poll::Ready(());
            }
            let mut slot = self.signal.waker.borrow(cs).borrow_mut();
            match &*slot {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
            Poll::Pending
        })
    }
}
