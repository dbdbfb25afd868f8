//! The loop every actor task runs: incarnations of the state, messages one
//! at a time, reports to the supervisor, and the final clean-up.

use super::addr::Addr;
use super::cell::ActorCell;
use super::control::{Command, Event, Exit, KILL, STOP};
use super::monitor::{self, Delivery};
use super::{Actor, Ctx, MailboxOf, Stop};
use crate::executor::yield_now;
use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::{Context, Poll};

/// Polls `fut` until it completes or one of `mask` is raised on `cell`
/// (`None` then; the future is dropped with this one). A plain struct
/// rather than an `async fn`: the wrapped future is built in place, not
/// copied into a second state machine on every message.
fn unless<A: Actor, F: Future>(cell: &ActorCell<A>, mask: u32, fut: F) -> Unless<'_, A, F> {
    Unless { cell, mask, fut }
}

struct Unless<'a, A: Actor, F> {
    cell: &'a ActorCell<A>,
    mask: u32,
    fut: F,
}

impl<A: Actor, F: Future> Future for Unless<'_, A, F> {
    type Output = Option<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `fut` is structurally pinned: it is never moved out of
        // `self`, and it is dropped in place with it.
        let this = unsafe { self.get_unchecked_mut() };
        if this.cell.ctl.flags(this.mask) != 0 {
            return Poll::Ready(None);
        }
        // SAFETY: as above.
        unsafe { Pin::new_unchecked(&mut this.fut) }
            .poll(cx)
            .map(Some)
    }
}

/// One incarnation: create, start, handle until stopped, failed or killed;
/// then the `stopping` hook (unless killed while in it).
async fn incarnation<A: Actor>(cell: &'static ActorCell<A>, epoch: u32, args: &A::Args) -> Exit {
    let ctx = Ctx::new(Addr::new(cell, epoch));
    let mut actor = A::create(args);
    let mut error: Option<A::Error> = None;
    let exit = 'life: {
        match unless(cell, KILL, actor.started(ctx)).await {
            None => break 'life Exit::Killed,
            Some(Err(e)) => {
                error = Some(e);
                break 'life Exit::Failed;
            }
            Some(Ok(())) => {}
        }
        cell.ctl.report(Event::Running);
        loop {
            let env = match unless(cell, KILL | STOP, cell.mailbox.recv()).await {
                None if cell.ctl.flags(KILL) != 0 => break 'life Exit::Killed,
                None | Some(Err(_)) => break 'life Exit::Normal,
                Some(Ok(env)) => env,
            };
            if env.epoch != epoch {
                // Sent to an earlier actor of this cell, which is gone.
                continue;
            }
            match unless(cell, KILL, actor.handle(env.msg, ctx)).await {
                None => break 'life Exit::Killed,
                Some(Err(e)) => {
                    error = Some(e);
                    break 'life Exit::Failed;
                }
                Some(Ok(())) => {}
            }
            if cell.ctl.flags(KILL | STOP) != 0 {
                break 'life if cell.ctl.flags(KILL) != 0 {
                    Exit::Killed
                } else {
                    Exit::Normal
                };
            }
        }
    };
    let stop = match (&exit, &error) {
        (Exit::Failed, Some(e)) => Stop::Failed(e),
        (Exit::Killed, _) => Stop::Killed,
        _ => Stop::Normal,
    };
    // The kill that ended the incarnation is spent; a second one cuts the
    // `stopping` hook short.
    cell.ctl.clear(KILL);
    if exit == Exit::Normal {
        cell.ctl.clear(STOP);
    }
    let _ = unless(cell, KILL, actor.stopping(stop, ctx)).await;
    drop(actor);
    exit
}

/// Frees the cell if the task is dropped before its loop ends (its
/// executor shut down, maybe before the task was ever polled): the actor is
/// gone, its addresses must say so. Made before the task, passed into it.
pub struct Abandon<A: Actor> {
    cell: &'static ActorCell<A>,
    armed: bool,
}

impl<A: Actor> Abandon<A> {
    /// The guard of the loop about to be spawned for `cell`.
    pub fn new(cell: &'static ActorCell<A>) -> Self {
        Abandon { cell, armed: true }
    }
}

impl<A: Actor> Drop for Abandon<A> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let cell = self.cell;
        let id = Addr::new(cell, cell.epoch()).id();
        cell.retire();
        cell.mailbox.close();
        while cell.mailbox.try_recv().is_ok() {}
        // Nobody can wait here: one try per watcher.
        while monitor::fire_now(id, Exit::Killed).is_some() {}
        cell.ctl.report(Event::Exited(Exit::Killed));
        cell.ctl.report(Event::Finished);
        cell.release();
    }
}

/// The body of every actor task (called by the task that
/// [`actors!`](crate::actors) declares).
pub async fn run<A: Actor>(mut abandon: Abandon<A>, args: A::Args) {
    let cell = abandon.cell;
    let epoch = cell.epoch();
    poll_fn(|cx| {
        cell.ctl.set_waker(cx.waker());
        Poll::Ready(())
    })
    .await;
    let supervised = cell.ctl.is_supervised();
    let mut exit = Exit::Normal;
    let mut go = !supervised || poll_fn(|cx| cell.ctl.poll_command(cx)).await == Command::Start;
    while go {
        // A kill meant for the previous incarnation must not end this one.
        cell.ctl.clear(KILL);
        exit = incarnation(cell, epoch, &args).await;
        go = cell.ctl.report(Event::Exited(exit))
            && poll_fn(|cx| cell.ctl.poll_command(cx)).await == Command::Start;
    }
    drop(args);
    abandon.armed = false;
    // Gone for good: refuse new mail, drop what is queued (answering
    // pending asks with NoReply), tell the monitors, free the cell.
    cell.retire();
    cell.mailbox.close();
    while cell.mailbox.try_recv().is_ok() {}
    let id = Addr::new(cell, epoch).id();
    while let Some(d) = monitor::fire_one(id, exit) {
        if let Delivery::Full = d {
            yield_now().await;
        }
    }
    cell.ctl.report(Event::Finished);
    cell.release();
}
