//! The floor contender: the least an executor can do and still be one.
//!
//! A table of boxed futures that never reallocates, a FIFO of slot indices,
//! a `queued` flag per slot, and a waker that is the slot index with no-op
//! clone and drop. No atomics, no reference counts, no join handles (joining
//! is "run until no task is live"), no reactor. It is not a product: it is the
//! line no real executor can beat by much, so each ratio to it says how much
//! of a contender's time is bookkeeping.

use bench_common::{self as c, CountingAlloc, Params};
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

mod channel;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

type Task = Pin<Box<dyn Future<Output = ()>>>;

struct Floor {
    slots: Vec<Option<Task>>,
    queued: Vec<bool>,
    free: Vec<u32>,
    queue: VecDeque<u32>,
    live: usize,
}

/// The one executor of the process, reached by the waker through this
/// static: a waker carries only a slot index.
struct Global(UnsafeCell<Option<Floor>>);
// SAFETY: only the main thread ever touches the executor.
unsafe impl Sync for Global {}
static EXEC: Global = Global(UnsafeCell::new(None));

/// Short, non-overlapping borrows only: never held across a poll, because a
/// poll re-enters through `wake` and `spawn`.
fn ex() -> &'static mut Floor {
    // SAFETY: single-threaded, and every caller drops the borrow before
    // anything that could call `ex()` again (see `run`).
    unsafe { (*EXEC.0.get()).as_mut().expect("floor not initialised") }
}

fn init(cap: usize) {
    let mut slots = Vec::with_capacity(cap);
    slots.resize_with(cap, || None);
    // SAFETY: called before any task exists.
    unsafe {
        *EXEC.0.get() = Some(Floor {
            slots,
            queued: vec![false; cap],
            free: (0..cap as u32).rev().collect(),
            queue: VecDeque::with_capacity(cap),
            live: 0,
        })
    };
}

const VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop_waker);

fn clone(p: *const ()) -> RawWaker {
    RawWaker::new(p, &VTABLE)
}
fn wake(p: *const ()) {
    let i = p as usize;
    let e = ex();
    if !e.queued[i] {
        e.queued[i] = true;
        e.queue.push_back(i as u32);
    }
}
fn drop_waker(_: *const ()) {}

fn spawn(f: impl Future<Output = ()> + 'static) {
    let e = ex();
    let i = e.free.pop().expect("floor pool full") as usize;
    e.slots[i] = Some(Box::pin(f));
    e.live += 1;
    e.queued[i] = true;
    e.queue.push_back(i as u32);
}

/// Polls queued tasks in FIFO order until `live` drops to `until`.
fn run(until: usize) {
    loop {
        let e = ex();
        if e.live <= until {
            return;
        }
        let Some(i) = e.queue.pop_front() else {
            panic!("floor: nothing queued but {} tasks live", e.live);
        };
        let i = i as usize;
        e.queued[i] = false;
        let Some(task) = e.slots[i].as_mut() else {
            continue; // a stale wake for a finished task
        };
        let task: *mut Task = task;
        // SAFETY: the waker's vtable functions are sound for any index
        // below the capacity; the data pointer is only an index.
        let waker = unsafe { Waker::from_raw(RawWaker::new(i as *const (), &VTABLE)) };
        let mut cx = Context::from_waker(&waker);
        // SAFETY: the slot is not freed or moved while it is polled: only
        // this loop frees slots, and the table never reallocates.
        if let Poll::Ready(()) = unsafe { (*task).as_mut().poll(&mut cx) } {
            let e = ex();
            e.slots[i] = None;
            e.free.push(i as u32);
            e.live -= 1;
        }
    }
}

fn main() {
    let (scenario, p): (String, Params) = c::args();
    match scenario.as_str() {
        "yield" => {
            init(p.tasks as usize);
            c::measure("yield", p.reps, || {
                for _ in 0..p.tasks {
                    spawn(c::yielder(p.yields));
                }
                run(0);
                p.tasks as u64 * p.yields as u64
            });
        }
        "ping" => {
            init(p.cap.max(2) as usize);
            c::measure("ping", p.reps, || {
                spawn(c::ping_a(p.pings));
                spawn(c::ping_b(p.pings));
                run(0);
                2 * p.pings as u64
            });
        }
        "spawn" => {
            init(p.spawns as usize);
            c::measure("spawn", p.reps, || {
                for _ in 0..p.batches {
                    for _ in 0..p.spawns {
                        spawn(c::empty());
                    }
                    run(0);
                }
                p.batches as u64 * p.spawns as u64
            });
        }
        "spawn_full" => {
            init(p.spawns as usize);
            let parked = p.spawns as usize - 1;
            for _ in 0..parked {
                spawn(c::parked());
            }
            run(parked);
            c::measure("spawn_full", p.reps, || {
                for _ in 0..p.full_iters {
                    spawn(c::empty());
                    run(parked);
                }
                p.full_iters as u64
            });
        }
        "task_bytes" => {
            init(p.spawns as usize);
            let n = p.spawns as usize;
            // The table entry, the `queued` flag, a free-list entry and a
            // queue entry are preallocated per slot; the box is per task.
            let table = std::mem::size_of::<Option<Task>>() + 1 + 4 + 4;
            c::report_task_bytes(n, table, || {
                for _ in 0..n {
                    spawn(c::parked());
                }
            });
        }
        s if c::CHANNEL_SCENARIOS.contains(&s) => channel::run_scenario(s, &p),
        _ => {
            eprintln!("{}", c::USAGE);
            std::process::exit(2);
        }
    }
}
