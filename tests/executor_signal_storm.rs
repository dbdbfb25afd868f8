//! Same-thread wakes (the plain path, through `thread_local!` with feature
//! `std`) under a `SIGALRM` storm whose handler wakes tasks too: every wake
//! counted, none lost, no park slept through (see `signal_storm/mod.rs`).
//! No libtest harness: the storm's signals must reach the one thread that
//! runs the executor.

#[path = "signal_storm/mod.rs"]
mod signal_storm;

use bitwake::executor::Executor;
use signal_storm::StrictPark;

static PARK: StrictPark = StrictPark::new();
static EXEC: Executor = Executor::new(&PARK);

fn main() {
    let s = signal_storm::run(&EXEC).unwrap_or_else(|e| panic!("signal storm: {e}"));
    println!("signal storm: {s:?}");
    if let Err(e) = signal_storm::verify(&s) {
        panic!("signal storm: {e}: {s:?}");
    }
    println!("test same_thread_wakes_survive_a_signal_storm ... ok");
}
