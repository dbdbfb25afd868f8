//! A bitwake `TcpStream`, pipe end or `AsyncFd` passed to code generic over
//! `embedded-io-async` 0.6 *and* 0.7 `Read + Write` (features
//! `embedded-io-async-06`, `embedded-io-async-07`): both releases on the
//! same stream, in the same program, plus the error kinds and readiness.
use bitwake::executor::join;
use bitwake::io::{self, AsyncFd};
use bitwake::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use embedded_io_async_06 as eio06;
use embedded_io_async_07 as eio07;
use std::future::Future;
use std::sync::Mutex;

/// A protocol written against 0.6: send a length-prefixed message, read the
/// reply of the same length.
async fn request_06<S: eio06::Read + eio06::Write>(
    s: &mut S,
    msg: &[u8],
    reply: &mut [u8],
) -> Result<(), S::Error> {
    s.write_all(&[msg.len() as u8]).await?;
    s.write_all(msg).await?;
    s.flush().await?;
    s.read_exact(reply).await.map_err(|e| match e {
        eio06::ReadExactError::Other(e) => e,
        eio06::ReadExactError::UnexpectedEof => panic!("peer closed early"),
    })
}

/// Its server, written against 0.7: reads the request, replies upper-cased.
async fn serve_07<S: eio07::Read + eio07::Write>(s: &mut S) -> Result<usize, S::Error> {
    let mut len = [0u8; 1];
    let mut buf = [0u8; 255];
    s.read_exact(&mut len).await.map_err(|e| match e {
        eio07::ReadExactError::Other(e) => e,
        eio07::ReadExactError::UnexpectedEof => panic!("peer closed early"),
    })?;
    let body = &mut buf[..usize::from(len[0])];
    let mut got = 0;
    while got < body.len() {
        // Plain `read`: may return fewer bytes than asked.
        match s.read(&mut body[got..]).await? {
            0 => panic!("peer closed early"),
            n => got += n,
        }
    }
    body.make_ascii_uppercase();
    s.write_all(body).await?;
    Ok(body.len())
}

/// bitwake's default executor runs on one thread at a time; libtest runs
/// tests on several.
fn block_on<F: Future>(f: F) -> F::Output {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    bitwake::block_on(f)
}

async fn connected() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
    (client.unwrap(), accepted.unwrap().0)
}

#[test]
fn tcp_stream_to_code_generic_over_06_and_07() {
    block_on(async {
        let (mut client, mut server) = connected().await;
        for msg in [&b"hello"[..], b"", &[b'x'; 255]] {
            let mut reply = vec![0u8; msg.len()];
            let (sent, served) = join(
                request_06(&mut client, msg, &mut reply),
                serve_07(&mut server),
            )
            .await;
            sent.unwrap();
            assert_eq!(served.unwrap(), msg.len());
            assert_eq!(reply, msg.to_ascii_uppercase());
        }
        // The other way round on the same pair: 0.7 client, 0.6 server.
        let mut reply = [0u8; 3];
        let req = async {
            eio07::Write::write_all(&mut server, &[3, b'a', b'b', b'c'])
                .await
                .unwrap();
            eio07::Read::read_exact(&mut server, &mut reply)
                .await
                .unwrap();
        };
        let srv = async {
            let mut len = [0u8; 1];
            eio06::Read::read_exact(&mut client, &mut len)
                .await
                .unwrap();
            let mut body = [0u8; 3];
            eio06::Read::read_exact(&mut client, &mut body)
                .await
                .unwrap();
            eio06::Write::write_all(&mut client, &body.map(|b| b.to_ascii_uppercase()))
                .await
                .unwrap();
        };
        join(req, srv).await;
        assert_eq!(&reply, b"ABC");
    });
}

#[test]
fn readiness_empty_buffers_and_end_of_stream() {
    block_on(async {
        let (mut client, mut server) = connected().await;
        assert!(!eio07::ReadReady::read_ready(&mut server).unwrap());
        assert!(!eio06::ReadReady::read_ready(&mut server).unwrap());
        assert!(eio07::WriteReady::write_ready(&mut client).unwrap());
        // Empty buffers return at once, even with nothing to read.
        assert_eq!(eio06::Read::read(&mut server, &mut []).await.unwrap(), 0);
        assert_eq!(eio07::Read::read(&mut server, &mut []).await.unwrap(), 0);
        assert_eq!(eio07::Write::write(&mut client, &[]).await.unwrap(), 0);
        eio06::Write::write_all(&mut client, b"z").await.unwrap();
        // Readiness is the kernel's: poll until the byte has crossed loopback.
        while !eio06::ReadReady::read_ready(&mut server).unwrap() {
            bitwake::executor::yield_now().await;
        }
        assert!(eio07::ReadReady::read_ready(&mut server).unwrap());
        drop(client);
        let mut buf = [0u8; 4];
        assert_eq!(eio07::Read::read(&mut server, &mut buf).await.unwrap(), 1);
        assert_eq!(
            eio06::Read::read(&mut server, &mut buf).await.unwrap(),
            0,
            "end of stream"
        );
        let short = eio07::Read::read_exact(&mut server, &mut buf).await;
        assert!(matches!(short, Err(eio07::ReadExactError::UnexpectedEof)));
    });
}

#[test]
fn pipes_and_error_kinds_in_both_releases() {
    block_on(async {
        let (mut r, mut w): (AsyncFd, AsyncFd) = io::pipe().unwrap();
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut back = vec![0u8; data.len()];
        // More than the pipe holds: both sides wait on each other.
        let (wr, rd) = join(
            eio07::Write::write_all(&mut w, &data),
            eio06::Read::read_exact(&mut r, &mut back),
        )
        .await;
        wr.unwrap();
        rd.unwrap();
        assert!(back == data);
        drop(r);
        let e = eio06::Write::write(&mut w, b"x").await.unwrap_err();
        assert_eq!(e, io::Error::Os(bitwake::sys::Errno::EPIPE));
        assert_eq!(eio06::Error::kind(&e), eio06::ErrorKind::BrokenPipe);
        assert_eq!(eio07::Error::kind(&e), eio07::ErrorKind::BrokenPipe);
        let refused = TcpStream::connect(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 1)).await;
        let e = refused.err().expect("nothing listens on port 1");
        assert_eq!(eio07::Error::kind(&e), eio07::ErrorKind::ConnectionRefused);
    });
}
