//! embassy-executor 0.10 with no platform feature: our own `__pender` only
//! bumps a plain counter, and the driver calls `raw::Executor::poll` in a loop
//! until the tasks are done. This is embassy's executor with nothing around
//! it, the fairest comparison for a bare-metal style executor.

use bench_common::{self as c, CountingAlloc, Params};
use embassy_executor::raw::Executor;
use std::cell::Cell;

mod channel;
mod tasks;
use tasks::LIVE;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

struct Pends(Cell<u64>);
// SAFETY: only the executor's thread calls the pender.
unsafe impl Sync for Pends {}
static PENDS: Pends = Pends(Cell::new(0));

/// The pender embassy calls when a task is woken: nothing to wake here,
/// since the loop below never sleeps.
#[unsafe(export_name = "__pender")]
fn pender(_context: *mut ()) {
    PENDS.0.set(PENDS.0.get() + 1);
}

fn run_until(ex: &'static Executor, live: usize) {
    while LIVE.get() > live {
        // SAFETY: called from the one thread that owns the executor, never
        // re-entrantly.
        unsafe { ex.poll() };
    }
}

fn main() {
    let (scenario, p): (String, Params) = c::args();
    let ex: &'static Executor = Box::leak(Box::new(Executor::new(std::ptr::null_mut())));
    let sp = ex.spawner();
    match scenario.as_str() {
        "yield" => c::measure("yield", p.reps, || {
            tasks::spawn_yielders(sp, p.tasks, p.yields);
            run_until(ex, 0);
            p.tasks as u64 * p.yields as u64
        }),
        "ping" => c::measure("ping", p.reps, || {
            tasks::spawn_pingers(sp, p.pings);
            run_until(ex, 0);
            2 * p.pings as u64
        }),
        "spawn" => c::measure("spawn", p.reps, || {
            for _ in 0..p.batches {
                tasks::spawn_spawnees(sp, p.spawns, false);
                run_until(ex, 0);
            }
            p.batches as u64 * p.spawns as u64
        }),
        "spawn_full" => {
            let parked = p.spawns as usize - 1;
            tasks::spawn_spawnees(sp, parked as u32, true);
            // SAFETY: as in `run_until`.
            unsafe { ex.poll() };
            c::measure("spawn_full", p.reps, || {
                for _ in 0..p.full_iters {
                    tasks::spawn_spawnees(sp, 1, false);
                    run_until(ex, parked);
                }
                p.full_iters as u64
            })
        }
        "task_bytes" => {
            let n = p.spawns as usize;
            c::report_task_bytes(n, tasks::spawnee_slot_bytes(), || {
                tasks::spawn_spawnees(sp, n as u32, true)
            });
        }
        s if c::CHANNEL_SCENARIOS
            .iter()
            .any(|c| s.strip_suffix("_noop").unwrap_or(s) == *c) =>
        {
            channel::run_scenario(ex, s, &p)
        }
        "chan_bytes" => {
            use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex as M;
            let n = std::mem::size_of::<embassy_sync::channel::Channel<M, u32, 64>>();
            c::report("chan_bytes", n as f64, "B");
        }
        _ => {
            eprintln!("{}", c::USAGE);
            std::process::exit(2);
        }
    }
}
