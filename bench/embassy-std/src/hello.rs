//! Footprint reference: the smallest embassy (`platform-std`) program that
//! runs a task and prints.
use embassy_executor::Executor;

#[embassy_executor::task]
async fn hello() {
    println!("Hello world from embassy!");
    std::process::exit(0);
}

fn main() {
    let ex: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    ex.run(|sp| sp.spawn(hello().unwrap()));
}
