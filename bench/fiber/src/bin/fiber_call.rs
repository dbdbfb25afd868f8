//! The floor of `fiber_switch`: a round trip that is a plain non-inlined
//! function call and return.

#[inline(never)]
fn step(x: u64) -> u64 {
    std::hint::black_box(x) + 1
}

fn main() {
    let (scenario, p) = bench_fiber::args();
    match scenario.as_str() {
        "switch" => bench_fiber::measure("switch", &p, |n| {
            let mut x = 0;
            for _ in 0..n {
                x = step(x);
            }
            x
        }),
        _ => eprintln!("scenarios: switch; params n reps"),
    }
}
