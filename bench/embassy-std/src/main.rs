//! embassy-executor 0.10 with its shipped `platform-std` executor:
//! `Executor::run_until`, whose pender locks a Mutex and notifies a Condvar
//! on every wake. This is embassy as a hosted program gets it.

use bench_common::{self as c, CountingAlloc, Params};
use embassy_executor::{Executor, Spawner};

#[path = "../../embassy-raw/src/tasks.rs"]
mod tasks;
use tasks::LIVE;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Runs one executor (a new one each time: `run_until` needs `&'static mut`;
/// the task pools are static and are reused) until `LIVE` is down to `live`.
fn run(init: impl FnOnce(Spawner), live: usize) {
    let ex: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    ex.run_until(init, || LIVE.get() <= live);
}

fn main() {
    let (scenario, p): (String, Params) = c::args();
    match scenario.as_str() {
        "yield" => c::measure("yield", p.reps, || {
            run(|sp| tasks::spawn_yielders(sp, p.tasks, p.yields), 0);
            p.tasks as u64 * p.yields as u64
        }),
        "ping" => c::measure("ping", p.reps, || {
            run(|sp| tasks::spawn_pingers(sp, p.pings), 0);
            2 * p.pings as u64
        }),
        "spawn" => c::measure("spawn", p.reps, || {
            for _ in 0..p.batches {
                run(|sp| tasks::spawn_spawnees(sp, p.spawns, false), 0);
            }
            p.batches as u64 * p.spawns as u64
        }),
        "task_bytes" => {
            let n = p.spawns as usize;
            c::report_task_bytes(n, tasks::spawnee_slot_bytes(), || {
                run(|sp| tasks::spawn_spawnees(sp, n as u32, true), n)
            });
        }
        // spawn_full needs the parked tasks and the new ones on one
        // executor, and `run_until` returns only when done; the raw-loop
        // contender measures embassy's pool search, which is the same code.
        _ => {
            eprintln!("{}", c::USAGE);
            std::process::exit(2);
        }
    }
}
