//! More task pools than `MAX_POOLS`: the extra pools' task functions return
//! `SpawnError::TooManyPools` (an error value), the others keep working, and
//! `block_on` (executors need no registry entry) is unaffected.
mod executor_common;
use bitwake::executor::{Executor, MAX_POOLS, SpawnError, SpawnToken};
use executor_common::TestPark;
use std::future::Future;

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);

/// A module per pool: `$m::make` creates a task in pool `$m`.
macro_rules! pools {
    ($($m:ident)*) => {$(
        mod $m {
            bitwake::task! {
                pool_size = 1;
                pub async fn make(x: u32) -> u32 {
                    x
                }
            }
            pub fn run(x: u32) -> Result<u32, bitwake::executor::SpawnError> {
                crate::spawn_and_join(make(x))
            }
        }
    )*};
}

/// 32 pools in each of 17 modules: 544 pools (more than 64-bit's 512).
macro_rules! groups {
    ($($g:ident)*) => {$(
        mod $g {
            pools!(p0 p1 p2 p3 p4 p5 p6 p7 p8 p9 p10 p11 p12 p13 p14 p15 p16 p17 p18 p19
                   p20 p21 p22 p23 p24 p25 p26 p27 p28 p29 p30 p31);
            pub const ALL: [fn(u32) -> Result<u32, bitwake::executor::SpawnError>; 32] = [
                p0::run, p1::run, p2::run, p3::run, p4::run, p5::run, p6::run, p7::run,
                p8::run, p9::run, p10::run, p11::run, p12::run, p13::run, p14::run, p15::run,
                p16::run, p17::run, p18::run, p19::run, p20::run, p21::run, p22::run, p23::run,
                p24::run, p25::run, p26::run, p27::run, p28::run, p29::run, p30::run, p31::run,
            ];
        }
    )*};
}

groups!(g0 g1 g2 g3 g4 g5 g6 g7 g8 g9 g10 g11 g12 g13 g14 g15 g16);

fn spawn_and_join<F, A>(token: SpawnToken<F, A>) -> Result<u32, SpawnError>
where
    F: Future<Output = u32> + Send + 'static,
{
    let h = EXEC.spawn(token)?;
    Ok(EXEC.block_on(h).expect("the task finishes"))
}

#[test]
fn pools_beyond_max_pools_get_an_error_and_the_rest_keep_working() {
    let all = [
        g0::ALL,
        g1::ALL,
        g2::ALL,
        g3::ALL,
        g4::ALL,
        g5::ALL,
        g6::ALL,
        g7::ALL,
        g8::ALL,
        g9::ALL,
        g10::ALL,
        g11::ALL,
        g12::ALL,
        g13::ALL,
        g14::ALL,
        g15::ALL,
        g16::ALL,
    ]
    .concat();
    assert!(
        all.len() > MAX_POOLS,
        "the test needs more pools than the limit"
    );
    for (i, run) in all.iter().enumerate() {
        let want = if i < MAX_POOLS {
            Ok(i as u32)
        } else {
            Err(SpawnError::TooManyPools)
        };
        assert_eq!(run(i as u32), want, "pool {i}");
    }
    // Registered pools and the executor still work; the refusal is stable.
    assert_eq!(all[0](7), Ok(7));
    assert_eq!(all[MAX_POOLS - 1](8), Ok(8));
    assert_eq!(all[MAX_POOLS](9), Err(SpawnError::TooManyPools));
    assert_eq!(EXEC.block_on(async { 10 }), 10);
}
