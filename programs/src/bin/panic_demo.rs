//! Panics on purpose, so the tests can check what a panic does in a
//! freestanding program: the message goes to stderr and the exit status is 101.
#![no_std]
#![no_main]

bitwake::main!(main);

fn main() {
    let answer = core::hint::black_box(42);
    panic!("deliberate panic: {answer}");
}
