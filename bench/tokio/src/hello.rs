//! Footprint reference: the smallest tokio program that runs a task and prints.
fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::spawn(async { println!("Hello world from tokio!") })
            .await
            .unwrap()
    });
}
