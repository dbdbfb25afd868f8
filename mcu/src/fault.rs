//! What a fault handler reports: a fiber that ran into its MPU stack guard.

/// Call first thing in the program's `HardFault` handler: when the fault is
/// the running fiber hitting the MPU guard at the bottom of its stack
/// (ARMv7-M boards, see `bitwake::fiber::guard_hit`), prints `fiber N
/// overflowed its S-byte stack` to stderr and exits with
/// [`bitwake::fiber::OVERFLOW_EXIT_STATUS`]. Returns for any other fault,
/// and always on boards without the guard (there the canary reports an
/// overflow at the fiber's next switch, as a panic).
pub fn report_fiber_overflow() {
    #[cfg(fiber_mpu_guard)]
    if let Some(hit) = bitwake::fiber::guard_hit() {
        crate::rt::_print(
            2,
            format_args!(
                "fiber {} overflowed its {}-byte stack\n",
                hit.id, hit.stack_size
            ),
        );
        crate::rt::exit(bitwake::fiber::OVERFLOW_EXIT_STATUS);
    }
}
