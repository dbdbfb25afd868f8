//! Bit words of one thread that its own signal handlers may also set: the
//! executor-private ready bits (`local`, `local_sum` of a pool).
//!
//! Only the thread running the executor, and code that interrupts it on the
//! same thread (a signal handler, a fault handler), ever write these words;
//! another thread never does (`running_here.rs` sends it down the atomic path). So
//! the only concurrency to survive is *interruption*, and interruption
//! happens at instruction boundaries. Hence the rules:
//!
//! * setting bits is **one instruction** that reads and writes the word
//!   ([`or`]): a handler runs either before or after it, never between a
//!   load and a store of the same update, so neither side's bits are lost;
//! * taking bits is a load followed by one instruction that clears **only the
//!   bits loaded** ([`take`]): bits a handler sets between the two survive.
//!   Never a load followed by a store of zero, which would drop them.
//!
//! Per architecture:
//!
//! * x86-64: `or [mem], reg` and `and [mem], reg` without `lock`: not atomic
//!   between CPUs (no other CPU writes the word) but indivisible for the
//!   CPU executing them, which is all a same-thread handler can observe. The
//!   `asm!` blocks also act as compiler barriers (no `nomem`).
//! * targets with read-modify-write atomics (aarch64, Armv7-M, RISC-V with
//!   the A extension): a `Relaxed` `fetch_or` / `fetch_and`, which is
//!   signal-safe by definition and costs no barrier: `ldset`/LL-SC without
//!   acquire or release on aarch64 (an exception between the load-exclusive
//!   and the store-exclusive clears the monitor, so the loop retries),
//!   `ldrex`/`strex` on Armv7-M, `amoor.w` on RISC-V.
//! * targets without them (thumbv6m, riscv32imc): a plain load and store.
//!   Sound because there the owner test never passes inside an interrupt
//!   handler (Cortex-M: `IPSR != 0`; RISC-V without the A extension never
//!   takes the plain path), so only thread-mode code writes the word and
//!   nothing can interrupt an update with another one.
//!
//! Under Miri the `asm!` path is replaced by the atomic one.

use super::atomic::{AtomicUsize, Ordering::Relaxed};

/// Sets `bits` in `word`.
#[inline(always)]
pub(crate) fn or(word: &AtomicUsize, bits: usize) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    // SAFETY: `word` is a live, aligned `usize`; the instruction is
    // indivisible with respect to this thread's signal handlers, and no other
    // thread writes the word (see the module docs).
    unsafe {
        core::arch::asm!(
            "or qword ptr [{p}], {b}",
            p = in(reg) word.as_ptr(),
            b = in(reg) bits,
            options(nostack),
        );
    }
    #[cfg(all(not(all(target_arch = "x86_64", not(miri))), target_has_atomic = "ptr"))]
    word.fetch_or(bits, Relaxed);
    #[cfg(all(
        not(all(target_arch = "x86_64", not(miri))),
        not(target_has_atomic = "ptr")
    ))]
    word.store(word.load(Relaxed) | bits, Relaxed);
}

/// Takes every bit of `word`: returns them and clears exactly those.
#[inline(always)]
pub(crate) fn take(word: &AtomicUsize) -> usize {
    let v = word.load(Relaxed);
    if v != 0 {
        clear_bits(word, v);
    }
    v
}

/// Clears `bits` in `word` (bits set meanwhile by a handler survive).
#[inline(always)]
fn clear_bits(word: &AtomicUsize, bits: usize) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    // SAFETY: as in `or`.
    unsafe {
        core::arch::asm!(
            "and qword ptr [{p}], {b}",
            p = in(reg) word.as_ptr(),
            b = in(reg) !bits,
            options(nostack),
        );
    }
    #[cfg(all(not(all(target_arch = "x86_64", not(miri))), target_has_atomic = "ptr"))]
    word.fetch_and(!bits, Relaxed);
    #[cfg(all(
        not(all(target_arch = "x86_64", not(miri))),
        not(target_has_atomic = "ptr")
    ))]
    word.store(word.load(Relaxed) & !bits, Relaxed);
}

/// Whether `word` has any bit set.
#[inline(always)]
pub(crate) fn any(word: &AtomicUsize) -> bool {
    word.load(Relaxed) != 0
}

/// Empties `word` (executor shutdown: its tasks are gone, so are their
/// pending wakes; no handler takes the plain path any more by then).
#[inline(always)]
pub(crate) fn clear(word: &AtomicUsize) {
    word.store(0, Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_returns_and_clears_only_what_it_saw() {
        let w = AtomicUsize::new(0);
        or(&w, 0b1010);
        or(&w, 0b0001);
        assert_eq!(take(&w), 0b1011);
        assert_eq!(take(&w), 0);
        or(&w, 1 << (usize::BITS - 1));
        assert!(any(&w));
        clear_bits(&w, 0b1);
        assert_eq!(w.load(Relaxed), 1 << (usize::BITS - 1));
        clear(&w);
        assert!(!any(&w));
    }
}
