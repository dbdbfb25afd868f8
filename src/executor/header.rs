//! The type-erased head of every task pool.
//!
//! Every pool is a `#[repr(C)]` struct that starts with a [`Header`]
//! immediately followed by its ready words `[AtomicUsize; header.words]`. A
//! remote waker carries a [`TaskId`](super::task_id::TaskId) (registry index
//! and slot): the [registry](super::registry) turns the index into the
//! header, the ready words follow it, and `exec` names the executor to rouse.

use super::atomic::{AtomicPtr, AtomicU8, AtomicU16, AtomicU32, AtomicUsize, Ordering};
use super::atomic_waker::AtomicWaker;
use super::exec_core::ExecCore;
use super::ready;
use super::task_id::MAX_CAPACITY;
use core::ptr;

/// Functions of one concrete pool type, installed at its first spawn.
pub(crate) struct PoolVTable {
    /// One pass over the pool's ready slots (executor thread only).
    pub(crate) run: unsafe fn(*const Header, &ExecCore) -> bool,
    /// Drops every running task in place (executor shutdown).
    pub(crate) shutdown: unsafe fn(*const Header, &ExecCore),
    /// Drops the unspawned future in `slot` and frees it (a dropped token).
    pub(crate) drop_unspawned: unsafe fn(*const Header, usize),
    /// Address of `slot`'s storage (the future, or once finished the output,
    /// both at offset 0).
    pub(crate) slot_ptr: unsafe fn(*const Header, usize) -> *mut u8,
}

/// The first field of every pool.
#[repr(C)]
pub(crate) struct Header {
    /// One bit per ready word (only used when `words > 1`); sticky while
    /// the word is busy, see `ready.rs`.
    pub(crate) summary: AtomicUsize,
    /// One bit per executor-private word (`local` in `pool.rs`) that may
    /// have bits. Written only by the bound executor's thread and its
    /// handlers (`plain_word.rs`); here, at a fixed offset, so a wake on
    /// that thread finds it without computing one.
    pub(crate) local_sum: AtomicUsize,
    /// The executor this pool is bound to (null: not yet bound). Set once.
    pub(crate) exec: AtomicPtr<ExecCore>,
    /// The next pool bound to the same executor (null: the last). Set once,
    /// when this pool is appended to its executor's list (see `run.rs`).
    pub(crate) next: AtomicPtr<Header>,
    /// The pool's functions (null until its first task is created).
    pub(crate) vt: AtomicPtr<PoolVTable>,
    /// Number of ready words that follow the header (at most `usize::BITS`).
    /// Zero until the pool is first used, so that an unused pool is all zero
    /// bytes and lands in `.bss` rather than in the file (see
    /// [`Header::init`]).
    pub(crate) words: AtomicU8,
    /// A pool's free-slot hint: the `used` word its `claim` looks at first
    /// (see `pool.rs`). Shares a word with `words`, `capacity` and `index`,
    /// so it costs no bytes.
    pub(crate) hint: AtomicU8,
    /// Registry index + 1 (0: not yet registered; at most `MAX_POOLS`).
    pub(crate) index: AtomicU16,
    /// Number of slots (bits) that are valid (at most `MAX_CAPACITY`); zero
    /// until first use, which makes every id of a never-used pool out of
    /// range.
    pub(crate) capacity: AtomicU32,
    /// The joiner of this pool's tasks that is not a task of the pool's
    /// executor, if any.
    pub(crate) foreign: AtomicWaker,
}

// The sizes fit their fields.
const _: () = assert!(usize::BITS <= u8::MAX as u32 && MAX_CAPACITY <= u32::MAX as usize);
// The ready words follow the header with no padding.
const _: () =
    assert!(core::mem::size_of::<Header>().is_multiple_of(core::mem::align_of::<AtomicUsize>()));

impl Header {
    /// A header whose sizes are filled in by [`init`](Self::init) on first
    /// use: every field is zero.
    pub(crate) const fn empty() -> Self {
        Self {
            summary: AtomicUsize::new(0),
            local_sum: AtomicUsize::new(0),
            exec: AtomicPtr::new(ptr::null_mut()),
            next: AtomicPtr::new(ptr::null_mut()),
            vt: AtomicPtr::new(ptr::null_mut()),
            words: AtomicU8::new(0),
            hint: AtomicU8::new(0),
            index: AtomicU16::new(0),
            capacity: AtomicU32::new(0),
            foreign: AtomicWaker::new(AtomicUsize::new(0)),
        }
    }

