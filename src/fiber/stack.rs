//! Fiber stacks from static memory: [`FiberStack`] and [`StackPool`].
//!
//! A stack is `N` bytes of `.bss`, nothing more: its bookkeeping (a state
//! word and the high-water mark) lives in its own top 8 bytes, so
//! `size_of::<FiberStack<N>>() == N`. Claiming it is one compare-and-swap
//! (free → in use), so a live stack can never be handed out twice; it is
//! released by the fiber's last owner (see `control.rs`), never by a guard
//! that `mem::forget` could skip: forgetting anything only keeps a stack
//! claimed.
//!
//! A claimed stack is painted with a pattern and its lowest two words hold a
//! canary, checked after every switch out of its fiber; when the fiber is
//! done, the lowest word no longer holding the paint gives the high-water
//! mark ([`FiberStack::high_water`]).

use super::error::StackError;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use portable_atomic::{AtomicU32, AtomicUsize, Ordering::*};

/// The word every unused stack word holds while its fiber runs.
pub(crate) const PAINT: usize = 0x5a5a_5a5a_5a5a_5a5a_u64 as usize;
/// The two lowest words of a claimed stack.
pub(crate) const CANARY: [usize; 2] = [
    0xdead_c0de_f1be_7a11_u64 as usize,
    0x0ff1_ce5a_fe57_ac4b_u64 as usize,
];
/// Bytes at the top of every static stack for its state word and mark.
pub(crate) const HEAD: usize = 8;
/// Alignment of every stack top (the strictest of the supported ABIs).
pub(crate) const ALIGN: usize = 16;

const FREE: u32 = 0;
const IN_USE: u32 = 1;
/// A fiber was dropped while suspended: its frames may hold pinned values,
/// so the stack is never written again.
const ABANDONED: u32 = 2;

/// A claimed stack: the memory a fiber runs on and how to give it back.
pub struct StackRef {
    pub(crate) bottom: *mut u8,
    /// End of the memory the fiber may use (exclusive, [`ALIGN`]ed).
    pub(crate) top: *mut u8,
    /// Whole size, as reported in overflow messages.
    pub(crate) size: usize,
    pub(crate) kind: StackKind,
}

/// How a claimed stack goes back.
#[derive(Clone, Copy)]
pub(crate) enum StackKind {
    /// A [`FiberStack`]: its state word sits at `top`.
    Static,
    /// An `mmap`ed stack (Linux): unmapped on release.
    #[cfg(all(
        any(feature = "linux", all(test, target_os = "linux")),
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    Mapped { base: usize, len: usize },
}

/// Where a fiber gets its stack: `&'static` [`FiberStack`] or
/// [`StackPool`], or an owned `MmapStack` on Linux.
pub trait Stack: sealed::Sealed {}

pub(crate) mod sealed {
    /// Claims the memory (the one method of [`Stack`](super::Stack)).
    pub trait Sealed {
        /// Takes the stack for one fiber.
        fn claim(self) -> Result<crate::fiber::stack::StackRef, crate::fiber::error::StackError>;
    }
}

/// `N` bytes of static stack for one fiber at a time.
///
/// ```
/// use bitwake::fiber::FiberStack;
/// static STACK: FiberStack<{ 16 * 1024 }> = FiberStack::new();
/// assert_eq!(core::mem::size_of_val(&STACK), 16 * 1024);
/// ```
///
/// `N` is a multiple of 16 and at least [`FiberStack::MIN`] (a compile-time
/// error otherwise). The fiber's closure and result live at its top, so the
/// room left for its frames is `N` minus those (and a few words of
/// bookkeeping).
#[repr(C, align(16))]
pub struct FiberStack<const N: usize> {
    mem: UnsafeCell<MaybeUninit<[u8; N]>>,
}

// SAFETY: the memory is only written by the fiber that claimed it (one at a
// time, through the state word's compare-and-swap) and by its owner while no
// fiber runs on it; the state word is atomic.
unsafe impl<const N: usize> Sync for FiberStack<N> {}

