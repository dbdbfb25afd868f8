//! `bitwake::sync` on the microcontroller, one QEMU boot per test: a
//! `Channel` between tasks (order, back-pressure, close), values sent from
//! interrupt handlers — the timer interrupt (SysTick / machine timer) and a
//! software-pended interrupt — received by a task while the executor sleeps
//! in `WFI`, and `Signal` raised from interrupt context (latest value wins).
//!
//! On a microcontroller the sync types' lock is a critical section, so an
//! interrupt handler may call `try_send` / `signal` while a task is inside
//! `send` / `recv` on the same channel.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
fn main() {}

#[cfg(target_os = "none")]
mod common;

#[cfg(target_os = "none")]
mod support {
    use bitwake::sync::Channel;

    pub static PIPE: Channel<u32, 4> = Channel::new();

    bitwake::task! {
        pool_size = 1;
        /// Sends `0..n` into [`PIPE`], waiting whenever it is full, then
        /// closes it.
        pub async fn produce(n: u32) -> u32 {
            let mut waited = 0;
            for i in 0..n {
                if PIPE.is_full() {
                    waited += 1;
                }
                PIPE.send(i).await.unwrap();
            }
            PIPE.close();
            waited
        }
    }
}

#[cfg(target_os = "none")]
#[embedded_test::tests(default_timeout = 10)]
mod tests {
    use crate::common::{arm_with, bump, swi_waker};
    use crate::support::*;
    use bitwake::sync::{Channel, RecvError, Signal, TryRecvError, TrySendError};
    use bitwake::time::{self, Duration};
    use bitwake::{block_on, spawn};
    use core::pin::pin;
    use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use core::task::{RawWaker, RawWakerVTable, Waker};

    #[init]
    fn init() {
        bitwake_mcu::init();
    }

    #[test]
    fn channel_between_tasks_in_order_with_back_pressure_and_close() {
        let (sum, in_order, waited, end) = block_on(async {
            let h = spawn(produce(200)).unwrap();
            let (mut sum, mut next, mut in_order) = (0u32, 0u32, true);
            loop {
                match PIPE.recv().await {
                    Ok(v) => {
                        in_order &= v == next;
                        next += 1;
                        sum += v;
                        // Let the producer fill the channel now and then.
                        if v % 16 == 0 {
                            bitwake::executor::yield_now().await;
                        }
                    }
                    Err(e) => break (sum, in_order, h.await.unwrap(), e),
                }
            }
        });
        assert_eq!(sum, 199 * 200 / 2);
        assert!(in_order, "values arrive in the order sent");
        assert!(waited > 0, "the producer never found the channel full");
        assert_eq!(end, RecvError::Closed);
        assert_eq!(PIPE.try_recv(), Err(TryRecvError::Closed));
    }

    static FROM_TIMER: Channel<u32, 2> = Channel::new();
    static TIMER_SENT_ASLEEP: AtomicBool = AtomicBool::new(false);

    /// A waker whose `wake` sends on [`FROM_TIMER`]: armed on a sleep, it
    /// runs inside the timer interrupt handler (SysTick or machine timer).
    fn sending_waker() -> Waker {
        fn send(_: *const ()) {
            TIMER_SENT_ASLEEP.store(bitwake_mcu::sleeping(), Ordering::Relaxed);
            let _ = FROM_TIMER.try_send(7);
        }
        const VTABLE: RawWakerVTable = RawWakerVTable::new(
            |_| RawWaker::new(core::ptr::null(), &VTABLE),
            send,
            send,
            |_| {},
        );
        // SAFETY: the vtable functions ignore the data pointer; `send` only
        // touches a static channel and an atomic, callable from any context.
        unsafe { Waker::from_raw(RawWaker::new(core::ptr::null(), &VTABLE)) }
    }

