//! The channel scenarios on embassy: embassy-sync's `Channel` on the raw
//! executor (the same poll loop and no-op pender as the executor
//! scenarios). Two flavours of its lock, as embassy users pick them:
//! `CriticalSectionRawMutex` (what a channel in a `static` needs; here the
//! `critical-section` crate's `std` implementation) for the scenario names
//! as given, and `NoopRawMutex` (single-thread only, so the channels are
//! leaked boxes, not statics) for names ending in `_noop`.

use bench_common::{self as c, Params};
use embassy_executor::{Spawner, raw::Executor};
use embassy_sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex};
use embassy_sync::channel::Channel;
use std::cell::Cell;
use std::hint::black_box;

/// Live channel tasks (single-threaded, so no atomic).
struct Live(Cell<usize>);
// SAFETY: only the executor's thread touches it.
unsafe impl Sync for Live {}
static LIVE: Live = Live(Cell::new(0));

fn started() {
    LIVE.0.set(LIVE.0.get() + 1);
}
fn finished() {
    LIVE.0.set(LIVE.0.get() - 1);
}

fn run(ex: &'static Executor) {
    while LIVE.0.get() > 0 {
        // SAFETY: called from the one thread that owns the executor, never
        // re-entrantly.
        unsafe { ex.poll() };
    }
}

/// One set of tasks per lock flavour: embassy tasks are `static` pools of
/// one non-generic `async fn` each.
macro_rules! flavour {
    ($m:ident, $M:ty) => {
        mod $m {
            use super::*;

            pub struct Chans {
                pub ab: Channel<$M, u32, 1>,
                pub ba: Channel<$M, u32, 1>,
                pub queue: Channel<$M, u32, 64>,
            }

            #[embassy_executor::task]
            async fn ping(ch: &'static Chans, round_trips: u32) {
                for i in 0..round_trips {
                    ch.ab.send(i).await;
                    black_box(ch.ba.receive().await);
                }
                finished();
            }

            #[embassy_executor::task]
            async fn pong(ch: &'static Chans, round_trips: u32) {
                for _ in 0..round_trips {
                    let v = ch.ab.receive().await;
                    ch.ba.send(v).await;
                }
                finished();
            }

            #[embassy_executor::task(pool_size = 8)]
            async fn produce(ch: &'static Chans, n: u32) {
                for i in 0..n {
                    ch.queue.send(i).await;
                }
                finished();
            }

            #[embassy_executor::task]
            async fn consume(ch: &'static Chans, n: u32) {
                let mut sum = 0u32;
                for _ in 0..n {
                    sum = sum.wrapping_add(ch.queue.receive().await);
                }
                black_box(sum);
                finished();
            }

            pub fn spawn(sp: Spawner, ch: &'static Chans, scenario: &str, p: &Params) -> u64 {
                match scenario {
                    "chan_ping" => {
                        let n = p.msgs / 2;
                        started();
                        sp.spawn(ping(ch, n).unwrap());
                        started();
                        sp.spawn(pong(ch, n).unwrap());
                        2 * n as u64
                    }
                    "chan_spsc" => {
                        started();
                        sp.spawn(produce(ch, p.msgs).unwrap());
                        started();
                        sp.spawn(consume(ch, p.msgs).unwrap());
                        p.msgs as u64
                    }
                    _ => {
                        let each = c::per_producer(p);
                        let producers = p.producers.min(8);
                        for _ in 0..producers {
                            started();
                            sp.spawn(produce(ch, each).unwrap());
                        }
                        started();
                        sp.spawn(consume(ch, each * producers).unwrap());
                        (each * producers) as u64
                    }
                }
            }
        }
    };
}

flavour!(cs, CriticalSectionRawMutex);
flavour!(noop, NoopRawMutex);

static CS_CHANS: cs::Chans = cs::Chans {
    ab: Channel::new(),
    ba: Channel::new(),
    queue: Channel::new(),
};

pub fn run_scenario(ex: &'static Executor, scenario: &str, p: &Params) {
    let sp = ex.spawner();
    match scenario.strip_suffix("_noop") {
        Some(base) => {
            // Not `Sync`: created once (untimed) and shared by reference on
            // this one thread.
            let ch: &'static noop::Chans = Box::leak(Box::new(noop::Chans {
                ab: Channel::new(),
                ba: Channel::new(),
                queue: Channel::new(),
            }));
            c::measure_heap(scenario, p.reps, || {
                let n = noop::spawn(sp, ch, base, p);
                run(ex);
                n
            })
        }
        None => c::measure_heap(scenario, p.reps, || {
            let n = cs::spawn(sp, &CS_CHANS, scenario, p);
            run(ex);
            n
        }),
    }
}
