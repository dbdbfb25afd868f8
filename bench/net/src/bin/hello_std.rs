//! Footprint reference: a std hello world.
fn main() {
    println!("Hello world from std!");
}
