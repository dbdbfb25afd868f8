//! The ceiling for the echo scenario: a hand-written single-threaded epoll
//! loop with no executor. Level-triggered; one `read` per readiness (a short
//! read means the socket is drained, so no read ever returns EAGAIN in the
//! steady state) and the bytes go straight back with `write`. A write that
//! does not complete parks the rest and waits for `EPOLLOUT`.
//!
//! `echo_epoll PORT`

use bench_net::*;
use std::collections::HashMap;

fn main() -> std::io::Result<()> {
    let port: u16 = arg(1, 39_001);
    let lfd = listen(port, 1024)?;
    let ep = epoll()?;
    epoll_ctl(ep, libc::EPOLL_CTL_ADD, lfd, libc::EPOLLIN as u32)?;
    let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; 256];
    let mut buf = vec![0u8; 16 * 1024];
    // Unsent bytes of a connection whose socket buffer was full.
    let mut pending: HashMap<i32, Vec<u8>> = HashMap::new();
    loop {
        let n = epoll_wait(ep, &mut evs, -1);
        for ev in &evs[..n] {
            let fd = ev.u64 as i32;
            if fd == lfd {
                loop {
                    // SAFETY: null address pointers are allowed.
                    let c = unsafe {
                        libc::accept4(
                            lfd,
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                            libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                        )
                    };
                    if c < 0 {
                        break;
                    }
                    setsockopt(c, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1);
                    epoll_ctl(ep, libc::EPOLL_CTL_ADD, c, libc::EPOLLIN as u32)?;
                }
                continue;
            }
            if ev.events & libc::EPOLLOUT as u32 != 0 {
                if let Some(p) = pending.get_mut(&fd) {
                    // SAFETY: the buffer is valid for its length.
                    let w = unsafe { libc::write(fd, p.as_ptr().cast(), p.len()) };
                    if w > 0 {
                        p.drain(..w as usize);
                    }
                    if p.is_empty() {
                        pending.remove(&fd);
                        epoll_ctl(ep, libc::EPOLL_CTL_MOD, fd, libc::EPOLLIN as u32)?;
                    }
                }
                continue;
            }
            if pending.contains_key(&fd) {
                continue; // read again only once the echo is out
            }
            // SAFETY: the buffer is valid for its length.
            let r = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if r <= 0 {
                if r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EAGAIN) {
                    // SAFETY: we own fd; closing removes it from the epoll set.
                    unsafe { libc::close(fd) };
                }
                continue;
            }
            let r = r as usize;
            // SAFETY: the first `r` bytes of the buffer were just read.
            let w = unsafe { libc::write(fd, buf.as_ptr().cast(), r) };
            let w = if w < 0 { 0 } else { w as usize };
            if w < r {
                pending.insert(fd, buf[w..r].to_vec());
                epoll_ctl(ep, libc::EPOLL_CTL_MOD, fd, libc::EPOLLOUT as u32)?;
            }
        }
    }
}
