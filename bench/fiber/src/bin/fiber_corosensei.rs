//! corosensei's coroutine on its default stack (`DefaultStack`: 1 MiB
//! `mmap` with a guard page), std: resume + suspend round trips.

use corosensei::{Coroutine, CoroutineResult};

fn main() {
    let (scenario, p) = bench_fiber::args();
    match scenario.as_str() {
        "switch" => {
            // Input `u64::MAX` makes the coroutine return: dropping one that
            // is suspended would unwind its stack, which panic = "abort"
            // turns into an abort.
            let mut co = Coroutine::new(|y, mut x: u64| {
                while x != u64::MAX {
                    x = y.suspend(x + 1);
                }
            });
            bench_fiber::measure("switch", &p, |n| {
                let mut x = 0;
                for _ in 0..n {
                    match co.resume(x) {
                        CoroutineResult::Yield(v) => x = v,
                        CoroutineResult::Return(()) => unreachable!(),
                    }
                }
                x
            });
            let _ = co.resume(u64::MAX);
        }
        "bytes" => {
            // Beyond its stack: the `Coroutine` value itself (the stack is a
            // separate 1 MiB mapping plus a guard page).
            let co: Coroutine<u64, u64, ()> = Coroutine::new(|y, x: u64| {
                y.suspend(x);
            });
            bench_fiber::report("bytes_beyond_stack", std::mem::size_of_val(&co) as f64, "B");
        }
        _ => eprintln!("scenarios: switch | bytes; params n reps"),
    }
}
