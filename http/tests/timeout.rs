//! `Http::get`'s deadline against real sockets: a server that accepts and
//! never answers, one that drips its answer a byte at a time (the deadline
//! is for the whole response, not per byte), and one that answers in time.

use bitwake::net::SocketAddrV4;
use bitwake::time::Duration;
use bitwake_http::{DEFAULT_TIMEOUT, GetError, Http};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

/// A loopback server handling one connection with `serve` on a thread.
fn server(serve: fn(TcpStream)) -> SocketAddrV4 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let std::net::SocketAddr::V4(addr) = listener.local_addr().unwrap() else {
        unreachable!("bound to an IPv4 address")
    };
    std::thread::spawn(move || {
        if let Ok((s, _)) = listener.accept() {
            serve(s);
        }
    });
    addr
}

fn read_head(s: &mut TcpStream) {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && matches!(s.read(&mut b), Ok(1)) {
        head.push(b[0]);
    }
}

fn get(addr: SocketAddrV4, limit: Duration) -> (Result<u16, GetError>, std::time::Duration) {
    // The default executor runs one `block_on` at a time; the harness runs
    // tests on several threads.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let start = Instant::now();
    let http = Http::new(addr).with_timeout(limit);
    let r = bitwake::block_on(http.get("/1/x")).map(|r| r.status());
    (r, start.elapsed())
}

#[test]
fn the_default_is_ten_seconds_and_settable() {
    let http = Http::new("127.0.0.1:1".parse().unwrap());
    assert_eq!(http.timeout(), DEFAULT_TIMEOUT);
    assert_eq!(DEFAULT_TIMEOUT, Duration::from_secs(10));
    assert_eq!(
        http.with_timeout(Duration::from_millis(5)).timeout(),
        Duration::from_millis(5)
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let addr = server(|s| {
        std::thread::sleep(std::time::Duration::from_secs(5));
        drop(s);
    });
    let (r, took) = get(addr, Duration::from_millis(300));
    assert_eq!(r, Err(GetError::Timeout));
    assert!(took < std::time::Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_dripped_header_times_out_on_the_total_deadline() {
    let addr = server(|mut s| {
        read_head(&mut s);
        for b in b"HTTP/1.1 200 OK\r\nx-drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    let (r, took) = get(addr, Duration::from_millis(400));
    assert_eq!(r, Err(GetError::Timeout));
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
}

#[test]
fn an_answer_in_time_is_not_cut() {
    let addr = server(|mut s| {
        read_head(&mut s);
        std::thread::sleep(std::time::Duration::from_millis(100));
        let _ = s.write_all(b"HTTP/1.1 503 Busy\r\ncontent-length: 0\r\n\r\n");
    });
    let (r, _) = get(addr, Duration::from_secs(5));
    assert_eq!(r, Ok(503));
}
