//! The thread-control block the thread pointer points to.

use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering::*};

/// What the thread pointer points to (see the [module docs](super)).
///
/// `repr(C)` with `this` first: on x86-64 the thread pointer is read as the
/// word at `fs:0`, which is the block's own address.
#[repr(C)]
pub(crate) struct ThreadBlock {
    this: *const ThreadBlock,
    /// The kernel's tid word: `CLONE_PARENT_SETTID` stores the tid,
    /// `CLONE_CHILD_CLEARTID` zeroes it (and futex-wakes) when the thread
    /// is gone. 0 for the main thread (never joined).
    pub(crate) tid: AtomicU32,
    /// Set (`Release`) by the thread after it stored its closure's result.
    pub(crate) finished: AtomicBool,
    /// The core index the runtime runs here, plus one (0: none).
    core: AtomicUsize,
    /// That core's executor (null: none), where `bitwake::spawn` on this
    /// thread starts tasks. Kept here rather than looked up by index so that
    /// a program without a thread-per-core runtime links none of its
    /// statics.
    core_executor: AtomicPtr<()>,
    /// The executor whose run loop is active on this thread and not parked
    /// (null: none). Written only by this thread; read by this thread and
    /// its signal handlers (see `executor/running_here.rs`).
    executor: AtomicPtr<()>,
}

// SAFETY: `this` is only ever the block's own address (never written after
// construction); everything else is atomic.
unsafe impl Sync for ThreadBlock {}

impl ThreadBlock {
    /// Records that this thread runs core `index` of the runtime, with
    /// executor `exec` (both `None` when the run ends).
    pub(crate) fn set_core(&self, core: Option<(usize, *const ())>) {
        let (index, exec) = core.map_or((0, ptr::null()), |(i, e)| (i + 1, e));
        self.core.store(index, Relaxed);
        self.core_executor.store(exec.cast_mut(), Relaxed);
    }

    /// The executor of the runtime core this thread runs (null: none).
    pub(crate) fn core_executor(&self) -> *const () {
        self.core_executor.load(Relaxed)
    }

    /// The executor running on this thread (null: none).
    #[cfg_attr(any(test, feature = "std"), allow(dead_code))]
    #[inline(always)]
    pub(crate) fn executor(&self) -> *const () {
        self.executor.load(Relaxed)
    }

    /// Records the executor running on this thread; returns the previous
    /// one. Only the thread itself calls it (a load and a store: a signal
    /// handler never writes the field).
    #[cfg_attr(any(test, feature = "std"), allow(dead_code))]
    #[inline]
    pub(crate) fn replace_executor(&self, exec: *const ()) -> *const () {
        let prev = self.executor.load(Relaxed);
        self.executor.store(exec.cast_mut(), Relaxed);
        prev
    }

    /// A block at address `this`.
    pub(crate) const fn new(this: *const ThreadBlock) -> Self {
        ThreadBlock {
            this,
            tid: AtomicU32::new(0),
            finished: AtomicBool::new(false),
            core: AtomicUsize::new(0),
            core_executor: AtomicPtr::new(ptr::null_mut()),
            executor: AtomicPtr::new(ptr::null_mut()),
        }
    }
}

/// The main thread's block.
static MAIN: ThreadBlock = ThreadBlock::new(&raw const MAIN);

/// Whether the start-up installed [`MAIN`]: only then does every thread's
/// thread pointer point to a block (spawned threads get theirs from
/// `clone`, and are only spawned by code that runs after start-up).
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Start-up: points the main thread's thread pointer at its block. Called
/// once by the freestanding `_start` path before `main`.
pub(crate) fn install_main() {
    let tp = ptr::from_ref(&MAIN) as usize;
    // SAFETY: MAIN is a static whose first word is its own address; in a
    // freestanding program nothing else uses the thread pointer.
    let r = unsafe { bitwake_arch::set_thread_pointer(tp) };
    // A kernel that refuses arch_prctl leaves the thread pointer unset:
    // then `current` answers "unknown" everywhere instead of faulting.
    if r == 0 {
        INSTALLED.store(true, Release);
    }
}

/// This thread's block, if start-up installed the thread pointer.
#[inline]
pub(crate) fn current() -> Option<&'static ThreadBlock> {
    if !INSTALLED.load(Acquire) {
        return None;
    }
    // SAFETY: once INSTALLED, every thread that runs bitwake code has its
    // thread pointer at a block whose first word is its own address: the
    // main thread's static, or the top of a spawned thread's mapping, which
    // stays mapped while the thread runs.
    let tp = unsafe { bitwake_arch::thread_pointer() };
    // SAFETY: as above; blocks of running threads are live.
    Some(unsafe { &*(tp as *const ThreadBlock) })
}

/// The index of the runtime core this thread runs
/// (`rt::cores`), or `None` on any other thread (or
/// before start-up).
#[inline]
pub fn current_core() -> Option<usize> {
    current()?.core.load(Relaxed).checked_sub(1)
}
