//! Same-thread wakes without atomics in a freestanding program: the owner
//! test reads the thread-control block behind the thread pointer, and a
//! `SIGALRM` storm whose handler wakes tasks too runs against them (see
//! `signal_storm/mod.rs`). Run natively and under QEMU by `cargo xtask test`
//! (bin `test-local-wake` in `programs/`).
#![no_std]
#![no_main]
#![allow(clippy::result_large_err)]

#[path = "../signal_storm/mod.rs"]
mod signal_storm;

use bitwake::executor::Executor;
use bitwake::rt::testing::{self, Outcome};
use bitwake::{cases, check, check_eq};
use signal_storm::StrictPark;

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![same_thread_wakes_survive_a_signal_storm])
}

static PARK: StrictPark = StrictPark::new();
static EXEC: Executor = Executor::new(&PARK);

fn same_thread_wakes_survive_a_signal_storm() -> Outcome {
    let s = match signal_storm::run(&EXEC) {
        Ok(s) => s,
        Err(e) => {
            check!(false, "{e}");
            return Ok(());
        }
    };
    check_eq!(s.stalled, 0);
    check_eq!(s.stuck_parks, 0);
    check_eq!(s.consumed, s.requests);
    if let Err(e) = signal_storm::verify(&s) {
        check!(
            false,
            "{e}: {} signals, {} task wakes, {} handler wakes, {} requests, {} consumed",
            s.signals,
            s.task_wakes,
            s.handler_wakes,
            s.requests,
            s.consumed
        );
    }
    Ok(())
}
