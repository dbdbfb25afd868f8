//! argv and envp, as the kernel laid them out on the initial stack.

use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

static ARGC: AtomicUsize = AtomicUsize::new(0);
static ARGV: AtomicPtr<*const u8> = AtomicPtr::new(core::ptr::null_mut());
static ENVP: AtomicPtr<*const u8> = AtomicPtr::new(core::ptr::null_mut());

/// Records the argument and environment vectors.
///
/// # Safety
/// `sp` is the kernel's initial stack pointer (pointing at argc).
pub(super) unsafe fn init(sp: *const usize) {
    // SAFETY: per the ELF start-up ABI, `sp[0]` is argc, `sp[1..=argc]` argv
    // pointers, `sp[argc+1]` null, then envp until a null. These live for the
    // whole process.
    unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *mut *const u8;
        ARGC.store(argc, Ordering::Relaxed);
        ARGV.store(argv, Ordering::Relaxed);
        ENVP.store(argv.add(argc + 1), Ordering::Relaxed);
    }
}

/// The program's arguments, `argv[0]` first, as byte strings.
pub fn args() -> Args {
    Args {
        next: 0,
        len: ARGC.load(Ordering::Relaxed),
    }
}

/// Iterator over the program's arguments (see [`args`]).
pub struct Args {
    next: usize,
    len: usize,
}

impl Iterator for Args {
    type Item = &'static [u8];
    fn next(&mut self) -> Option<&'static [u8]> {
        if self.next >= self.len {
            return None;
        }
        let argv = ARGV.load(Ordering::Relaxed);
        // SAFETY: `next < argc`, so `argv[next]` is one of the kernel-provided,
        // NUL-terminated, process-lifetime strings.
        let s = unsafe { c_str(*argv.add(self.next)) };
        self.next += 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Args {}

/// The value of environment variable `name`, if set.
pub fn env(name: &str) -> Option<&'static [u8]> {
    let mut p = ENVP.load(Ordering::Relaxed);
    if p.is_null() {
        return None;
    }
    loop {
        // SAFETY: envp is a null-terminated array of NUL-terminated strings
        // that live for the whole process.
        let entry = unsafe { *p };
        if entry.is_null() {
            return None;
        }
        // SAFETY: as above.
        let s = unsafe { c_str(entry) };
        if let Some(value) = s
            .strip_prefix(name.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"="))
        {
            return Some(value);
        }
        // SAFETY: the terminating null has not been reached yet.
        p = unsafe { p.add(1) };
    }
}

/// # Safety
/// `p` points at a NUL-terminated string that lives for the whole process.
unsafe fn c_str(p: *const u8) -> &'static [u8] {
    let mut n = 0;
    // A volatile read, so the compiler cannot recognise this loop as
    // `strlen` and call compiler-builtins' 314-byte word-at-a-time version:
    // argv and envp strings are short, and start-up reads them only once.
    // SAFETY: reading up to and including the NUL terminator.
    while unsafe { p.add(n).read_volatile() } != 0 {
        n += 1;
    }
    // SAFETY: `p..p+n` are initialized bytes that are never mutated.
    unsafe { core::slice::from_raw_parts(p, n) }
}
