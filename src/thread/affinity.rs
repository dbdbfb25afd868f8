//! CPU affinity: pinning a thread to one CPU.

use crate::sys::{self, CpuSet, Errno};

/// The CPUs this process may run on (`sched_getaffinity`).
pub fn available_cpus() -> Result<CpuSet, Errno> {
    sys::sched_getaffinity(0)
}

/// Pins the calling thread to `cpu`. `EINVAL` if `cpu` is beyond what a
/// [`CpuSet`] names or not one this process may run on.
pub fn pin_current(cpu: usize) -> Result<(), Errno> {
    let set = CpuSet::single(cpu).ok_or(Errno::EINVAL)?;
    sys::sched_setaffinity(0, &set)
}
