//! The timer queue driven the way the reactor will drive it, on a simulated
//! clock: a `Sleep` future that registers on first poll, refreshes its waker,
//! and cancels on drop; a loop that "parks" until `next_deadline()` and then
//! fires `pop_expired`. This pins down the semantics the reactor relies on
//! (concurrent sleeps take the longest delay, sequential ones the sum, a
//! dropped timer never fires) and doubles as a usage template.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use bitwake::time::{Instant, Interval, TimerHandle, TimerQueue};

struct Clock {
    now: Cell<Instant>,
    timers: RefCell<TimerQueue<8>>,
}

impl Clock {
    fn new() -> Self {
        Clock {
            now: Cell::new(Instant::ZERO),
            timers: RefCell::new(TimerQueue::new()),
        }
    }
    fn sleep(&self, d: Duration) -> Sleep<'_> {
        Sleep {
            clock: self,
            deadline: self.now.get() + d,
            handle: None,
        }
    }
}

struct Sleep<'a> {
    clock: &'a Clock,
    deadline: Instant,
    handle: Option<TimerHandle>,
}

impl Future for Sleep<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.clock.now.get() >= self.deadline {
            if let Some(h) = self.handle.take() {
                let _ = self.clock.timers.borrow_mut().cancel(h); // may be stale: fine
            }
            return Poll::Ready(());
        }
        let mut q = self.clock.timers.borrow_mut();
        match self.handle {
            Some(h) if q.set_waker(h, cx.waker()).is_ok() => {}
            _ => {
                let h = q.insert(self.deadline, cx.waker().clone()).expect("room");
                drop(q);
                self.handle = Some(h);
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep<'_> {
    fn drop(&mut self) {
        if let Some(h) = self.handle {
            // Generation check: harmless if the timer fired and the slot moved on.
            let _ = self.clock.timers.borrow_mut().cancel(h);
        }
    }
}

struct Flag(AtomicBool);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `tasks` until all finish; when none is runnable, jumps the clock to
/// the next deadline (the reactor would block in `epoll_pwait` instead) and
/// fires the expired timers. Returns the finishing time of each task.
fn run<'a>(clock: &Clock, mut tasks: Vec<Pin<Box<dyn Future<Output = ()> + 'a>>>) -> Vec<u64> {
    let flags: Vec<Arc<Flag>> = (0..tasks.len())
        .map(|_| Arc::new(Flag(AtomicBool::new(true))))
        .collect();
    let mut done = vec![None; tasks.len()];
    while done.iter().any(Option::is_none) {
        for (i, t) in tasks.iter_mut().enumerate() {
            if done[i].is_none() && flags[i].0.swap(false, Ordering::SeqCst) {
                let waker = Waker::from(flags[i].clone());
                if t.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                    done[i] = Some(clock.now.get().as_nanos());
                }
            }
        }
        if flags.iter().any(|f| f.0.load(Ordering::SeqCst)) {
            continue;
        }
        if done.iter().all(Option::is_some) {
            break;
        }
        let next = clock
            .timers
            .borrow()
            .next_deadline()
            .expect("a pending task waits on a timer");
        clock.now.set(next);
        clock.timers.borrow_mut().pop_expired(next, Waker::wake);
    }
    done.into_iter().map(Option::unwrap).collect()
}

const MS: u64 = 1_000_000;

#[test]
fn concurrent_sleeps_take_the_longest_delay() {
    let c = Clock::new();
    let d = |ms| Duration::from_millis(ms);
    let finished = run(
        &c,
        vec![
            Box::pin(c.sleep(d(600))),
            Box::pin(c.sleep(d(400))),
            Box::pin(c.sleep(d(500))),
        ],
    );
    assert_eq!(finished, [600 * MS, 400 * MS, 500 * MS]);
    assert!(c.timers.borrow().is_empty());
}

#[test]
fn sequential_sleeps_take_the_sum() {
    let c = Clock::new();
    let task = async {
        c.sleep(Duration::from_millis(600)).await;
        c.sleep(Duration::from_millis(400)).await;
    };
    assert_eq!(run(&c, vec![Box::pin(task)]), [1000 * MS]);
}

#[test]
fn dropped_sleep_never_fires_and_frees_its_slot() {
    let c = Clock::new();
    // A hand-rolled timeout: race a long sleep against a short one; the loser
    // is dropped mid-flight and must leave the queue.
    let task = async {
        let mut long = Box::pin(c.sleep(Duration::from_millis(100)));
        let mut short = Box::pin(c.sleep(Duration::from_millis(50)));
        std::future::poll_fn(|cx| {
            if short.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            assert!(long.as_mut().poll(cx).is_pending());
            Poll::Pending
        })
        .await;
        assert_eq!(c.timers.borrow().len(), 1, "only the long sleep is left");
        drop(long);
        assert!(c.timers.borrow().is_empty());
    };
    assert_eq!(run(&c, vec![Box::pin(task)]), [50 * MS]);
    assert_eq!(c.timers.borrow().next_deadline(), None);
}

#[test]
fn interval_on_the_queue() {
    let c = Clock::new();
    let ticks = RefCell::new(Vec::new());
    let task = async {
        let mut iv = Interval::new(Instant::ZERO, Duration::from_millis(10)).unwrap();
        for _ in 0..4 {
            let wait = iv.next_deadline().duration_since(c.now.get());
            c.sleep(wait).await;
            let t = iv.poll_tick(c.now.get()).expect("due");
            ticks.borrow_mut().push(t.as_nanos() / MS);
        }
    };
    run(&c, vec![Box::pin(task)]);
    assert_eq!(*ticks.borrow(), [0, 10, 20, 30]);
}
