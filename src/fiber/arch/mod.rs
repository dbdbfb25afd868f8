//! The context switch, one file per architecture, only the asm.
//!
//! Every file provides the same five items:
//!
//! * `Context`: where the fiber's and its parent's stack pointers are kept
//!   (`Context::new()` is all zero);
//! * `init(ctx, top, entry)`: builds a fresh fiber's first frame below `top`
//!   so that the first `resume` calls `entry(ctx)` on the fiber's stack;
//! * `resume(ctx) -> status`: parent → fiber, returns the fiber's status word;
//! * `suspend(ctx, status)`: fiber → parent, returns at the next `resume`;
//! * `exit(ctx, status) -> !`: fiber → parent, for the last time.
//!
//! Each saves exactly what its ABI makes callee-saved: the registers LLVM
//! lets inline asm name are declared clobbered (`clobber_abi` plus the
//! callee-saved ones), so the compiler saves only those it has live values
//! in; the few it reserves (frame and base pointers) are pushed by hand.
//!
//! These files live here rather than in `bitwake-arch` (which holds the
//! Linux syscall asm) because fibers also run on the microcontrollers, which
//! that crate does not build for.

#[cfg(target_arch = "x86_64")]
#[path = "x86_64.rs"]
mod imp;

#[cfg(target_arch = "aarch64")]
#[path = "aarch64.rs"]
mod imp;

#[cfg(target_arch = "arm")]
#[path = "arm.rs"]
mod imp;

#[cfg(target_arch = "riscv32")]
#[path = "riscv32.rs"]
mod imp;

pub(crate) use imp::{Context, exit, init, resume, stack_pointer, suspend};
