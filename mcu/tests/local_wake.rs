//! Same-thread wakes without atomics on the microcontroller: tasks wake each
//! other through cloned wakers in thread mode (the plain path on Cortex-M,
//! `IPSR == 0`), while a genuine interrupt handler (the software interrupt,
//! pended by the timer interrupt every millisecond) wakes the same tasks
//! (handler mode: the atomic path). Every wake is counted and none may be
//! lost: a task is woken only when its pending count goes from 0 to 1, so a
//! lost wake leaves it pending for good, which the final drain reports.
//! Then the tasks go quiet and the executor sleeps in `WFI` between
//! interrupts, so each handler wake must rouse it.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {}

#[cfg(target_os = "none")]
mod common;

#[cfg(target_os = "none")]
mod support {
    use core::cell::{Cell, UnsafeCell};
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll, Waker};
    use critical_section::Mutex;

    /// Tasks: 40 slots are two bitmap words on these 32-bit cores, so the
    /// summary path runs too.
    pub const TASKS: usize = 40;

    /// Counts shared by thread mode and the interrupt handler (critical
    /// sections: thumbv6m has no read-modify-write atomics).
    pub struct Counts {
        pub pending: [u32; TASKS],
        pub consumed: u64,
        pub requests: u64,
        pub handler_wakes: u64,
        pub task_wakes: u64,
        pub fired: u32,
    }

    pub static COUNTS: Mutex<UnsafeCell<Counts>> = Mutex::new(UnsafeCell::new(Counts {
        pending: [0; TASKS],
        consumed: 0,
        requests: 0,
        handler_wakes: 0,
        task_wakes: 0,
        fired: 0,
    }));
    pub static STOP: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));

    /// Runs `f` on the counts inside a critical section.
    pub fn counts<R>(f: impl FnOnce(&mut Counts) -> R) -> R {
        // SAFETY: only ever borrowed inside a critical section, one borrow
        // at a time (no `counts` call nests another).
        critical_section::with(|cs| f(unsafe { &mut *COUNTS.borrow(cs).get() }))
    }

    /// Each task's waker, cloned at its first poll (written once, in thread
    /// mode, before `known` is set; read-only afterwards).
    pub struct Wakers {
        pub wakers: [UnsafeCell<Option<Waker>>; TASKS],
        pub known: [Cell<bool>; TASKS],
    }
    pub static WAKERS: Mutex<Wakers> = Mutex::new(Wakers {
        wakers: [const { UnsafeCell::new(None) }; TASKS],
        known: [const { Cell::new(false) }; TASKS],
    });

    /// Asks for task `i` to be polled; wakes it on the 0 -> 1 transition
    /// only. The wake itself runs outside the critical section, so thread
    /// mode takes the plain path with interrupts enabled.
    pub fn request(i: usize, from_handler: bool) {
        let first = counts(|c| {
            c.requests += 1;
            c.pending[i] += 1;
            c.pending[i] == 1
        });
        if !first {
            return;
        }
        let w = critical_section::with(|cs| {
            let ws = WAKERS.borrow(cs);
            if ws.known[i].get() {
                // SAFETY: written once before `known`, never again.
                unsafe { (*ws.wakers[i].get()).as_ref() }
            } else {
                None
            }
        });
        if let Some(w) = w {
            w.wake_by_ref();
            counts(|c| {
                if from_handler {
                    c.handler_wakes += 1
                } else {
                    c.task_wakes += 1
                }
            });
        }
    }

    /// Polled only when woken: consumes its pending count, then (until
    /// `STOP`) asks for two other tasks.
    pub struct Worker {
        pub i: usize,
        pub round: usize,
    }

    impl Future for Worker {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let i = self.i;
            critical_section::with(|cs| {
                let ws = WAKERS.borrow(cs);
                if !ws.known[i].get() {
                    // SAFETY: first poll, before `known`: nobody reads it yet.
                    unsafe { *ws.wakers[i].get() = Some(cx.waker().clone()) };
                    ws.known[i].set(true);
                }
            });
            let n = counts(|c| {
                let n = c.pending[i];
                c.pending[i] = 0;
                c.consumed += n as u64;
                n
            });
            let stop = critical_section::with(|cs| STOP.borrow(cs).get());
            if n > 0 && !stop {
                self.round += 1;
                let r = self.round;
                request((i + 1 + r % 5) % TASKS, false);
                request((i * 7 + 3 + r) % TASKS, false);
            }
            Poll::Pending
        }
    }

    bitwake::task! {
        pool_size = 40;
        pub async fn worker(i: usize) {
            Worker { i, round: 0 }.await
        }
    }
}

