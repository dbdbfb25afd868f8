//! The optional event trace: who polls which task, which bit a wake sets,
//! how long the loop parks, which fd became ready.
//!
//! This is how bitwake answers "who polls this `async` block, and when?":
//! run a program with tracing on (`cargo xtask run --trace` sets
//! `BITWAKE_TRACE=1`) and every step prints a line to stderr. With the
//! `trace` cargo feature off (the default for size-sensitive builds) the
//! [`trace!`](crate::trace!) macro compiles to nothing.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);
/// The sink: a `fn(core::fmt::Arguments)` stored as an address (0 = none).
static SINK: AtomicUsize = AtomicUsize::new(0);

/// Turns tracing on, sending each line to `sink`.
pub fn enable(sink: fn(core::fmt::Arguments<'_>)) {
    SINK.store(sink as usize, Ordering::Release);
    ENABLED.store(true, Ordering::Release);
}

/// Turns tracing off.
pub fn disable() {
    ENABLED.store(false, Ordering::Release);
}

/// Whether tracing is on.
#[inline(always)]
pub fn enabled() -> bool {
    cfg!(feature = "trace") && ENABLED.load(Ordering::Relaxed)
}

#[doc(hidden)]
pub fn emit(args: core::fmt::Arguments<'_>) {
    let sink = SINK.load(Ordering::Acquire);
    if sink != 0 {
        // SAFETY: SINK only ever holds 0 or a `fn(Arguments)` stored by `enable`.
        let sink: fn(core::fmt::Arguments<'_>) = unsafe { core::mem::transmute(sink) };
        sink(args);
    }
}

/// Emits one trace line when tracing is enabled (and the `trace` feature is on).
#[macro_export]
macro_rules! trace {
    ($($arg:tt)*) => {
        if $crate::trace::enabled() {
            $crate::trace::emit(format_args!($($arg)*));
        }
    };
}
