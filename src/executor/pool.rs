//! Static task pools: one concrete future type, `N` slots, no header per slot.
//!
//! A [`RawPool`] lives in a `static` (declared by [`task!`](crate::task)). It
//! is all bitmaps plus one 4-byte metadata word per slot; a slot's storage is
//! exactly the future (or, once finished, its output: a union of the two), so
//! occupancy costs no bytes in the slot:
//!
//! | bitmap  | meaning (one bit per slot)                              | written by |
//! |---------|---------------------------------------------------------|------------|
//! | `ready` | woken since last polled                                 | wakers (atomic) |
//! | `used`  | slot taken (from token creation until the output is gone) | spawn / release |
//! | `local` | re-queued by the task's own `Context` waker, woken by the executor itself (joiners), or woken on the executor's thread (`running_here.rs`) | executor's thread and its handlers (`plain_word.rs`) |
//!
//! The per-slot metadata word holds the lifecycle flags and the joiner
//! (`slot_state.rs`). The executor polls a ready slot only if it is
//! `SPAWNED` and not `DONE`, so a stale wake of a free or merely claimed slot
//! polls nothing.
//!
//! Spawn finds a free slot with `trailing_zeros` on `!used` (one `fetch_or`
//! claims it), starting at the word named by a `hint` (the lowest word a
//! release freed a bit in, or the word of the last claim past full words),
//! so a nearly full pool is not scanned from word 0 each time and slots are
//! reused lowest first; at most `N / usize::BITS` word loads in the worst case. It writes
//! the future in place.
//!
//! A pass over the pool is one frame: `run` (the pool's table entry, one
//! indirect call per pool per pass) with the word loop, the slot loop and
//! the task's `poll` inlined. The type-erased paths (join handles, spawn,
//! re-queueing a joiner) reach `meta`, `used` and `local` at offsets computed
//! from `W` alone (`layout.rs`), not through the table.

use super::align::{Align, Alignment};
use super::atomic::{AtomicU32, AtomicUsize, Ordering::*};
use super::error::SpawnError;
use super::exec_core::ExecCore;
use super::header::{Header, PoolVTable};
use super::joiner;
use super::layout;
use super::plain_word;
use super::ready::{self, BITS};
use super::registry;
use super::slot_state::{ABORT, CANCELLED, DETACHED, DONE, JOINER_SHIFT, PANICKED, SPAWNED};
use super::task_id::{MAX_CAPACITY, TaskId};
use super::token::{Placed, SpawnToken};
use super::waker;
use core::cell::UnsafeCell;
use core::future::Future;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::pin::Pin;
use core::task::{Context, Poll};

/// A slot: the future while it runs, its output once it has finished.
#[repr(C)]
pub(crate) union Slot<F, T> {
    fut: ManuallyDrop<F>,
    out: ManuallyDrop<T>,
}

/// Storage layout `(size, align)` a pool needs for futures `F` with output `T`.
/// Used by [`task!`](crate::task) in const context.
#[doc(hidden)]
pub const fn slot_layout<F, T>() -> (usize, usize) {
    (
        core::mem::size_of::<Slot<F, T>>(),
        core::mem::align_of::<Slot<F, T>>(),
    )
}

/// The future type of a task function taking the argument tuple `Args`:
/// lets [`task_layout`] name the future of an `async fn` item.
#[doc(hidden)]
pub trait TaskFn<Args> {
    /// The function's future.
    type Fut: Future;
}

