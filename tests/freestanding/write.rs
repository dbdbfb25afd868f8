//! Syscall-level tests of the asm `write`, run natively and under
//! QEMU by `cargo xtask test`.
#![no_std]
#![no_main]
// A failure carries its message inline (no heap), so it is large by design.
#![allow(clippy::result_large_err)]

use bitwake::rt::testing::{self, Outcome};
use bitwake::sys::{self, Errno, O_CLOEXEC, O_NONBLOCK, OwnedFd, SIGPIPE, SigAction};
use bitwake::{cases, check, check_eq};

bitwake::main!(main);

fn main() -> i32 {
    testing::run(cases![
        pipe_roundtrip_exact_bytes,
        zero_length_write_returns_zero,
        write_to_closed_fd_is_ebadf,
        write_to_invalid_fd_is_ebadf,
        write_from_unmapped_pointer_is_efault,
        full_nonblocking_pipe_short_write_then_eagain,
        write_without_reader_is_epipe,
        read_at_eof_returns_zero,
        errno_names_and_descriptions,
    ])
}

fn pipe(flags: u32) -> Result<(OwnedFd, OwnedFd), Errno> {
    let [r, w] = sys::pipe2(flags | O_CLOEXEC)?;
    // SAFETY: pipe2 just created both fds and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw(r), OwnedFd::from_raw(w)) })
}

fn pipe_roundtrip_exact_bytes() -> Outcome {
    let (r, w) = pipe(0)?;
    // Every byte value, so no encoding or NUL handling can hide.
    let mut msg = [0u8; 256];
    for (i, b) in msg.iter_mut().enumerate() {
        *b = i as u8;
    }
    check_eq!(sys::write(w.raw(), &msg)?, 256);
    let mut back = [0u8; 300];
    let n = sys::read(r.raw(), &mut back)?;
    check_eq!(n, 256);
    check!(
        back[..n] == msg[..],
        "bytes read back differ from bytes written"
    );
    Ok(())
}

fn zero_length_write_returns_zero() -> Outcome {
    let (_r, w) = pipe(0)?;
    check_eq!(sys::write(w.raw(), &[])?, 0);
    Ok(())
}

fn write_to_closed_fd_is_ebadf() -> Outcome {
    let (_r, w) = pipe(0)?;
    let fd = w.into_raw();
    sys::close(fd)?;
    check_eq!(sys::write(fd, b"x"), Err(Errno::EBADF));
    Ok(())
}

fn write_to_invalid_fd_is_ebadf() -> Outcome {
    check_eq!(sys::write(-1, b"x"), Err(Errno::EBADF));
    check_eq!(sys::write(1_000_000, b"x"), Err(Errno::EBADF));
    Ok(())
}

fn write_from_unmapped_pointer_is_efault() -> Outcome {
    let (_r, w) = pipe(0)?;
    // Page 0 is never mapped for user programs (vm.mmap_min_addr), under QEMU
    // user mode either: the kernel must refuse, not crash us.
    // SAFETY: the kernel validates the range and only reads from it.
    let r = unsafe { sys::write_raw(w.raw(), 16 as *const u8, 8) };
    check_eq!(r, Err(Errno::EFAULT));
    Ok(())
}

fn full_nonblocking_pipe_short_write_then_eagain() -> Outcome {
    let (r, w) = pipe(O_NONBLOCK)?;
    let chunk = [0x5au8; 4096 * 5];
    let mut total = 0usize;
    let mut saw_short = false;
    // A pipe holds 64 KiB by default; bound the loop well above that.
    for _ in 0..1000 {
        match sys::write(w.raw(), &chunk) {
            Ok(n) if n < chunk.len() => {
                check!(n > 0, "a write on a pipe with room wrote nothing");
                saw_short = true;
                total += n;
            }
            Ok(n) => total += n,
            Err(Errno::EAGAIN) => {
                check!(
                    saw_short,
                    "EAGAIN came without a short write first (total {total})"
                );
                check!(total >= 4096, "pipe took only {total} bytes");
                // Draining makes room again: the next write succeeds.
                let mut sink = [0u8; 8192];
                check_eq!(sys::read(r.raw(), &mut sink)?, 8192);
                check!(
                    sys::write(w.raw(), &chunk[..100])? == 100,
                    "write after drain failed"
                );
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
    }
    check!(false, "pipe never filled up after {total} bytes");
    Ok(())
}

fn write_without_reader_is_epipe() -> Outcome {
    // Ignore SIGPIPE (as bitwake programs that write to pipes must), then the
    // write reports EPIPE instead of killing the process.
    let old = sys::rt_sigaction(SIGPIPE, &SigAction::ignore())?;
    let (r, w) = pipe(0)?;
    drop(r);
    let result = sys::write(w.raw(), b"nobody listens");
    sys::rt_sigaction(SIGPIPE, &old)?;
    check_eq!(result, Err(Errno::EPIPE));
    Ok(())
}

fn read_at_eof_returns_zero() -> Outcome {
    let (r, w) = pipe(0)?;
    check_eq!(sys::write(w.raw(), b"ab")?, 2);
    drop(w);
    let mut buf = [0u8; 8];
    check_eq!(sys::read(r.raw(), &mut buf)?, 2);
    check_eq!(sys::read(r.raw(), &mut buf)?, 0);
    Ok(())
}

fn errno_names_and_descriptions() -> Outcome {
    check_eq!(Errno::EBADF.name(), Some("EBADF"));
    check_eq!(Errno::EBADF.description(), Some("Bad file descriptor"));
    check_eq!(Errno::from_ret(-32isize as usize), Err(Errno::EPIPE));
    check_eq!(
        Errno::from_ret(-4095isize as usize).map_err(|e| e.raw()),
        Err(4095)
    );
    check_eq!(
        Errno::from_ret(-4096isize as usize),
        Ok(-4096isize as usize)
    );
    Ok(())
}