    #[test]
    fn a_send_from_the_timer_interrupt_is_received_by_a_waiting_task() {
        let parks_before = bitwake_mcu::parks();
        let got = block_on(async {
            let mut alarm = pin!(time::sleep(Duration::from_millis(4)));
            arm_with(alarm.as_mut(), &sending_waker());
            // Nothing else is ready: the executor sleeps in WFI until the
            // timer handler sends, which wakes this task.
            FROM_TIMER.recv().await
        });
        assert_eq!(got, Ok(7));
        assert!(bitwake_mcu::parks() > parks_before, "executor never parked");
        assert!(
            TIMER_SENT_ASLEEP.load(Ordering::Relaxed),
            "the timer interrupt did not find the executor in WFI"
        );
    }

    static FROM_SWI: Channel<u32, 4> = Channel::new();
    static SWI_SENT: AtomicU32 = AtomicU32::new(0);
    static SWI_FULL: AtomicU32 = AtomicU32::new(0);

    /// Software interrupt handler: sends the next number, or counts a full
    /// channel (an interrupt handler cannot wait).
    fn send_from_swi() {
        let n = SWI_SENT.load(Ordering::Relaxed);
        match FROM_SWI.try_send(n) {
            Ok(()) => {
                SWI_SENT.store(n + 1, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_)) => {
                bump(&SWI_FULL);
            }
            Err(TrySendError::Closed(_)) => panic!("closed"),
        }
    }

    bitwake::task! {
        pool_size = 1;
        /// Receives `n` values, checking their order.
        async fn receive_in_order(n: u32) -> bool {
            let mut ok = true;
            for i in 0..n {
                ok &= FROM_SWI.recv().await == Ok(i);
            }
            ok
        }
    }

    #[test]
    fn sends_from_a_software_interrupt_reach_a_task_and_full_is_an_error() {
        bitwake_mcu::swi::set_handler(send_from_swi);
        let (in_order, full_after_burst) = block_on(async {
            let rx = spawn(receive_in_order(100)).unwrap();
            // Let the receiver wait first.
            bitwake::executor::yield_now().await;
            // One at a time: each interrupt's send wakes the waiting task.
            while SWI_SENT.load(Ordering::Relaxed) < 92 {
                bitwake_mcu::swi::pend();
                bitwake::executor::yield_now().await;
            }
            // A burst of 8 with nobody receiving in between: 4 fit.
            let full_before = SWI_FULL.load(Ordering::Relaxed);
            for _ in 0..8 {
                bitwake_mcu::swi::pend();
            }
            let full_after_burst = SWI_FULL.load(Ordering::Relaxed) - full_before;
            while SWI_SENT.load(Ordering::Relaxed) < 100 {
                bitwake_mcu::swi::pend();
                bitwake::executor::yield_now().await;
            }
            (rx.await.unwrap(), full_after_burst)
        });
        assert!(in_order, "every value arrived once, in order");
        // The receiver may have taken some before the burst filled it; at
        // least half the burst found the channel full.
        assert!(
            (4..=8).contains(&full_after_burst),
            "{full_after_burst} of 8 found it full"
        );
        assert_eq!(FROM_SWI.try_recv(), Err(TryRecvError::Empty));
    }

    static LATEST: Signal<u32> = Signal::new();
    static RAISED: AtomicU32 = AtomicU32::new(0);

    fn signal_from_swi() {
        LATEST.signal(bump(&RAISED));
    }

    #[test]
    fn signal_from_interrupts_latest_value_wins() {
        bitwake_mcu::swi::set_handler(signal_from_swi);
        let (first, second) = block_on(async {
            // Five interrupts before the task looks: only the last counts.
            for _ in 0..5 {
                bitwake_mcu::swi::pend();
            }
            let first = LATEST.wait().await;
            // Then one while the task waits (executor in WFI): a timer
            // interrupt pends the software interrupt.
            let mut alarm = pin!(time::sleep(Duration::from_millis(3)));
            arm_with(alarm.as_mut(), &swi_waker());
            (first, LATEST.wait().await)
        });
        assert_eq!(first, 5);
        assert_eq!(second, 6);
        assert!(!LATEST.signaled());
    }
}
