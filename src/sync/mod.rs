//! Tasks that talk: channels, signals and locks that live in a `static` and
//! never allocate.
//!
//! Every type here is a plain value with a `const fn new`, so it can sit in a
//! `static` shared by tasks, threads and (on microcontrollers) interrupt
//! handlers. Waiting tasks are kept in an intrusive FIFO of nodes that live in
//! the pinned futures themselves (`crate::waitlist`), so there is no waiter
//! limit and no heap. Each type's state sits behind one short lock: a spin
//! lock on hosts and Linux, a critical section on microcontrollers (where an
//! interrupt handler may call the non-blocking `try_*` methods).
//!
//! Wakers are always woken after that lock is released, so a waker may run
//! any code, including code that uses the same channel.
//!
//! * [`Channel`]: a bounded multi-producer, multi-consumer queue.
//! * [`Mutex`]: an async lock handed to waiters in arrival order.
//! * [`Semaphore`]: permits, acquired in arrival order, returned on drop.
//! * [`Signal`]: the latest value wins.
//! * [`Notify`]: wake one task (or store a permit) or all.
//! * [`OneShot`]: a value sent once.
//! * [`Broadcast`] (module [`broadcast`]): every subscriber gets every
//!   message; a slow one is told how many it missed, senders never wait.
//! * [`Watch`] (module [`watch`]): the latest value, and receivers told when
//!   it changes.

pub mod broadcast;
mod channel;
mod mutex;
mod notify;
mod oneshot;
mod semaphore;
mod send_error;
mod signal;
mod wake_all;
pub mod watch;

use crate::lock::Lock;

pub use broadcast::Broadcast;
pub use channel::{Channel, Receiver, Recv, RecvError, Send, Sender, TryRecvError, TrySendError};
pub use mutex::{LockFuture, Mutex, MutexGuard};
pub use notify::{Notified, Notify};
pub use oneshot::{OneShot, OneShotRecv};
pub use semaphore::{Acquire, Permit, Semaphore};
pub use send_error::SendError;
pub use signal::{Signal, Wait};
pub use watch::Watch;
