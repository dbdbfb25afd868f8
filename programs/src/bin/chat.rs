//! A chat relay: one task per client, and every line a client sends goes to
//! every other client through one [`Broadcast`]. Usage:
//! `chat [IP:PORT] [IDLE_SECONDS]` (defaults 127.0.0.1:7070 and 300); try it
//! with a few `nc 127.0.0.1 7070`.
//!
//! * A line is UTF-8 text of at most [`MAX_LINE`] bytes, ended by `\n`
//!   (a `\r` before it is dropped). Longer lines, invalid UTF-8 and control
//!   characters (terminal escapes) are refused with a `!` notice to the
//!   sender only; the connection stays. `/who` counts the people here,
//!   `/quit` leaves.
//! * A client that sends nothing for `IDLE_SECONDS` is told so and
//!   disconnected. One that does not read what it is sent falls behind the
//!   room's ring of [`RING`] messages and, when it reads again, is told how
//!   many it missed: nobody waits for a slow reader. One that does not read
//!   for [`WRITE_TIMEOUT`] is disconnected.
//! * [`MAX_CLIENTS`] clients at once (a static task pool, no heap); the
//!   next one is answered `! server full` and closed, and the relay keeps
//!   serving.
//!
//! Lines from the relay itself start with `*` (welcome, joins, leaves) or
//! `!` (notices to one client); relayed lines are `userN: text`.
#![no_std]
#![no_main]

use bitwake::net::{TcpListener, TcpStream};
use bitwake::sync::broadcast::{Broadcast, RecvError};
use bitwake::sys::{self, Errno};
use bitwake::time::{Duration, Instant, sleep, sleep_until, timeout};
use bitwake::{block_on, eprintln, println, spawn};
use core::fmt::Write as _;
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

bitwake::main!(main);

/// Writes a formatted line to one client (`.await`s inside); false if it
/// cannot take it. The text is formatted before the write, so no
/// `fmt::Arguments` (which is not `Send`) lives across the `.await`.
macro_rules! say {
    ($stream:expr, $($fmt:tt)+) => {{
        let text = format_line(format_args!($($fmt)+));
        send($stream, text.as_bytes()).await
    }};
}

/// Clients at once: the size of the task pool.
pub const MAX_CLIENTS: usize = 64;
/// The longest line a client may send, in bytes, without its `\n`.
pub const MAX_LINE: usize = 255;
/// Messages the room keeps for clients that read slowly.
pub const RING: usize = 32;
/// How long a client may take to accept one line before it is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The kernel's send buffer per client: small, so a client that stops
/// reading costs little memory and falls behind the ring soon.
const SEND_BUFFER: i32 = 16 * 1024;
const DEFAULT_ADDR: &str = "127.0.0.1:7070";
const DEFAULT_IDLE_SECS: u64 = 300;

const FULL: &[u8] = b"! server full; try again later\n";

/// "user4294967295: " + a line + "\n".
const MSG_MAX: usize = 16 + MAX_LINE + 1;

/// One line for the room, as the clients will see it.
#[derive(Clone)]
struct Msg {
    from: u32,
    text: heapless::String<MSG_MAX>,
}

static ROOM: Broadcast<Msg, RING> = Broadcast::new();
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

fn main() -> i32 {
    let mut args = bitwake::rt::args().skip(1);
    let addr_arg = args.next().unwrap_or(DEFAULT_ADDR.as_bytes());
    let Some(addr) = core::str::from_utf8(addr_arg)
        .ok()
        .and_then(|s| bitwake::net::parse_addr(s).ok())
    else {
        eprintln!(
            "chat: bad address {:?}: expected IP:PORT, e.g. {DEFAULT_ADDR}",
            core::str::from_utf8(addr_arg)
        );
        return 2;
    };
    let idle_secs = match args.next() {
        None => DEFAULT_IDLE_SECS,
        Some(a) => match core::str::from_utf8(a).ok().and_then(|s| s.parse().ok()) {
            Some(s @ 1..=86_400) => s,
            _ => {
                eprintln!(
                    "chat: bad idle timeout {:?}: expected whole seconds, 1 to 86400",
                    core::str::from_utf8(a)
                );
                return 2;
            }
        },
    };
    if let Some(extra) = args.next() {
        eprintln!(
            "chat: unexpected argument {:?}; usage: chat [IP:PORT] [IDLE_SECONDS]",
            core::str::from_utf8(extra)
        );
        return 2;
    }
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("chat: cannot listen on {addr}: {e}");
            return 1;
        }
    };
    let bound = listener.local_addr().unwrap_or(addr);
    println!("chat relay listening on {bound}");
    println!(
        "(try: nc {} {}; clients idle for {idle_secs} s are disconnected)",
        bound.ip(),
        bound.port()
    );
    block_on(accept_loop(&listener, Duration::from_secs(idle_secs)));
    0
}