macro_rules! task_fn {
    ($($a:ident),*) => {
        impl<Func, Fut: Future, $($a),*> TaskFn<($($a,)*)> for Func
        where
            Func: Fn($($a),*) -> Fut,
        {
            type Fut = Fut;
        }
    };
}
task_fn!();
task_fn!(A0);
task_fn!(A0, A1);
task_fn!(A0, A1, A2);
task_fn!(A0, A1, A2, A3);
task_fn!(A0, A1, A2, A3, A4);
task_fn!(A0, A1, A2, A3, A4, A5);
task_fn!(A0, A1, A2, A3, A4, A5, A6);
task_fn!(A0, A1, A2, A3, A4, A5, A6, A7);
task_fn!(A0, A1, A2, A3, A4, A5, A6, A7, A8);
task_fn!(A0, A1, A2, A3, A4, A5, A6, A7, A8, A9);
task_fn!(A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
task_fn!(A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
task_fn!(A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);
task_fn!(A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13);
task_fn!(
    A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14
);
task_fn!(
    A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15
);

/// [`slot_layout`] of the future of the task function `f` and its output.
/// Used by [`task!`](crate::task) in const context: a generic function of
/// this crate rather than one the macro defines, so that evaluating the
/// pool's size never needs the program's own function bodies (with an
/// `impl Future` return type that would be a query cycle in optimised
/// builds).
#[doc(hidden)]
pub const fn task_layout<Func: TaskFn<Args>, Args>(f: &Func) -> (usize, usize) {
    let _ = f;
    slot_layout::<Func::Fut, <Func::Fut as Future>::Output>()
}

/// Number of bitmap words for `n` slots.
#[doc(hidden)]
pub const fn words_for(n: usize) -> usize {
    n.div_ceil(BITS)
}

/// The storage of one task pool: `N` slots of `SIZE` bytes aligned to `ALIGN`,
/// `W = ceil(N / usize::BITS)` words per bitmap.
///
/// Not meant to be named by hand: [`task!`](crate::task) computes the
/// parameters from the task function and declares the `static`.
///
/// On 64-bit targets it starts on a cache line of its own: pools of tasks
/// that run on different cores must not share a line, or one core's wakes
/// and spawns evict the other's ready and used words (false sharing). The
/// padding costs at most 63 bytes per pool; 32-bit microcontrollers, with
/// one core and little RAM, keep the tight layout.
#[doc(hidden)]
#[cfg_attr(target_pointer_width = "64", repr(C, align(64)))]
#[cfg_attr(not(target_pointer_width = "64"), repr(C))]
pub struct RawPool<const SIZE: usize, const ALIGN: usize, const N: usize, const W: usize>
where
    Align<ALIGN>: Alignment,
{
    header: Header,
    // `ready` must follow the header directly (see `header.rs`).
    ready: [AtomicUsize; W],
    local: [AtomicUsize; W],
    used: [AtomicUsize; W],
    meta: [AtomicU32; N],
    _align: [<Align<ALIGN> as Alignment>::Archetype; 0],
    slots: [UnsafeCell<MaybeUninit<[u8; SIZE]>>; N],
}

// SAFETY: a slot is used by one party at a time, handed over through the
// `used` bitmap and the metadata word (Acquire/Release); `local` and
// `local_sum` are written only by the thread running the bound executor and
// its handlers, with the updates of `plain_word.rs`. A
// slot's future is written by the thread that creates its token, then
// polled and dropped by the thread running the executor; the two differ
// only if the token crossed threads, which needs the future to be `Send`
// (`SpawnToken<F, A>: Send` only if `F: Send`), or if `Executor::spawn` started
// it, which needs `F: Send` too. A `LocalSpawner` starts a task only on the
// thread of the run it belongs to, and that run drops the task before it
// ends. The output is written on the executor's thread and read or dropped
// by the `JoinHandle`, which crosses threads only if the output is `Send`
// (or, detached, by the executor's thread).
unsafe impl<const SIZE: usize, const ALIGN: usize, const N: usize, const W: usize> Sync
    for RawPool<SIZE, ALIGN, N, W>
where
    Align<ALIGN>: Alignment,
{
}

impl<const SIZE: usize, const ALIGN: usize, const N: usize, const W: usize>
    RawPool<SIZE, ALIGN, N, W>
where
    Align<ALIGN>: Alignment,
{
    /// The type-erased accessors ([`meta_of`], [`release_slot`],
    /// [`wake_local`]) find the fields where this type has them.
    const LAYOUT: () = {
        use core::mem::offset_of;
        assert!(offset_of!(Self, ready) == core::mem::size_of::<Header>());
        assert!(offset_of!(Self, local) == layout::local(W));
        assert!(offset_of!(Self, used) == layout::used(W));
        assert!(offset_of!(Self, meta) == layout::meta(W));
    };

    /// The bits of the last bitmap word that name slots (`< N`).
    const LAST_VALID: usize = if N.is_multiple_of(BITS) {
        usize::MAX
    } else {
        (1usize << (N % BITS)) - 1
    };

    /// An empty pool: every byte is zero, so it lands in `.bss` and costs no
    /// file size (the header's sizes are filled in on first spawn).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::LAYOUT;
        assert!(N > 0 && N <= MAX_CAPACITY, "pool capacity must be 1..=4096");
        assert!(
            W == words_for(N) && W <= BITS,
            "W must be ceil(N / usize::BITS)"
        );
        assert!(SIZE.is_multiple_of(ALIGN));
        Self {
            header: Header::empty(),
            ready: [const { AtomicUsize::new(0) }; W],
            local: [const { AtomicUsize::new(0) }; W],
            used: [const { AtomicUsize::new(0) }; W],
            meta: [const { AtomicU32::new(0) }; N],
            _align: [],
            slots: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
        }
    }

    /// The pool's capacity.
    pub const fn capacity(&self) -> usize {
        N
    }

    #[inline]
    fn hdr(&'static self) -> *const Header {
        (self as *const Self).cast()
    }

    /// # Safety
    /// `h` was produced by `hdr()` of a `'static` pool of exactly this type.
    #[inline]
    unsafe fn from_hdr<'a>(h: *const Header) -> &'a Self {
        // SAFETY: the header is at offset 0 of the `repr(C)` pool.
        unsafe { &*h.cast::<Self>() }
    }

    #[inline]
    fn slot_raw(&self, slot: usize) -> *mut u8 {
        self.slots[slot].get().cast()
    }

    /// Claims a free slot: one `fetch_or` per attempt, starting at the hinted
    /// word; O(W) word loads only when the hint is stale.
    #[inline]
    fn claim(&self) -> Option<usize> {
        let start = if W == 1 {
            0
        } else {
            // The header's `hint`: the lowest word a release freed a bit in,
            // or where a claim last found a free bit past full words. Only a hint (relaxed, may be
            // stale): the loop below still visits every word before reporting
            // `Full`. Always `< W` (stored only from valid word indexes);
            // `min` spares the bounds check.
            (self.header.hint.load(Relaxed) as usize).min(W - 1)
        };
        let mut w = start;
        loop {
            // Only the last word can have bits past `N`.
            let valid = if w == W - 1 {
                Self::LAST_VALID
            } else {
                usize::MAX
            };
            let mut u = self.used[w].load(Relaxed);
            loop {
                let free = !u & valid;
                if free == 0 {
                    break;
                }
                let b = free.trailing_zeros() as usize;
                let bit = 1usize << b;
                // Acquire: pairs with the Release in `release`, so the previous
                // occupant's last writes to the slot are visible.
                let prev = self.used[w].fetch_or(bit, Acquire);
                if prev & bit == 0 {
                    if w != start {
                        self.header.hint.store(w as u8, Relaxed);
                    }
                    return Some(w * BITS + b);
                }
                u = prev | bit;
            }
            w += 1;
            if w == W {
                w = 0;
            }
            if w == start {
                return None;
            }
        }
    }

    /// Creates a task: claims a slot and builds the future in place from
    /// `args`, or, when there is no slot, keeps `args` in the token unused.
    ///
    /// # Safety
    /// Every call on one pool must use the same future type `F` (the pool's
    /// poll function is installed for `F`). [`task!`](crate::task) guarantees
    /// it by keeping the pool private to the task function.
    #[doc(hidden)]
    #[inline]
    pub unsafe fn spawn_token<F, T, A>(
        &'static self,
        args: A,
        make: impl FnOnce(A) -> F,
    ) -> SpawnToken<F, A>
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        // SAFETY: forwarded contract.
        SpawnToken::from(unsafe { self.create(args, make) })
    }

    /// [`spawn_token`](Self::spawn_token)'s work: the task created in a
    /// claimed slot, or the pool's refusal with the arguments.
    ///
    /// # Safety
    /// As [`spawn_token`](Self::spawn_token).
    #[inline]
    pub(crate) unsafe fn create<F, T, A>(
        &'static self,
        args: A,
        make: impl FnOnce(A) -> F,
    ) -> Placed<F, A>
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        const {
            assert!(core::mem::size_of::<Slot<F, T>>() <= SIZE);
            assert!(core::mem::align_of::<Slot<F, T>>() <= ALIGN);
        }
        let h = self.hdr();
        if self.header.vt.load(Relaxed).is_null() {
            // First use: sizes go in now, not in `new`, so that the pool's
            // initial value is all zero (`.bss`, not file bytes). They are
            // stored before `register` publishes the header.
            self.header.init(W, N);
            let vt: &'static PoolVTable = const {
                &PoolVTable {
                    run: Self::run::<F, T>,
                    shutdown: Self::shutdown::<F, T>,
                    drop_unspawned: Self::drop_unspawned::<F, T>,
                    slot_ptr: Self::slot_ptr,
                }
            };
            self.header
                .vt
                .store((vt as *const PoolVTable).cast_mut(), Release);
        }
        // SAFETY: `h` is this static pool's header, with full provenance.
        if let Err(e) = unsafe { registry::register(h) } {
            return Placed::err(e, args);
        }
        let Some(slot) = self.claim() else {
            return Placed::err(SpawnError::Full, args);
        };
        // SAFETY: the slot is ours (claimed), sized and aligned for `Slot<F, T>`
        // (const-asserted above).
        unsafe {
            self.slot_raw(slot).cast::<Slot<F, T>>().write(Slot {
                fut: ManuallyDrop::new(make(args)),
            })
        };
        Placed::ok(h, slot)
    }

    unsafe fn slot_ptr(h: *const Header, slot: usize) -> *mut u8 {
        // SAFETY: `h` is a header of this pool type (vtable contract).
        unsafe { Self::from_hdr(h) }.slot_raw(slot)
    }

    /// Frees `slot`: its storage holds nothing live any more.
    #[inline]
    fn release(&self, slot: usize) {
        self.meta[slot].store(0, Relaxed);
        self.used[slot / BITS].fetch_and(!(1usize << (slot % BITS)), Release);
        // The hint only moves down here (claims move it up past full
        // words), so claims are first-fit: a pool reuses its lowest slots,
        // and the memory a long-running server touches stays bounded by its
        // peak concurrency instead of creeping through the whole pool.
        let w = (slot / BITS) as u8;
        if W > 1 && w < self.header.hint.load(Relaxed) {
            self.header.hint.store(w, Relaxed);
        }
    }

    unsafe fn drop_unspawned<F, T>(h: *const Header, slot: usize) {
        // SAFETY: vtable contract; the token owned the slot and its future.
        let pool = unsafe { Self::from_hdr(h) };
        // SAFETY: the slot holds an initialised `F` nobody else accesses.
        unsafe { ManuallyDrop::drop(&mut (*pool.slot_raw(slot).cast::<Slot<F, T>>()).fut) };
        pool.release(slot);
    }

    /// The task in `slot` has stopped (`flags` = 0: its output is in the
    /// slot). Publishes that and wakes the joiner, or frees the slot if the
    /// handle is gone.
    fn complete<T>(&self, core: &ExecCore, slot: usize, flags: u32) {
        // `fetch_add` is `fetch_or` here: a task completes once, and only
        // this sets DONE, CANCELLED and PANICKED, so those bits are clear
        // (x86 then needs one `lock xadd` instead of a `cmpxchg` loop).
        let prev = self.meta[slot].fetch_add(DONE | flags, AcqRel);
        debug_assert_eq!(prev & (DONE | CANCELLED | PANICKED), 0);
        crate::trace!(
            "task {}:{slot} {}",
            self.header.index(),
            match flags {
                0 => "finished",
                CANCELLED => "cancelled",
                _ => "panicked",
            }
        );
        if prev & DETACHED != 0 {
            if flags == 0 {
                // SAFETY: the output was just written and the handle is gone.
                unsafe { core::ptr::drop_in_place(self.slot_raw(slot).cast::<T>()) };
            }
            self.release(slot);
        } else {
            // SAFETY: completions run on the thread of the executor this
            // pool is bound to, which is `core`.
            unsafe { joiner::wake_joiner(&self.header, prev >> JOINER_SHIFT, core) };
        }
    }

    /// One pass over the pool (executor thread only). Returns whether it found
    /// work (ready or re-queued bits). One frame: `poll_word` and the task's `poll` are inlined.
    ///
    /// Every bit to poll ends up in the executor-private bitmap first: the
    /// remote ready bits (if the one summary load says there are any) are
    /// moved there by [`absorb_remote`](Self::absorb_remote), so the loop
    /// that polls is the same for every capacity, and a pass with only
    /// same-thread wakes costs no atomic read-modify-write and no more
    /// instructions for 4096 slots than for 64.
    unsafe fn run<F: Future<Output = T>, T>(h: *const Header, core: &ExecCore) -> bool {
        // SAFETY: vtable contract.
        let pool = unsafe { Self::from_hdr(h) };
        let index = pool.header.index();
        // The words with executor-private bits. A word's private bits are
        // taken when the pass reaches it (words go in increasing order), and
        // a task re-queues itself only after its word has been visited, so a
        // task that wakes itself waits for the next pass (fairness); words
        // queued during the pass that are not in `ls` are left for the next
        // pass too (their `local_sum` bit is set again). Taken, not swapped:
        // see `plain_word.rs`.
        let mut ls = plain_word::take(&pool.header.local_sum);
        if ready::maybe_pending(&pool.ready, &pool.header.summary) {
            ls |= pool.absorb_remote();
        }
        if W == 1 || ls & ls.wrapping_sub(1) == 0 {
            // At most one word has bits (always so with one word): no word
            // loop, nothing to keep for a next word across the polls.
            if ls != 0 {
                let w = if W == 1 {
                    0
                } else {
                    ls.trailing_zeros() as usize
                };
                debug_assert!(w < W);
                // SAFETY: `w < W` and `local` bits name slots below `N`
                // (see the loop below).
                unsafe {
                    let bits = plain_word::take(pool.local.get_unchecked(w));
                    pool.poll_word::<F, T>(core, index, w, ls, bits);
                }
            }
            return ls != 0;
        }
        let mut m = ls;
        while m != 0 {
            let w = m.trailing_zeros() as usize;
            m &= m - 1;
            debug_assert!(w < W);
            // SAFETY: `w < W`: a `local_sum` bit is set only for the word of
            // a slot below the capacity (`wake_local`'s contract), for a word
            // this loop visited (`poll_word`'s re-queue) or for a ready word
            // (`absorb_remote`, over `W` words). No bounds check in the pass.
            let bits = plain_word::take(unsafe { pool.local.get_unchecked(w) });
            // SAFETY: `w < W` (above); a `local` bit is set only for a slot
            // below the capacity (`wake_local`'s and `mark_slot`'s contracts,
            // whose ready bits `absorb_remote` moves here) or for a slot
            // `poll_word` polled.
            unsafe { pool.poll_word::<F, T>(core, index, w, 1usize << w, bits) };
        }
        // Bits were found (they may all have named stale slots: then the
        // executor just makes one more pass before it parks).
        ls != 0
    }

    /// Moves the remote ready bits (the `ready.rs` scan) into the
    /// executor-private words; returns the words that got bits.
    #[inline(never)]
    fn absorb_remote(&self) -> usize {
        let mut got = 0;
        ready::take(&self.ready, &self.header.summary, |w, bits| {
            if bits != 0 {
                plain_word::or(&self.local[w], bits);
                got |= 1usize << w;
            }
        });
        got
    }

    /// Polls the running tasks named by `bits` (taken from `local[w]`) and
    /// re-queues those that woke themselves.
    ///
    /// # Safety
    /// `w < W`, `wbit == 1 << w` (passed in: the caller has it at hand, so
    /// it is not computed again and kept across the polls), and every bit of
    /// `bits` names a slot below `N`.
    #[inline(always)]
    unsafe fn poll_word<F: Future<Output = T>, T>(
        &self,
        core: &ExecCore,
        index: usize,
        w: usize,
        wbit: usize,
        bits: usize,
    ) {
        debug_assert_eq!(wbit, 1usize << w);
        let mut bits = bits;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let slot = w * BITS + b;
            debug_assert!(slot < N);
            // Acquire: pairs with spawn's Release store, so the future is
            // visible. Free, claimed-but-unspawned and finished slots are
            // skipped: stale wakes poll nothing. One test for the common
            // case (running, not aborted); the rare ones are sorted out below.
            // SAFETY: `slot < N` by the contract.
            let m = unsafe { self.meta.get_unchecked(slot) }.load(Acquire);
            if m & (SPAWNED | DONE | ABORT) != SPAWNED {
                if m & (SPAWNED | DONE) == SPAWNED {
                    // SAFETY: `slot < N`; running, with `ABORT` set.
                    unsafe { self.abort_slot::<F, T>(core, slot) };
                }
                continue;
            }
            // SAFETY: `slot < N`, and the slot is running.
            if unsafe { self.poll_slot::<F, T>(core, index, slot) } {
                // Re-queued at once, not gathered per word: nothing stays
                // live across the next poll. The word's bits were taken
                // before this loop, so the task still waits for the next
                // pass (as does a word whose `local_sum` bit is set again).
                // SAFETY: `w < W` by the contract.
                plain_word::or(unsafe { self.local.get_unchecked(w) }, 1usize << b);
                plain_word::or(&self.header.local_sum, wbit);
            }
        }
    }

    /// Drops the future of a running task whose handle asked for it.
    ///
    /// # Safety
    /// `slot < N`, and its metadata says running with `ABORT` set.
    #[cold]
    unsafe fn abort_slot<F: Future<Output = T>, T>(&self, core: &ExecCore, slot: usize) {
        // SAFETY: `slot < N` by the contract.
        let sp = unsafe { self.slots.get_unchecked(slot) }
            .get()
            .cast::<Slot<F, T>>();
        // SAFETY: running slot: holds a live `F`, executor thread owns it.
        unsafe { ManuallyDrop::drop(&mut (*sp).fut) };
        self.complete::<T>(core, slot, CANCELLED);
    }

    /// Polls one running task. Returns whether it woke itself (re-queue).
    ///
    /// # Safety
    /// `slot < N`, and its metadata word says it is running.
    #[inline(always)]
    unsafe fn poll_slot<F: Future<Output = T>, T>(
        &self,
        core: &ExecCore,
        index: usize,
        slot: usize,
    ) -> bool {
        // SAFETY: `slot < N` by the contract.
        let sp = unsafe { self.slots.get_unchecked(slot) }
            .get()
            .cast::<Slot<F, T>>();
        crate::trace!("poll task {index}:{slot}");
        core.begin_poll(TaskId::new(index, slot));
        let waker = waker::local(core.as_static());
        let mut cx = Context::from_waker(&waker);
        let guard = PanicGuard::<F, T, SIZE, ALIGN, N, W> {
            pool: self,
            core,
            slot,
            _p: core::marker::PhantomData,
        };
        // SAFETY: the future lives in a static slot and is never moved until it
        // is dropped in place.
        let fut = unsafe { Pin::new_unchecked(&mut *(*sp).fut) };
        let r = fut.poll(&mut cx);
        core::mem::forget(guard);
        match r {
            Poll::Ready(out) => {
                // SAFETY: the future is done; drop it in place, then put the
                // output where it was.
                unsafe {
                    ManuallyDrop::drop(&mut (*sp).fut);
                    sp.write(Slot {
                        out: ManuallyDrop::new(out),
                    });
                }
                // A finished task is not re-queued; the flag is cleared for
                // the next poll (see `ExecCore::begin_poll`).
                core.take_self_woken();
                self.complete::<T>(core, slot, 0);
                false
            }
            Poll::Pending => core.take_self_woken(),
        }
    }

    unsafe fn shutdown<F, T>(h: *const Header, core: &ExecCore) {
        // SAFETY: vtable contract.
        let pool = unsafe { Self::from_hdr(h) };
        for w in 0..W {
            plain_word::clear(&pool.local[w]);
            let mut bits = pool.used[w].load(Acquire);
            while bits != 0 {
                let slot = w * BITS + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if pool.meta[slot].load(Acquire) & (SPAWNED | DONE) != SPAWNED {
                    continue;
                }
                // SAFETY: a running slot holds a live `F` owned by the executor.
                unsafe { ManuallyDrop::drop(&mut (*pool.slot_raw(slot).cast::<Slot<F, T>>()).fut) };
                pool.complete::<T>(core, slot, CANCELLED);
            }
        }
        plain_word::clear(&pool.header.local_sum);
    }
}

/// Drops a task whose poll unwound, and marks it panicked.
struct PanicGuard<'a, F, T, const SIZE: usize, const ALIGN: usize, const N: usize, const W: usize>
where
    Align<ALIGN>: Alignment,
{
    pool: &'a RawPool<SIZE, ALIGN, N, W>,
    core: &'a ExecCore,
    slot: usize,
    _p: core::marker::PhantomData<(F, T)>,
}

impl<F, T, const SIZE: usize, const ALIGN: usize, const N: usize, const W: usize> Drop
    for PanicGuard<'_, F, T, SIZE, ALIGN, N, W>
where
    Align<ALIGN>: Alignment,
{
    fn drop(&mut self) {
        let sp = self.pool.slot_raw(self.slot).cast::<Slot<F, T>>();
        // SAFETY: only reached while unwinding out of the task's poll: the
        // future is still live and the executor thread owns it. Dropping a
        // future whose poll panicked is allowed.
        unsafe { ManuallyDrop::drop(&mut (*sp).fut) };
        self.pool
            .complete::<T>(self.core, self.slot, CANCELLED | PANICKED);
    }
}
