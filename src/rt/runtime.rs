//! Runtime glue for freestanding Linux programs.

/// With the `trace` feature, `BITWAKE_TRACE=1` turns the event trace on
/// (printed to stderr).
pub(crate) fn install_trace_from_env() {
    if cfg!(feature = "trace") && super::env("BITWAKE_TRACE").is_some_and(|v| v != b"0") {
        crate::trace::enable(|args| super::io::_print(2, format_args!("trace: {args}\n")));
    }
}
