//! The delay server's protocol logic — the accept loop and the
//! per-connection handler — shared by the `delayserver` program and the
//! fault-injection tests, which drive the very same code in-process.
//!
//! Closing politely: after every answer the server shuts down its write
//! side and reads (and drops) what the client still sends, for at most
//! [`LINGER_TIME`] and [`LINGER_BYTES`], before it closes. Closing a socket
//! with unread input makes the kernel send a reset, which can destroy the
//! answer in the client's receive buffer before the client has read it.
//!
//! A client that leaves while its delay runs (end of stream, a reset) is
//! noticed at once: its task ends and its slot and fd are free for the next
//! client. A client that shuts down its sending side after the request
//! counts as gone too (as for nginx's "client closed request").

use bitwake::executor::{Either, select};
use bitwake::io::{Error, LogBuffer};
use bitwake::net::{TcpListener, TcpStream};
use bitwake::sys::{self, Errno};
use bitwake::time::{Duration, sleep, timeout};
use bitwake::{spawn, task};
use bitwake_http::{BAD_REQUEST, RequestParser, format_ok};

/// Longest delay the server agrees to (longer requests get 400).
pub const MAX_DELAY_MS: u64 = 120_000;
/// Longest message (percent-decoded) the server answers; longer ones get
/// `400`. The parser stores the message, so this sets most of the memory a
/// connection costs.
pub const MAX_MESSAGE: usize = 64;
/// How long a client may take to send its request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server reads what a client still sends after the answer.
pub const LINGER_TIME: Duration = Duration::from_secs(2);
/// How much the server reads (and drops) after the request before it gives
/// up on a client: during the delay and after the answer.
pub const LINGER_BYTES: usize = 1 << 20;
/// The answer when no connection slot is free.
pub const SERVICE_UNAVAILABLE: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// The request log (stdout): one line per request, never blocking the
/// server; [`write_logs`] writes it out.
pub static LOG: LogBuffer<16384> = LogBuffer::new();
/// Error reports (stderr), written out like [`LOG`].
pub static ERRORS: LogBuffer<2048> = LogBuffer::new();

/// Writes [`LOG`] to stdout and [`ERRORS`] to stderr through the reactor
/// until both fail (e.g. their readers left): a slow or vanished reader
/// costs log lines, never the server.
pub async fn write_logs() {
    let out = async {
        if let Ok(fd) = bitwake::io::stdout() {
            let _ = LOG.drain_to(&fd).await;
        }
    };
    let err = async {
        if let Ok(fd) = bitwake::io::stderr() {
            let _ = ERRORS.drain_to(&fd).await;
        }
    };
    bitwake::executor::join(out, err).await;
}

