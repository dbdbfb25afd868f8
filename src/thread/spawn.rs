//! Spawning and joining threads.

use super::block::ThreadBlock;
use super::stack::{GUARD, Mapping};
use crate::sys::{self, Errno};
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use core::sync::atomic::Ordering::*;

/// The flags of a thread: shared memory, files, fs info, signal handlers and
/// SysV undo lists, same thread group; its own thread pointer; its tid
/// stored in its block and cleared (with a futex wake) when it is gone.
const FLAGS: u32 = sys::CLONE_VM
    | sys::CLONE_FS
    | sys::CLONE_FILES
    | sys::CLONE_SIGHAND
    | sys::CLONE_THREAD
    | sys::CLONE_SYSVSEM
    | sys::CLONE_SETTLS
    | sys::CLONE_PARENT_SETTID
    | sys::CLONE_CHILD_CLEARTID;

/// What lives at the top of a thread's mapping; the thread pointer points to
/// `block`, at offset 0.
#[repr(C)]
struct Packet<F, T> {
    block: ThreadBlock,
    f: UnsafeCell<MaybeUninit<F>>,
    out: UnsafeCell<MaybeUninit<T>>,
}

/// Thread options: the stack size.
#[derive(Clone, Copy, Debug)]
pub struct Builder {
    stack_size: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// The default stack: 256 KiB (memory is only committed as it is touched).
    pub const fn new() -> Self {
        Builder {
            stack_size: 256 * 1024,
        }
    }

    /// A stack of at least `bytes` (rounded up to 64 KiB; at least 64 KiB).
    pub const fn stack_size(self, bytes: usize) -> Self {
        Builder { stack_size: bytes }
    }

    /// Starts a thread running `f`. Errors: the kernel's (`ENOMEM`, `EAGAIN`
    /// at the thread limit), or `EINVAL` for a stack size that overflows.
    pub fn spawn<F, T>(self, f: F) -> Result<JoinHandle<T>, Errno>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        const {
            assert!(
                align_of::<Packet<F, T>>() <= GUARD,
                "closure or result aligned beyond 64 KiB"
            )
        };
        let map = Mapping::new(self.stack_size, size_of::<Packet<F, T>>())?;
        let packet = map.top.cast::<Packet<F, T>>();
        // SAFETY: `top` is 64 KiB aligned (so aligned for the packet), and the
        // top area holds `size_of::<Packet>()` bytes of our fresh mapping.
        unsafe {
            packet.write(Packet {
                block: ThreadBlock::new(packet.cast()),
                f: UnsafeCell::new(MaybeUninit::new(f)),
                out: UnsafeCell::new(MaybeUninit::uninit()),
            })
        };
        // SAFETY: the packet was just written and stays in place.
        let p = unsafe { &*packet };
        let tid_word = p.block.tid.as_ptr();
        // SAFETY: CLONE_VM without an exit signal; the stack top (16-byte
        // aligned: 64 KiB aligned) is ours and unused; the tid word lives in
        // the packet, mapped until the joiner has seen it cleared; `start`
        // runs on that stack with the thread pointer at the packet's block,
        // which starts with its own address.
        let r = unsafe {
            bitwake_arch::clone_thread(
                FLAGS as usize,
                map.top,
                tid_word,
                tid_word,
                packet as usize,
                start::<F, T>,
                packet as usize,
            )
        };
        let tid = match Errno::from_ret(r) {
            Ok(tid) => tid as i32,
            Err(e) => {
                // SAFETY: no thread was created: we still own the closure and
                // the mapping.
                unsafe {
                    (*p.f.get()).assume_init_drop();
                    map.unmap();
                }
                return Err(e);
            }
        };
        Ok(JoinHandle {
            map,
            packet: packet.cast(),
            out: p.out.get().cast(),
            tid,
            _t: PhantomData,
        })
    }
}

/// Starts a thread running `f` with the default [`Builder`].
pub fn spawn<F, T>(f: F) -> Result<JoinHandle<T>, Errno>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f)
}

/// A new thread's first Rust code: runs the closure, stores its result and
/// exits the thread (the kernel then clears the tid word and wakes joiners).
unsafe extern "C" fn start<F: FnOnce() -> T, T>(packet: usize) -> ! {
    // SAFETY: `packet` is the packet `spawn` wrote; it outlives this thread.
    let p = unsafe { &*(packet as *const Packet<F, T>) };
    // SAFETY: `spawn` initialised the closure and only this thread takes it.
    let f = unsafe { (*p.f.get()).assume_init_read() };
    let out = f();
    // SAFETY: only this thread writes the result; the joiner reads it after
    // `finished` (Acquire).
    unsafe { (*p.out.get()).write(out) };
    p.block.finished.store(true, Release);
    // SAFETY: nothing on this stack is borrowed from elsewhere.
    unsafe { sys::exit_thread(0) }
}

/// Owns a spawned thread: [`join`](Self::join) waits for it and returns its
/// result. Dropping the handle detaches the thread: it runs on, and its
/// mapping (stack and block) is never unmapped, since nothing could tell
/// when it is safe to.
pub struct JoinHandle<T> {
    map: Mapping,
    packet: *const ThreadBlock,
    out: *mut MaybeUninit<T>,
    /// The tid `clone` returned: the tid word itself is cleared by the
    /// kernel when the thread exits, which may be before anyone asks.
    tid: i32,
    _t: PhantomData<T>,
}

// SAFETY: the handle only reads the thread's atomics and, once the thread
// is gone, its `T` (which is `Send`).
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads atomics.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    fn block(&self) -> &ThreadBlock {
        // SAFETY: the packet stays mapped while the handle exists.
        unsafe { &*self.packet }
    }

    /// The thread's kernel tid.
    pub fn tid(&self) -> i32 {
        self.tid
    }

    /// Whether the thread has finished (it may not have exited quite yet;
    /// [`join`](Self::join) then waits the last instants).
    pub fn is_finished(&self) -> bool {
        self.block().finished.load(Acquire)
    }

    /// Waits until the thread has exited and returns its closure's result.
    pub fn join(self) -> T {
        let b = self.block();
        loop {
            let tid = b.tid.load(Acquire);
            if tid == 0 {
                break;
            }
            // Shared: the kernel's wake at thread exit is a shared-futex
            // wake. EAGAIN: the word changed; EINTR: a signal. Look again.
            let _ = sys::futex_wait_shared(&b.tid, tid, None);
        }
        // The thread stored `finished` before it exited; Acquire pairs with
        // that store, so its result is visible.
        let done = b.finished.load(Acquire);
        debug_assert!(done);
        // SAFETY: the thread has exited after writing the result (a thread
        // that dies without finishing takes the process with it).
        let out = unsafe { (*self.out).assume_init_read() };
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: the thread is gone and we hold the only handle; `out` has
        // been moved out. `map` is read out of the ManuallyDrop once.
        unsafe { core::ptr::read(&this.map).unmap() };
        out
    }
}