/// Accepts clients forever. Resource errors (out of fds or memory) back off
/// briefly instead of spinning: leaving clients free resources.
async fn accept_loop(listener: &TcpListener, idle: Duration) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let id = NEXT_ID.fetch_add(1, Relaxed);
                let conn = Conn {
                    stream,
                    started: false,
                };
                // Detached: the slot frees itself when the client leaves.
                // A full pool drops the task unstarted, and `Conn`'s drop
                // answers the client.
                match spawn(client(conn, id, idle)) {
                    Ok(_) => println!("user{id} joined from {peer}"),
                    Err(e) => println!("turned {peer} away: {e}"),
                }
            }
            Err(e) => {
                if !matches!(
                    e,
                    bitwake::io::Error::Os(
                        Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM
                    ) | bitwake::io::Error::Capacity(_)
                ) {
                    eprintln!("chat: accept failed: {e}");
                }
                sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// A client's connection. If its task never starts (the pool is full), the
/// drop tells the client so before the stream closes.
struct Conn {
    stream: TcpStream,
    started: bool,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if !self.started {
            // A fresh socket's send buffer is empty: this does not block.
            let _ = sys::send(self.stream.raw_fd(), FULL, sys::MSG_NOSIGNAL);
        }
    }
}

bitwake::task! {
    pool_size = MAX_CLIENTS;
    async fn client(conn: Conn, id: u32, idle: Duration) {
        let mut conn = conn;
        conn.started = true;
        let why = serve(&conn.stream, id, idle).await;
        println!("user{id} left ({why})");
    }
}

/// Relays between one client and the room until the client leaves;
/// returns why it left.
async fn serve(stream: &TcpStream, id: u32, idle: Duration) -> &'static str {
    let _ = stream.set_nodelay(true);
    let _ = sys::setsockopt_int(
        stream.raw_fd(),
        sys::SOL_SOCKET,
        sys::SO_SNDBUF,
        SEND_BUFFER,
    );
    // Subscribed before the welcome, so every line the client sees after
    // the welcome reaches it.
    let mut sub = ROOM.subscribe();
    let others = ROOM.subscriber_count().saturating_sub(1);
    if !say!(
        stream,
        "* welcome, you are user{id}; others here: {others}. Lines: UTF-8, at most {MAX_LINE} bytes; /who, /quit\n"
    ) {
        return "gone before the welcome";
    }
    announce(id, format_args!("* user{id} joined\n"));
    let why = relay(stream, id, idle, &mut sub).await;
    announce(id, format_args!("* user{id} left\n"));
    why
}

