//! The delay server's protocol logic — the accept loop and the
//! per-connection handler — shared by the `delayserver` program and the
//! fault-injection tests, which drive the very same code in-process.

use bitwake::io::Error;
use bitwake::net::{TcpListener, TcpStream};
use bitwake::sys::{self, Errno};
use bitwake::time::{Duration, sleep, timeout};
use bitwake_http::{BAD_REQUEST, RequestParser, format_ok};

/// Longest delay the server agrees to (longer requests get 400).
pub const MAX_DELAY_MS: u64 = 120_000;
/// How long a client may take to send its request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The answer when no connection slot is free.
pub const SERVICE_UNAVAILABLE: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

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
                    let _ = sys::send(stream.raw_fd(), SERVICE_UNAVAILABLE, sys::MSG_NOSIGNAL);
                }
            }
            Err(Error::Os(Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM))
            | Err(Error::Capacity(_)) => {
                sleep(Duration::from_millis(10)).await;
            }
            Err(e) => {
                bitwake::eprintln!("delayserver: accept failed: {e}");
                sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Serves one connection: reads a `GET /{delay_ms}/{message}` (within
/// [`REQUEST_TIMEOUT`]), calls `log(delay_ms, message)`, waits, answers
/// `200` with the message (or `400` for a bad request) and closes.
/// Garbage, half requests and early disconnects end only this connection.
pub async fn handle(stream: TcpStream, log: fn(u64, &str)) {
    let mut parser = RequestParser::<512, 4096>::new();
    let read_request = async {
        let mut buf = [0u8; 512];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok::<bool, Error>(parser.finish().is_ok());
            }
            if parser.feed(&buf[..n]).is_err() {
                return Ok(false);
            }
            if parser.is_done() {
                return Ok(true);
            }
        }
    };
    let complete = match timeout(REQUEST_TIMEOUT, read_request).await {
        Ok(Ok(complete)) => complete,
        // A reset, a vanished peer or a silent client: nothing to answer.
        Ok(Err(_)) | Err(_) => return,
    };
    let request = match parser.request() {
        Some(r) if complete && r.delay_ms <= MAX_DELAY_MS => r,
        _ => {
            let _ = stream.write_all(BAD_REQUEST).await;
            return;
        }
    };
    log(request.delay_ms, request.message);
    sleep(Duration::from_millis(request.delay_ms)).await;
    let mut out = [0u8; 768];
    match format_ok(request.message.as_bytes(), &mut out) {
        Ok(len) => {
            // The client may be gone by now (EPIPE/ECONNRESET): fine.
            let _ = stream.write_all(&out[..len]).await;
        }
        Err(_) => {
            let _ = stream.write_all(BAD_REQUEST).await;
        }
    }
}