    /// Fills in the sizes of an [`empty`](Self::empty) header. Must happen
    /// before the header is published in the registry (whose `Release`
    /// store then publishes these too); racing first users store the same
    /// values.
    #[inline]
    pub(crate) fn init(&self, words: usize, capacity: usize) {
        self.words.store(words as u8, Ordering::Relaxed);
        self.capacity.store(capacity as u32, Ordering::Relaxed);
    }

    /// Number of valid slots (0 before [`init`](Self::init)).
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity.load(Ordering::Relaxed) as usize
    }

    /// Registry index (meaningful once registered; for traces and ids).
    #[inline]
    pub(crate) fn index(&self) -> usize {
        (self.index.load(Ordering::Relaxed) as usize).wrapping_sub(1)
    }
}

/// The ready words that follow the header.
///
/// # Safety
/// `h` must point to the `Header` at offset 0 of a live `#[repr(C)]` pool
/// whose next field is `[AtomicUsize; (*h).words]`, and carry provenance for
/// the whole pool (derived from a pointer to the pool, not to the field).
#[inline]
pub(crate) unsafe fn ready_words<'a>(h: *const Header) -> &'a [AtomicUsize] {
    // SAFETY: by the caller's contract the words follow the header (the header
    // is all word-sized fields, so no padding) and `h` may reach them.
    unsafe {
        core::slice::from_raw_parts(
            h.add(1).cast::<AtomicUsize>(),
            (*h).words.load(Ordering::Relaxed) as usize,
        )
    }
}

/// Marks `slot` ready and rouses the bound executor if it is parked.
///
/// # Safety
/// As [`mark_slot`].
// Inlined into the remote waker on 64-bit hosts (a wake is one frame);
// one shared copy on 32-bit microcontrollers, where flash is the scarcer
// resource.
#[cfg_attr(target_pointer_width = "64", inline)]
#[cfg_attr(not(target_pointer_width = "64"), inline(never))]
pub(crate) unsafe fn wake_slot(h: *const Header, slot: usize) {
    // SAFETY: forwarded contract.
    unsafe { mark_slot(h, slot) };
    // SAFETY: as above.
    let e = unsafe { (*h).exec.load(Ordering::Acquire) };
    if !e.is_null() {
        // SAFETY: `exec` only ever holds a pointer to the core of a `'static`
        // executor.
        unsafe { (*e).notify() };
    }
}

/// Marks `slot` ready (the first half of [`wake_slot`]; the caller then
/// notifies the bound executor).
///
/// # Safety
/// As [`ready_words`]; `slot < capacity` (so `slot / BITS < words`: a pool's
/// capacity never exceeds its words' bits).
#[inline]
pub(crate) unsafe fn mark_slot(h: *const Header, slot: usize) {
    // SAFETY: forwarded contract.
    let hdr = unsafe { &*h };
    let w = slot / ready::BITS;
    // SAFETY: the ready words follow the header (see `ready_words`), and
    // `w < words` by the contract.
    let word = unsafe { &*h.add(1).cast::<AtomicUsize>().add(w) };
    let multi = hdr.words.load(Ordering::Relaxed) > 1;
    ready::mark_word(word, &hdr.summary, w, 1usize << (slot % ready::BITS), multi);
    crate::trace!(
        "wake task {}:{slot}: ready word {} |= {:#x}",
        hdr.index(),
        w,
        1usize << (slot % ready::BITS)
    );
}

/// The pool's function table.
///
/// # Safety
/// `h` is a pool header whose first task has been created (so the table is
/// installed).
#[inline]
pub(crate) unsafe fn vt<'a>(h: *const Header) -> &'a PoolVTable {
    // SAFETY: by the caller's contract `vt` holds a `&'static PoolVTable`.
    unsafe { &*(*h).vt.load(Ordering::Acquire) }
}