async fn relay(
    stream: &TcpStream,
    id: u32,
    idle: Duration,
    sub: &mut bitwake::sync::broadcast::Subscriber<'static, Msg, RING>,
) -> &'static str {
    let mut lines = LineBuf::new();
    let mut buf = [0u8; 512];
    let mut deadline = Instant::now() + idle;
    loop {
        bitwake::select! {
            r = stream.read(&mut buf) => {
                let n = match r {
                    Ok(0) => return "disconnected",
                    Ok(n) => n,
                    Err(_) => return "connection error",
                };
                deadline = Instant::now() + idle;
                let mut input = &buf[..n];
                while let Some(line) = lines.next(&mut input) {
                    let ok = match line {
                        Line::Text(text) => {
                            announce(id, format_args!("user{id}: {text}\n"));
                            true
                        }
                        Line::Empty => true,
                        Line::Quit => {
                            say!(stream, "* bye\n");
                            return "quit";
                        }
                        Line::Who => {
                            let n = ROOM.subscriber_count();
                            say!(stream, "* {n} here\n")
                        }
                        Line::Unknown => {
                            say!(stream, "! unknown command; try /who or /quit\n")
                        }
                        Line::TooLong => {
                            say!(stream, "! line too long (at most {MAX_LINE} bytes); dropped\n")
                        }
                        Line::NotUtf8 => {
                            say!(stream, "! not UTF-8; dropped\n")
                        }
                        Line::Control => {
                            say!(stream, "! control characters are not allowed; dropped\n")
                        }
                    };
                    if !ok {
                        return "not reading";
                    }
                }
            }
            m = sub.recv() => {
                let ok = match m {
                    Ok(msg) if msg.from == id => true,
                    Ok(msg) => send(stream, msg.text.as_bytes()).await,
                    Err(RecvError::Lagged(n)) => {
                        say!(stream, "! you missed {n} messages (reading too slowly)\n")
                    }
                    Err(RecvError::Closed) => return "room closed",
                };
                if !ok {
                    return "not reading";
                }
            }
            () = sleep_until(deadline) => {
                let secs = idle.as_secs();
                say!(stream, "! idle for {secs} s; goodbye\n");
                return "idle";
            }
        }
    }
}

/// Sends one line to the room, as `from`.
fn announce(from: u32, line: core::fmt::Arguments<'_>) {
    let text = format_line(line);
    let _ = ROOM.send(Msg { from, text });
}

/// A line formatted into a fixed buffer.
fn format_line(line: core::fmt::Arguments<'_>) -> heapless::String<MSG_MAX> {
    let mut text = heapless::String::new();
    // Every line fits (`MSG_MAX`); one that did not would go out cut.
    let _ = text.write_fmt(line);
    text
}

/// Writes `bytes` to one client; false if it is gone or did not take them
/// within [`WRITE_TIMEOUT`].
async fn send(stream: &TcpStream, bytes: &[u8]) -> bool {
    matches!(
        timeout(WRITE_TIMEOUT, stream.write_all(bytes)).await,
        Ok(Ok(()))
    )
}

/// What one line from a client is.
#[derive(Debug, PartialEq)]
enum Line<'a> {
    Text(&'a str),
    Empty,
    Quit,
    Who,
    Unknown,
    TooLong,
    NotUtf8,
    Control,
}

/// Splits a client's bytes into lines of at most [`MAX_LINE`] bytes.
struct LineBuf {
    /// The line so far (room for a `\r` after `MAX_LINE` bytes).
    buf: heapless::Vec<u8, { MAX_LINE + 1 }>,
    /// The line so far did not fit: the rest of it is skipped.
    too_long: bool,
    /// `buf` holds a line that was handed out: clear it first.
    done: bool,
}

impl LineBuf {
    const fn new() -> Self {
        LineBuf {
            buf: heapless::Vec::new(),
            too_long: false,
            done: false,
        }
    }

    /// The next complete line in `*input` (moving past it), or `None` once
    /// `*input` is used up (a partial line is kept for the next call).
    fn next<'s>(&'s mut self, input: &mut &[u8]) -> Option<Line<'s>> {
        if self.done {
            self.buf.clear();
            self.too_long = false;
            self.done = false;
        }
        let (part, end) = match input.iter().position(|&b| b == b'\n') {
            Some(i) => (&input[..i], Some(i + 1)),
            None => (*input, None),
        };
        if !self.too_long && self.buf.extend_from_slice(part).is_err() {
            self.too_long = true;
        }
        let Some(end) = end else {
            *input = &[];
            return None;
        };
        *input = &input[end..];
        self.done = true;
        if self.too_long {
            return Some(Line::TooLong);
        }
        let mut bytes = self.buf.as_slice();
        if let [rest @ .., b'\r'] = bytes {
            bytes = rest;
        }
        if bytes.len() > MAX_LINE {
            return Some(Line::TooLong);
        }
        let Ok(text) = core::str::from_utf8(bytes) else {
            return Some(Line::NotUtf8);
        };
        if text.chars().any(|c| c.is_control() && c != '\t') {
            return Some(Line::Control);
        }
        let text = text.trim();
        Some(match text {
            "" => Line::Empty,
            "/quit" => Line::Quit,
            "/who" => Line::Who,
            t if t.starts_with('/') => Line::Unknown,
            t => Line::Text(t),
        })
    }
}
