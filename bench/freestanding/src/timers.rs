//! Timers scenario for bitwake (freestanding): N tasks (≤ 12,288, three
//! static pools of 4096), each sleeps a seeded-random 1–100 ms — the same
//! xorshift sequence as the tokio, smol and embassy versions; lateness =
//! wake time − deadline. CPU time from `CLOCK_PROCESS_CPUTIME_ID`.
//!
//! `timers_bitwake N`
#![no_std]
#![no_main]

use bitwake::executor::JoinHandle;
use bitwake::println;
use bitwake::{block_on, spawn};
use bitwake::time::{Duration, Instant, sleep_until};

bitwake::main!(main);

const MAX: usize = 12_288;

macro_rules! sleeper_pools {
    ($($name:ident),*) => {$(
        bitwake::task! {
            pool_size = 4096;
            /// Sleeps until `deadline`; returns how late it woke, in ns.
            async fn $name(deadline: Instant) -> u64 {
                let _ = sleep_until(deadline).await;
                (Instant::now() - deadline).as_nanos() as u64
            }
        }
    )*};
}
sleeper_pools!(sleeper_a, sleeper_b, sleeper_c);

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn cpu_now() -> u64 {
    const CLOCK_PROCESS_CPUTIME_ID: u32 = 2;
    bitwake::sys::clock_gettime(CLOCK_PROCESS_CPUTIME_ID)
        .map(|t| t.as_nanos())
        .unwrap_or(0)
}

/// Room for every handle and every lateness: statics, so no stack or heap.
struct Buffers {
    handles: [Option<JoinHandle<u64>>; MAX],
    late: [u64; MAX],
}
static mut BUF: Buffers = Buffers {
    handles: [const { None }; MAX],
    late: [0; MAX],
};

fn main() -> i32 {
    let n = bitwake::rt::args()
        .nth(1)
        .and_then(|a| core::str::from_utf8(a).ok()?.parse::<usize>().ok())
        .unwrap_or(10_000)
        .min(MAX);
    // SAFETY: single-threaded program; the only reference to BUF.
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(BUF) };
    let cpu0 = cpu_now();
    let t0 = Instant::now();
    block_on(async {
        let mut seed = 0x5eed_u64;
        for (i, h) in buf.handles[..n].iter_mut().enumerate() {
            let ms = 1 + xorshift(&mut seed) % 100;
            let deadline = t0 + Duration::from_millis(ms);
            // Each task function's token has its own type: spawn per arm.
            let handle = match i % 3 {
                0 => spawn(sleeper_a(deadline)),
                1 => spawn(sleeper_b(deadline)),
                _ => spawn(sleeper_c(deadline)),
            };
            *h = Some(handle.expect("pool full"));
        }
        for (h, l) in buf.handles[..n].iter_mut().zip(buf.late.iter_mut()) {
            *l = h.take().unwrap().await.unwrap_or(u64::MAX);
        }
    });
    let wall = Instant::now() - t0;
    let cpu = cpu_now() - cpu0;
    let late = &mut buf.late[..n];
    late.sort_unstable();
    let mean = late.iter().map(|&x| x as f64).sum::<f64>() / n.max(1) as f64 / 1e3;
    let p99 = late[(n * 99 / 100).min(n - 1)] as f64 / 1e3;
    println!("RESULT late_mean_us {mean:.3} us");
    println!("RESULT late_p99_us {p99:.3} us");
    println!("RESULT late_max_us {:.3} us", late[n - 1] as f64 / 1e3);
    println!("RESULT cpu_ms {:.3} ms", cpu as f64 / 1e6);
    println!("RESULT wall_ms {:.3} ms", wall.as_secs_f64() * 1e3);
    0
}
