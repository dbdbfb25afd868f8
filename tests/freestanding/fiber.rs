//! Fibers in a freestanding program, run natively and under QEMU by
//! `cargo xtask test` (bin `test-fiber` in `programs/`): registers survive
//! switches, a million switches, a waiting fiber next to async tasks, 100
//! fibers interleaving, a blocking-style socket read, and the high-water
//! mark against a known recursion depth.
#![no_std]
#![no_main]
#![allow(clippy::result_large_err)]

#[path = "../fiber_common/regs.rs"]
mod regs;

use bitwake::fiber::{self, FiberStack, StackPool};
use bitwake::net::{SocketAddrV4, TcpListener, TcpStream};
use bitwake::rt::testing::{self, Outcome};
use bitwake::time::Duration;
use bitwake::{cases, check, check_eq};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        registers_survive_switches,
        a_million_switches,
        a_waiting_fiber_does_not_block_async_tasks,
        hundred_fibers_interleave_in_order,
        socket_read_in_blocking_style,
        high_water_matches_recursion_depth,
    ])
}

static STACK_A: FiberStack<{ 16 * 1024 }> = FiberStack::new();
static STACK_B: FiberStack<{ 16 * 1024 }> = FiberStack::new();

extern "C" fn hop() {
    fiber::yield_now();
}

static FP_CHANGED: AtomicU32 = AtomicU32::new(0);

bitwake::task! {
    pool_size = 1;
    /// Polls between the fibers' switches and checks that the executor
    /// side still has its own floating-point control state.
    async fn watch_fp(rounds: u32) {
        let mine = regs::fp_control();
        for _ in 0..rounds {
            if regs::fp_control() != mine {
                FP_CHANGED.fetch_add(1, SeqCst);
            }
            bitwake::executor::yield_now().await;
        }
    }
}

fn registers_survive_switches() -> Outcome {
    let (a, b) = bitwake::block_on(async {
        let w = bitwake::spawn(watch_fp(400)).unwrap();
        let run = |seed: usize| {
            move || {
                let mut bad = 0;
                for i in 0..100 {
                    bad += if fiber::SAVES_FP_CONTROL {
                        regs::check_preserved_with_fp(seed + i * 0x100, hop)
                    } else {
                        regs::check_preserved(seed + i * 0x100, hop)
                    };
                }
                bad
            }
        };
        let a = fiber::spawn(&STACK_A, run(0x1111_0000)).unwrap();
        let b = fiber::spawn(&STACK_B, run(0x7777_0000)).unwrap();
        let r = (a.await, b.await);
        w.await.unwrap();
        r
    });
    check_eq!(a, Ok(0));
    check_eq!(b, Ok(0));
    check_eq!(FP_CHANGED.load(SeqCst), 0);
    Ok(())
}

fn a_million_switches() -> Outcome {
    let n = bitwake::block_on(async {
        fiber::spawn(&STACK_A, || {
            let mut n = 0u32;
            for _ in 0..1_000_000 {
                fiber::yield_now();
                n += 1;
            }
            n
        })
        .unwrap()
        .await
    });
    check_eq!(n, Ok(1_000_000));
    Ok(())
}

static TICKS: AtomicU32 = AtomicU32::new(0);

bitwake::task! {
    pool_size = 1;
    async fn ticker() {
        for _ in 0..10 {
            bitwake::time::sleep(Duration::from_millis(2)).await;
            TICKS.fetch_add(1, SeqCst);
        }
    }
}

fn a_waiting_fiber_does_not_block_async_tasks() -> Outcome {
    // The fiber waits (on a timer, then on a channel) until the async task
    // has made all its progress: if waiting blocked the executor, the task
    // could never tick and the fiber would never see it. No timing is
    // asserted.
    TICKS.store(0, SeqCst);
    let r = bitwake::block_on(async {
        let f = fiber::spawn(&STACK_A, || {
            let mut naps = 0u32;
            while TICKS.load(SeqCst) < 10 {
                fiber::sleep(Duration::from_millis(1));
                naps += 1;
            }
            let v = fiber::wait(DONE.recv());
            (naps, v)
        })
        .unwrap();
        bitwake::spawn(ticker()).unwrap().await.unwrap();
        check!(DONE.send(7).await.is_ok());
        Ok(f.await)
    })?;
    let (naps, v) = r.map_err(|e| testing::Failure::new(format_args!("join: {e}")))?;
    check!(naps >= 1);
    check_eq!(v, Ok(7));
    Ok(())
}