#[cfg(target_os = "none")]
#[embedded_test::tests(default_timeout = 20)]
mod tests {
    use crate::common::swi_waker;
    use crate::support::*;
    use bitwake::executor::yield_now;
    use bitwake::time::{self, Duration};
    use bitwake::{block_on, spawn};
    use core::future::Future;
    use core::pin::pin;
    use core::task::Context;

    #[init]
    fn init() {
        bitwake_mcu::init();
    }

    static TICK: bitwake_mcu::Signal = bitwake_mcu::Signal::new();

    /// The software interrupt handler (handler mode): two requests and a
    /// tick for the main future.
    fn on_swi() {
        let k = counts(|c| {
            c.fired += 1;
            c.fired as usize
        });
        request(k % TASKS, true);
        request((k * 13 + 5) % TASKS, true);
        TICK.signal();
    }

    /// One interrupt: a 1 ms timer whose expiry pends the software
    /// interrupt; waits for its tick (busy while `busy`, so the tasks'
    /// thread-mode wakes keep running, else asleep in `WFI`).
    async fn one_interrupt(busy: bool) {
        let mut alarm = pin!(time::sleep(Duration::from_millis(1)));
        let w = swi_waker();
        if alarm.as_mut().poll(&mut Context::from_waker(&w)).is_ready() {
            bitwake_mcu::swi::pend();
        }
        if busy {
            let before = counts(|c| c.fired);
            while counts(|c| c.fired) == before {
                yield_now().await;
            }
            TICK.wait().await;
        } else {
            TICK.wait().await;
        }
    }

    #[test]
    fn interrupt_and_thread_mode_wakes_are_all_counted() {
        bitwake_mcu::swi::set_handler(on_swi);
        let parks_before = bitwake_mcu::parks();
        block_on(async {
            let mut hs: [Option<bitwake::executor::JoinHandle<()>>; TASKS] =
                [const { None }; TASKS];
            for (i, h) in hs.iter_mut().enumerate() {
                *h = Some(spawn(worker(i)).unwrap());
            }
            yield_now().await;
            for i in (0..TASKS).step_by(3) {
                request(i, false);
            }
            // Phase 1: thread-mode wakes run while the interrupts come.
            for _ in 0..200 {
                one_interrupt(true).await;
            }
            critical_section::with(|cs| STOP.borrow(cs).set(true));
            // Phase 2: quiet tasks, the executor sleeps between interrupts.
            for _ in 0..30 {
                one_interrupt(false).await;
            }
            // Drain: everything requested is consumed.
            for _ in 0..10_000 {
                if counts(|c| c.pending.iter().all(|&p| p == 0)) {
                    break;
                }
                yield_now().await;
            }
            drop(hs);
        });
        let (stalled, consumed, requests, hw, tw, fired) = counts(|c| {
            (
                c.pending.iter().filter(|&&p| p != 0).count(),
                c.consumed,
                c.requests,
                c.handler_wakes,
                c.task_wakes,
                c.fired,
            )
        });
        log::info!(
            "{fired} interrupts, {hw} handler wakes, {tw} thread-mode wakes, {requests} requests"
        );
        assert_eq!(stalled, 0, "a task stayed pending: a wake was lost");
        assert_eq!(consumed, requests);
        assert!(fired >= 230, "{fired} interrupts");
        assert!(
            hw > 0 && tw > 0,
            "{hw} handler wakes, {tw} thread-mode wakes"
        );
        assert!(bitwake_mcu::parks() > parks_before, "executor never parked");
    }
}
