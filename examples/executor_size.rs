//! Prints the executor's footprint on the host target (x86-64 here):
//! `cargo run -q -p bitwake --example executor_size`
fn main() {
    let f = bitwake::executor::footprint();
    println!("task overhead: {} bytes", f.task_overhead);
    println!(
        "executor static size (64-task pool): {} bytes (futures excluded: pool {} fixed + 64 x {} per slot, executor {}, pool registry {})",
        f.static_for_64(),
        f.pool64_fixed,
        f.task_overhead,
        f.executor,
        f.registry
    );
}