impl<const N: usize> Default for FiberStack<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> FiberStack<N> {
    /// The smallest stack accepted: room for the bookkeeping, a first frame
    /// and the canary, with some use left.
    pub const MIN: usize = 256;

    /// A free stack (all zero: `.bss`, no file bytes).
    pub const fn new() -> Self {
        assert!(N >= Self::MIN, "a fiber stack needs at least 256 bytes");
        assert!(
            N.is_multiple_of(ALIGN),
            "a fiber stack's size is a multiple of 16"
        );
        assert!(N <= u32::MAX as usize, "a fiber stack is at most 4 GiB");
        Self {
            mem: UnsafeCell::new(MaybeUninit::zeroed()),
        }
    }

    fn base(&self) -> *mut u8 {
        self.mem.get().cast()
    }

    fn words(&self) -> &[AtomicU32; 2] {
        // SAFETY: the top 8 bytes are the head, 8-aligned (N is a multiple
        // of 16, the struct 16-aligned), zero-initialised, and only ever
        // accessed as these two atomics.
        unsafe { &*self.base().add(N - HEAD).cast::<[AtomicU32; 2]>() }
    }

    /// Whether no fiber holds this stack.
    pub fn is_free(&self) -> bool {
        self.words()[0].load(Acquire) == FREE
    }

    /// The deepest use of this stack by the last fiber that finished on it,
    /// in bytes from its top (the end of its memory): what `N` could shrink
    /// to. `None` while no fiber has finished on it.
    pub fn high_water(&self) -> Option<usize> {
        match self.words()[1].load(Acquire) {
            0 => None,
            n => Some(n as usize),
        }
    }

    /// The address range of the memory (for checking a depth measured from
    /// inside a fiber against [`high_water`](Self::high_water)).
    pub fn range(&self) -> core::ops::Range<usize> {
        let b = self.base() as usize;
        b..b + N
    }

    fn claim_static(&'static self) -> Option<StackRef> {
        self.words()[0]
            .compare_exchange(FREE, IN_USE, Acquire, Relaxed)
            .ok()?;
        let bottom = self.base();
        // SAFETY: in bounds.
        let top = unsafe { bottom.add(N - ALIGN) };
        // SAFETY: the stack is ours until released; nothing else reads the
        // memory below its head.
        unsafe { paint(bottom, top) };
        Some(StackRef {
            bottom,
            top,
            size: N,
            kind: StackKind::Static,
        })
    }
}

impl<const N: usize> Stack for &'static FiberStack<N> {}

impl<const N: usize> sealed::Sealed for &'static FiberStack<N> {
    fn claim(self) -> Result<StackRef, StackError> {
        self.claim_static().ok_or(StackError::Busy)
    }
}

/// `COUNT` stacks of `N` bytes: a fiber takes the first free one.
///
/// ```
/// use bitwake::fiber::StackPool;
/// static STACKS: StackPool<4096, 100> = StackPool::new();
/// ```
pub struct StackPool<const N: usize, const COUNT: usize> {
    stacks: [FiberStack<N>; COUNT],
    /// Where the next search starts (a stack just released, or after the
    /// last one claimed), so a pool that is filled in order is not scanned
    /// from the start each time.
    hint: AtomicUsize,
}

impl<const N: usize, const COUNT: usize> Default for StackPool<N, COUNT> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const COUNT: usize> StackPool<N, COUNT> {
    /// A pool of free stacks (`.bss`).
    pub const fn new() -> Self {
        assert!(COUNT > 0, "a stack pool holds at least one stack");
        Self {
            stacks: [const { FiberStack::new() }; COUNT],
            hint: AtomicUsize::new(0),
        }
    }

    /// The stacks (to read their [`high_water`](FiberStack::high_water)).
    pub fn stacks(&self) -> &[FiberStack<N>; COUNT] {
        &self.stacks
    }
}

impl<const N: usize, const COUNT: usize> Stack for &'static StackPool<N, COUNT> {}

