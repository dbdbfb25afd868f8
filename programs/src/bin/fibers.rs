//! Green threads, freestanding: the idea of the book's chapter 5 (several
//! threads with their own stacks, each printing a step and yielding, a
//! context switch in `asm!`), then what the book's version could not do —
//! fibers that wait on a timer and on a socket in plain blocking style while
//! async tasks keep running beside them.
//!
//! ```text
//! green thread 1: step 1
//! green thread 2: step 1
//! green thread 3: step 1
//! green thread 1: step 2
//! ...
//! ```
//!
//! Every fiber here runs on a 16 KiB stack in `.bss` (no heap), as a task of
//! the same executor as the async tasks; `fiber::yield_now`, `fiber::sleep`
//! and `fiber::wait` switch back to it.
#![no_std]
#![no_main]

use bitwake::fiber::{self, StackPool};
use bitwake::net::{SocketAddrV4, TcpListener, TcpStream};
use bitwake::println;
use bitwake::time::{Duration, Instant, sleep};

bitwake::main!(main);

static STACKS: StackPool<{ 16 * 1024 }, 4> = StackPool::new();

/// Green threads printing interleaved steps, as in the book.
fn green_threads() {
    bitwake::block_on(async {
        let mut hs = [const { None }; 3];
        for (i, h) in hs.iter_mut().enumerate() {
            let id = i + 1;
            *h = Some(
                fiber::spawn(&STACKS, move || {
                    for step in 1..=3 {
                        println!("green thread {id}: step {step}");
                        fiber::yield_now();
                    }
                    id * 10
                })
                .expect("spawn"),
            );
        }
        let mut sum = 0;
        for h in hs.into_iter().flatten() {
            sum += h.await.expect("join");
        }
        println!("green threads done (results add up to {sum})");
    });
}

bitwake::task! {
    pool_size = 1;
    /// An async task that ticks while the fiber sleeps.
    async fn ticker(n: u32, every: Duration) {
        for i in 1..=n {
            sleep(every).await;
            println!("  async task: tick {i}");
        }
    }
}

/// A fiber sleeping in blocking style next to an async task.
fn fiber_and_task() {
    bitwake::block_on(async {
        let t0 = Instant::now();
        let f = fiber::spawn(&STACKS, move || {
            for i in 1..=2 {
                fiber::sleep(Duration::from_millis(25));
                println!(
                    "fiber: woke from sleep {i} after {} ms",
                    t0.elapsed().as_millis()
                );
            }
        })
        .expect("spawn");
        let t = bitwake::spawn(ticker(4, Duration::from_millis(10))).expect("spawn");
        f.await.expect("join");
        t.await.expect("join");
    });
}

/// A fiber serving one connection with blocking-style reads and writes; an
/// async task is the client.
fn socket() {
    bitwake::block_on(async {
        let listener =
            TcpListener::bind(SocketAddrV4::new([127, 0, 0, 1].into(), 0)).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = fiber::spawn(&STACKS, move || -> Result<usize, bitwake::io::Error> {
            let (conn, _) = fiber::wait(listener.accept())?;
            let mut buf = [0u8; 64];
            let n = fiber::wait(conn.read(&mut buf))?;
            println!(
                "fiber: read {:?} from the socket, echoing it",
                core::str::from_utf8(&buf[..n]).unwrap_or("?")
            );
            fiber::wait(conn.write_all(&buf[..n]))?;
            Ok(n)
        })
        .expect("spawn");
        let c = TcpStream::connect(addr).await.expect("connect");
        c.write_all(b"hello, fiber").await.expect("write");
        let mut back = [0u8; 64];
        let n = c.read(&mut back).await.expect("read");
        println!(
            "  async task: got {:?} back",
            core::str::from_utf8(&back[..n]).unwrap_or("?")
        );
        let _ = server.await;
    });
}

fn main() -> i32 {
    green_threads();
    fiber_and_task();
    socket();
    println!("fibers: ok");
    0
}