/// Accepts connections forever, handing each to `start` (which spawns its
/// task). When `start` gives the stream back (every slot busy), the client
/// gets a `503` and the server keeps serving. Resource errors from `accept`
/// (out of fds, memory or registrations) back off briefly instead of
/// spinning: existing connections will free resources.
pub async fn serve(listener: &TcpListener, start: fn(TcpStream) -> Result<(), TcpStream>) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                if let Err(stream) = start(stream) {
                    reject(stream);
                }
            }
            Err(Error::Os(Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM))
            | Err(Error::Capacity(_)) => {
                sleep(Duration::from_millis(10)).await;
            }
            Err(e) => {
                ERRORS.line(format_args!("delayserver: accept failed: {e}"));
                sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Answers `503` (a fresh socket's send buffer always takes it whole) and
/// lingers in a small pool of its own on the core that accepted it (one per
/// core of a thread-per-core server); if that is full too, the stream is
/// closed at once.
fn reject(stream: TcpStream) {
    let _ = sys::send(stream.raw_fd(), SERVICE_UNAVAILABLE, sys::MSG_NOSIGNAL);
    let _ = spawn(rejected(stream));
}

task! {
    pool_size = 64;
    cores = bitwake::rt::cores::MAX_CORES;
    async fn rejected(stream: TcpStream) {
        linger(&stream).await;
    }
}

/// Serves one connection: reads a `GET /{delay_ms}/{message}` (within
/// [`REQUEST_TIMEOUT`]), calls `log(delay_ms, message)`, waits, answers
/// `200` with the message (or `400` for a bad request, or a message longer
/// than [`MAX_MESSAGE`] bytes once decoded), lingers and closes.
/// Garbage, half requests and early disconnects end only this connection.
#[allow(clippy::manual_async_fn)] // not an `async fn`: see the body
pub fn handle(stream: TcpStream, log: impl Fn(u64, &str)) -> impl Future<Output = ()> {
    // `async` blocks rather than `async fn`s here and below: an `async fn`
    // keeps a second copy of its arguments in the connection's future.
    async move {
        // Two steps, so the request's state is gone while the connection
        // lingers: the parser lives only in this block (a block, not a
        // second future, which would hold `stream` and `log` once more).
        let answered = 'answer: {
            let mut parser = RequestParser::<{ MAX_MESSAGE }, 4096>::new();
            // Read buffers live on the stack during a poll (`read_with`),
            // not in the connection's future: only the parser's state is
            // per connection.
            let read_request = async {
                loop {
                    let step = stream
                        .read_with::<512, _>(|bytes| {
                            if bytes.is_empty() {
                                Some(parser.finish().is_ok())
                            } else if parser.feed(bytes).is_err() {
                                Some(false)
                            } else {
                                parser.is_done().then_some(true)
                            }
                        })
                        .await?;
                    if let Some(complete) = step {
                        return Ok::<bool, Error>(complete);
                    }
                }
            };
            // Only the delay is kept across the waits below (the message is
            // read from the parser again when answering): a request borrowed
            // across an await would take room in every connection's future.
            let delay_ms = match timeout(REQUEST_TIMEOUT, read_request).await {
                Ok(Ok(true)) => parser
                    .request()
                    .filter(|r| r.delay_ms <= MAX_DELAY_MS)
                    .map(|r| {
                        log(r.delay_ms, r.message);
                        r.delay_ms
                    }),
                Ok(Ok(false)) => None,
                // A reset, a vanished peer or a silent client: nothing to
                // answer.
                Ok(Err(_)) | Err(_) => break 'answer false,
            };
            let Some(delay_ms) = delay_ms else {
                break 'answer stream.write_all(BAD_REQUEST).await.is_ok();
            };
            let delay = sleep(Duration::from_millis(delay_ms));
            if let Either::Right(()) = select(delay, read_to_end(&stream)).await {
                // The client left (or flooded us): free the slot now.
                break 'answer false;
            }
            let answer = stream.write_all_with::<768>(|out| {
                match parser
                    .request()
                    .map(|r| format_ok(r.message.as_bytes(), out))
                {
                    Some(Ok(len)) => len,
                    _ => copy(BAD_REQUEST, out),
                }
            });
            // The client may be gone by now (EPIPE/ECONNRESET): fine.
            answer.await.is_ok()
        };
        if answered {
            linger(&stream).await;
        }
    }
}

/// Shuts down the write side (the answer is sent, then end of stream) and
/// reads what the client still sends until it closes, within
/// [`LINGER_TIME`] and [`LINGER_BYTES`].
#[allow(clippy::manual_async_fn)] // not an `async fn`: see `handle`
fn linger(stream: &TcpStream) -> impl Future<Output = ()> {
    async move {
        if stream.shutdown(sys::SHUT_WR).is_ok() {
            let _ = timeout(LINGER_TIME, read_to_end(stream)).await;
        }
    }
}

/// Reads and drops input until end of stream, an error (a reset), or more
/// than [`LINGER_BYTES`].
#[allow(clippy::manual_async_fn)] // not an `async fn`: see `handle`
fn read_to_end(stream: &TcpStream) -> impl Future<Output = ()> {
    async move {
        let mut dropped = 0;
        while dropped <= LINGER_BYTES {
            match stream.read_with::<512, _>(|bytes| bytes.len()).await {
                Ok(0) | Err(_) => return,
                Ok(n) => dropped += n,
            }
        }
    }
}

/// Copies `bytes` to the start of `out` (as much as fits); returns the length.
fn copy(bytes: &[u8], out: &mut [u8]) -> usize {
    let n = bytes.len().min(out.len());
    out[..n].copy_from_slice(&bytes[..n]);
    n
}