impl<const N: usize, const COUNT: usize> sealed::Sealed for &'static StackPool<N, COUNT> {
    fn claim(self) -> Result<StackRef, StackError> {
        let start = self.hint.load(Relaxed) % COUNT;
        for i in (start..COUNT).chain(0..start) {
            let s = &self.stacks[i];
            if s.is_free()
                && let Some(r) = s.claim_static()
            {
                self.hint.store(i + 1, Relaxed);
                return Ok(r);
            }
        }
        Err(StackError::Busy)
    }
}

/// Fills `bottom..top` with the paint, then writes the canary at `bottom`.
///
/// # Safety
/// The range is writable, word-aligned memory nobody else uses.
pub(crate) unsafe fn paint(bottom: *mut u8, top: *mut u8) {
    let words = (top as usize - bottom as usize) / size_of::<usize>();
    let p = bottom.cast::<usize>();
    // SAFETY: the caller's contract.
    unsafe {
        for i in 0..words {
            p.add(i).write_volatile(PAINT);
        }
        write_canary(bottom);
    }
}

/// Writes the canary at `bottom`.
///
/// # Safety
/// Two writable words at `bottom`.
pub(crate) unsafe fn write_canary(bottom: *mut u8) {
    // SAFETY: the caller's contract.
    unsafe { bottom.cast::<[usize; 2]>().write_volatile(CANARY) };
}

/// Whether the canary at `bottom` is intact.
///
/// # Safety
/// `bottom` is the bottom of a claimed stack.
#[inline(always)]
pub(crate) unsafe fn canary_intact(bottom: *const u8) -> bool {
    // SAFETY: the caller's contract.
    unsafe { bottom.cast::<[usize; 2]>().read_volatile() == CANARY }
}

/// Bytes between `top` and the lowest word below it that no longer holds the
/// paint (the canary counts as paint).
///
/// # Safety
/// `bottom..top` is a stack painted by [`paint`], not in use.
unsafe fn used_depth(bottom: *const u8, top: *const u8) -> usize {
    let p = bottom.cast::<usize>();
    let words = (top as usize - bottom as usize) / size_of::<usize>();
    let mut i = 2;
    // SAFETY: the caller's contract; `i < words`.
    while i < words && unsafe { p.add(i).read_volatile() } == PAINT {
        i += 1;
    }
    top as usize - (bottom as usize + i * size_of::<usize>())
}

/// Gives a claimed stack back (the fiber is gone and so is everything it
/// left at the top).
///
/// # Safety
/// `r` came from a claim and is released once; nothing uses the memory.
pub(crate) unsafe fn release(r: &StackRef) {
    match r.kind {
        StackKind::Static => {
            // SAFETY: the caller's contract; the head follows `top`.
            let end = unsafe { r.top.add(ALIGN) };
            // The depth is measured from the end of the memory, so the
            // frames at the top (closure, result, bookkeeping) count.
            // SAFETY: painted at claim, no longer in use.
            let depth = unsafe { used_depth(r.bottom, end) };
            // SAFETY: the head is two atomics (see `FiberStack::words`).
            let w = unsafe { &*end.sub(HEAD).cast::<[AtomicU32; 2]>() };
            w[1].store(depth as u32, Relaxed);
            w[0].store(FREE, Release);
        }
        #[cfg(all(
            any(feature = "linux", all(test, target_os = "linux")),
            any(target_arch = "x86_64", target_arch = "aarch64")
        ))]
        StackKind::Mapped { base, len } => {
            // SAFETY: the caller's contract: the mapping is ours and unused.
            // A failure (EINVAL) would mean these are not a mapping we
            // made; there is nobody to tell.
            let _ = unsafe { crate::sys::munmap(base, len) };
        }
    }
}

/// Marks a stack whose fiber was dropped while suspended: it is never
/// released (its frames may hold pinned values that must not be
/// overwritten).
///
/// # Safety
/// `r` came from a claim.
pub(crate) unsafe fn abandon(r: &StackRef) {
    #[allow(irrefutable_let_patterns)]
    if let StackKind::Static = r.kind {
        // SAFETY: as in `release`.
        let w = unsafe { &*r.top.add(ALIGN - HEAD).cast::<[AtomicU32; 2]>() };
        w[0].store(ABANDONED, Release);
    }
}
