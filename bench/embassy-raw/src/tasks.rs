//! The embassy task functions, shared by the raw-loop and `platform-std`
//! contenders (`#[path]`-included by both). embassy tasks are `static` pools
//! of one `async fn` each and have no join handle, so each task body from
//! `bench_common` is wrapped in a task that counts itself out of [`LIVE`]
//! when it finishes; the driver loop runs until `LIVE` is back to its target.

use bench_common as c;
use embassy_executor::Spawner;
use std::cell::Cell;

/// A plain counter of live tasks (single-threaded, so no atomic).
pub struct Live(Cell<usize>);
// SAFETY: only the executor's thread touches it.
unsafe impl Sync for Live {}
pub static LIVE: Live = Live(Cell::new(0));

impl Live {
    pub fn get(&self) -> usize {
        self.0.get()
    }
    fn add(&self) {
        self.0.set(self.0.get() + 1)
    }
    fn done(&self) {
        self.0.set(self.0.get() - 1)
    }
}

#[embassy_executor::task(pool_size = 1000)]
async fn yielder(n: u32) {
    c::yielder(n).await;
    LIVE.done();
}

#[embassy_executor::task]
async fn ping_a(n: u32) {
    c::ping_a(n).await;
    LIVE.done();
}

#[embassy_executor::task]
async fn ping_b(n: u32) {
    c::ping_b(n).await;
    LIVE.done();
}

/// One pool for spawn_many and spawn_full: in spawn_full 999 of its 1000
/// slots hold parked tasks, so each spawn has to find the last free slot.
#[embassy_executor::task(pool_size = 1000)]
async fn spawnee(park: bool) {
    if park {
        c::parked().await;
    } else {
        c::empty().await;
    }
    LIVE.done();
}

pub fn spawn_yielders(sp: Spawner, tasks: u32, yields: u32) {
    for _ in 0..tasks {
        LIVE.add();
        sp.spawn(yielder(yields).unwrap());
    }
}

pub fn spawn_pingers(sp: Spawner, pings: u32) {
    LIVE.add();
    sp.spawn(ping_a(pings).unwrap());
    LIVE.add();
    sp.spawn(ping_b(pings).unwrap());
}

pub fn spawn_spawnees(sp: Spawner, n: u32, park: bool) {
    for _ in 0..n {
        LIVE.add();
        sp.spawn(spawnee(park).unwrap());
    }
}

/// Bytes of static storage per spawnee slot: the pool is
/// `[TaskStorage<F>; 1000]`, so this is the task header plus the future.
pub fn spawnee_slot_bytes() -> usize {
    fn storage<F: std::future::Future + 'static>(_: &F) -> usize {
        std::mem::size_of::<embassy_executor::raw::TaskStorage<F>>()
    }
    // The future of the same body the pool holds (never polled).
    let f = async {
        c::parked().await;
        LIVE.done();
    };
    storage(&f)
}
