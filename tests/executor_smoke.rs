mod executor_common;
use bitwake::executor::{Executor, JoinError, SpawnError, yield_now};
use executor_common::TestPark;

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);

bitwake::task! {
    pool_size = 2;
    async fn double(x: u32) -> u32 {
        yield_now().await;
        x * 2
    }
}

#[test]
fn spawn_join_full() {
    let r = EXEC.block_on(async {
        let a = EXEC.spawn(double(1)).unwrap();
        let b = EXEC.spawn(double(2)).unwrap();
        assert_eq!(EXEC.spawn(double(3)).unwrap_err(), SpawnError::Full);
        let ra = a.await;
        let c = EXEC.spawn(double(4)).unwrap();
        (ra, b.await, c.await)
    });
    assert_eq!(r, (Ok(2), Ok(4), Ok(8)));
    let _ = JoinError::Cancelled;
}
