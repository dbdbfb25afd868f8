//! `try_spawn` hands back what it could not take: a full pool returns the
//! task function's arguments unchanged (same value, not dropped, not
//! copied), later refusals say why, and `spawn` keeps returning the bare
//! error.
mod executor_common;
use bitwake::executor::{Executor, Rejected, SpawnError, yield_now};
use executor_common::TestPark;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static PARK: TestPark = TestPark::new();
static EXEC: Executor = Executor::new(&PARK);
static PARK2: TestPark = TestPark::new();
static EXEC2: Executor = Executor::new(&PARK2);
static OTHER_PARK: TestPark = TestPark::new();
static OTHER: Executor = Executor::new(&OTHER_PARK);

/// A value whose identity and drops are observable.
#[derive(Debug, PartialEq)]
struct Conn {
    id: u32,
    bytes: Vec<u8>,
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

impl Drop for Conn {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Relaxed);
    }
}

bitwake::task! {
    pool_size = 2;
    async fn serve(conn: Conn, tag: &'static str) -> u32 {
        yield_now().await;
        let _ = tag;
        conn.id
    }
}

#[test]
fn a_full_pool_hands_the_arguments_back_unchanged() {
    let a = EXEC.try_spawn(serve(conn(1), "a")).expect("room for 2");
    let b = EXEC.try_spawn(serve(conn(2), "b")).expect("room for 2");
    let drops = DROPS.load(Relaxed);
    let third = conn(3);
    let bytes_at = third.bytes.as_ptr();
    match EXEC.try_spawn(serve(third, "c")) {
        Err(Rejected {
            error: SpawnError::Full,
            args: Some((back, tag)),
        }) => {
            assert_eq!(back.id, 3);
            assert_eq!(back.bytes, b"conn 3");
            assert_eq!(back.bytes.as_ptr(), bytes_at, "the same value, moved back");
            assert_eq!(tag, "c");
            assert_eq!(DROPS.load(Relaxed), drops, "nothing dropped on the way");
        }
        other => panic!(
            "expected Full with the arguments, got {:?}",
            other.map(|_| ())
        ),
    }
    // `spawn` reports the same refusal as a bare error (and drops them).
    assert_eq!(
        EXEC.spawn(serve(conn(4), "d")).err(),
        Some(SpawnError::Full)
    );
    assert_eq!(EXEC.block_on(a), Ok(1));
    assert_eq!(EXEC.block_on(b), Ok(2));
    // The slots are free again: the same arguments now start a task.
    let h = EXEC.try_spawn(serve(conn(5), "e")).expect("slots freed");
    assert_eq!(EXEC.block_on(h), Ok(5));
}

bitwake::task! {
    pool_size = 1;
    async fn bound(x: u32) -> u32 {
        x
    }
}

#[test]
fn a_refusal_after_the_task_was_built_says_why_without_arguments() {
    let h = EXEC2
        .try_spawn(bound(1))
        .expect("first task binds the pool");
    assert_eq!(EXEC2.block_on(h), Ok(1));
    // The pool is bound to EXEC2: the task was built, so its arguments are
    // gone with it.
    let r = OTHER.try_spawn(bound(2)).map(|_| ());
    assert_eq!(
        r,
        Err(Rejected {
            error: SpawnError::OtherExecutor,
            args: None
        })
    );
    // And the refused task freed its slot.
    let h = EXEC2.try_spawn(bound(3)).expect("slot freed");
    assert_eq!(EXEC2.block_on(h), Ok(3));
}

#[test]
fn messages_say_what_to_do() {
    let full = SpawnError::Full.to_string();
    assert!(full.contains("pool_size"), "{full}");
    let rejected = Rejected {
        error: SpawnError::Full,
        args: Some(()),
    };
    assert_eq!(rejected.to_string(), full);
    assert_eq!(SpawnError::from(rejected), SpawnError::Full);
    assert!(SpawnError::TooManyPools.to_string().contains("many-pools"));
}

fn conn(id: u32) -> Conn {
    Conn {
        id,
        bytes: format!("conn {id}").into_bytes(),
    }
}

static PARK3: TestPark = TestPark::new();
static EXEC3: Executor = Executor::new(&PARK3);

bitwake::task! {
    pool_size = 1;
    async fn pending(id: u32) -> u32 {
        core::future::pending::<()>().await;
        id
    }
}

/// What the README says about `abort` and a full pool: the aborted task's
/// slot stays taken until its handle has observed the abort (awaited it)
/// or is dropped, and meanwhile a spawn gets its arguments back.
#[test]
fn an_aborted_task_frees_its_slot_once_its_handle_observed_it() {
    EXEC3.block_on(async {
        let h = EXEC3.try_spawn(pending(1)).expect("empty pool");
        yield_now().await;
        h.abort();
        yield_now().await; // the executor drops the future in place
        assert!(h.is_finished());
        let r = EXEC3.try_spawn(pending(2)).map(|_| ());
        assert_eq!(
            r,
            Err(Rejected {
                error: SpawnError::Full,
                args: Some((2,))
            })
        );
        assert_eq!(h.await, Err(bitwake::executor::JoinError::Cancelled));
        let h = EXEC3.try_spawn(pending(3)).expect("observed: slot free");
        h.abort();
        drop(h);
        yield_now().await;
        let h = EXEC3.try_spawn(pending(4)).expect("dropped: slot free");
        h.abort();
        assert!(h.await.is_err());
    });
}