static DONE: bitwake::sync::Channel<u32, 1> = bitwake::sync::Channel::new();

static STACKS: StackPool<4096, 100> = StackPool::new();
static LOG: [AtomicU32; 300] = [const { AtomicU32::new(0) }; 300];
static LOGGED: AtomicUsize = AtomicUsize::new(0);

fn hundred_fibers_interleave_in_order() -> Outcome {
    bitwake::block_on(async {
        let mut hs = heapless::Vec::<_, 100>::new();
        for id in 0..100u32 {
            let h = fiber::spawn(&STACKS, move || {
                for step in 0..3 {
                    LOG[LOGGED.fetch_add(1, SeqCst)].store(step * 1000 + id, SeqCst);
                    fiber::yield_now();
                }
            });
            let _ = hs.push(h.unwrap());
        }
        for h in hs {
            h.await.unwrap();
        }
    });
    check_eq!(LOGGED.load(SeqCst), 300);
    // Round by round, fiber by fiber in spawn order.
    for (i, entry) in LOG.iter().enumerate() {
        let want = (i / 100) as u32 * 1000 + (i % 100) as u32;
        check_eq!(entry.load(SeqCst), want);
    }
    check!(STACKS.stacks().iter().all(|s| s.is_free()));
    Ok(())
}

fn socket_read_in_blocking_style() -> Outcome {
    let r = bitwake::block_on(async {
        let listener = TcpListener::bind(SocketAddrV4::new([127, 0, 0, 1].into(), 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = fiber::spawn(&STACK_A, move || {
            // Plain blocking code over `embedded_io`'s traits.
            use embedded_io::{Read, Write};
            let (s, _) = fiber::wait(listener.accept())?;
            let mut s = fiber::Blocking(s);
            let mut buf = [0u8; 64];
            let mut got = 0;
            loop {
                let n = s.read(&mut buf[got..])?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            s.write_all(&buf[..got])?;
            Ok::<usize, bitwake::io::Error>(got)
        })
        .unwrap();
        let c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"hello from a task").await.unwrap();
        c.shutdown(1).unwrap();
        let mut back = [0u8; 64];
        let mut n = 0;
        loop {
            let k = c.read(&mut back[n..]).await.unwrap();
            if k == 0 {
                break;
            }
            n += k;
        }
        (
            server.await,
            heapless::Vec::<u8, 64>::from_slice(&back[..n]).unwrap(),
        )
    });
    check!(matches!(r.0, Ok(Ok(17))), "server fiber gave {:?}", r.0);
    check_eq!(&r.1[..], b"hello from a task");
    Ok(())
}

static DEEPEST: AtomicUsize = AtomicUsize::new(usize::MAX);

#[inline(never)]
fn recurse(n: u32) -> u32 {
    let pad = core::hint::black_box([n as u8; 100]);
    if n == 0 {
        DEEPEST.fetch_min(regs::touch_below(), SeqCst);
        return pad[7] as u32;
    }
    recurse(n - 1) + core::hint::black_box(pad[3]) as u32
}

static DEEP_STACK: FiberStack<{ 32 * 1024 }> = FiberStack::new();

fn high_water_matches_recursion_depth() -> Outcome {
    let r = bitwake::block_on(async { fiber::spawn(&DEEP_STACK, || recurse(40)).unwrap().await });
    check!(r.is_ok());
    let depth = DEEP_STACK.range().end - DEEPEST.load(SeqCst);
    let hw = DEEP_STACK.high_water().unwrap_or(0);
    check!(
        hw.abs_diff(depth) <= core::mem::size_of::<usize>(),
        "high water {hw}, measured depth {depth}"
    );
    check!(depth > 40 * 100, "depth {depth}");
    Ok(())
}
