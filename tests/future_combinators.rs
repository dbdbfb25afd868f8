//! `bitwake::future`: `join!`/`select!` for any number of futures, the array
//! forms, fairness, and what is dropped when.

use bitwake::executor::{Executor, SpinPark};
use bitwake::future::{join_array, select_array, select_array_biased, yield_now};
use bitwake::sync::Channel;
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};
use std::cell::{Cell, RefCell};

static PARK: SpinPark = SpinPark;
static EXEC: Executor = Executor::new(&PARK);

/// Ready after `n` pending polls (waking itself each time).
async fn after(n: u32, v: u32) -> u32 {
    for _ in 0..n {
        yield_now().await;
    }
    v
}

/// Counts the times it is dropped.
struct Dropped<'a>(&'a Cell<u32>);
impl Drop for Dropped<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Pending forever; counts its drops.
async fn forever(drops: &Cell<u32>) -> u32 {
    let _d = Dropped(drops);
    core::future::pending::<()>().await;
    0
}

/// Ready at once with `v`; counts its polls.
struct Ready<'a> {
    polls: &'a Cell<u32>,
    v: u32,
}
impl Future for Ready<'_> {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        self.polls.set(self.polls.get() + 1);
        Poll::Ready(self.v)
    }
}

#[test]
fn join_macro_returns_every_output_in_argument_order() {
    let out = EXEC.block_on(async {
        bitwake::join!(
            after(3, 1),
            async { "two" },
            after(1, 3),
            after(0, 4),
            async { 5u8 },
        )
    });
    assert_eq!(out, (1, "two", 3, 4, 5));
    // One future, and a trailing comma.
    assert_eq!(EXEC.block_on(async { bitwake::join!(after(2, 9),) }), (9,));
}

#[test]
fn join_macro_polls_each_future_until_done_and_no_further() {
    let polls = [Cell::new(0), Cell::new(0)];
    let (a, b) = EXEC.block_on(async {
        bitwake::join!(
            async {
                polls[0].set(polls[0].get() + 1);
                after(4, 1).await
            },
            Ready {
                polls: &polls[1],
                v: 2
            },
        )
    });
    assert_eq!((a, b), (1, 2));
    // The ready one was polled once although the join was polled 5 times.
    assert_eq!(polls[1].get(), 1);
}

#[test]
fn join_macro_takes_into_future_arguments() {
    struct Later(u32);
    impl core::future::IntoFuture for Later {
        type Output = u32;
        type IntoFuture = core::future::Ready<u32>;
        fn into_future(self) -> Self::IntoFuture {
            core::future::ready(self.0)
        }
    }
    let v = EXEC.block_on(async { bitwake::join!(Later(1), Later(2)) });
    assert_eq!(v, (1, 2));
}

#[test]
fn join_array_keeps_order_and_handles_empty_arrays() {
    let v = EXEC.block_on(join_array([
        after(5, 0),
        after(0, 1),
        after(2, 2),
        after(1, 3),
    ]));
    assert_eq!(v, [0, 1, 2, 3]);
    let none: [core::future::Ready<u8>; 0] = [];
    assert_eq!(EXEC.block_on(join_array(none)), [0u8; 0]);
}

#[test]
fn select_macro_runs_the_first_branch_to_finish_after_dropping_all() {
    let drops = Cell::new(0);
    let seen = RefCell::new(Vec::new());
    let r = EXEC.block_on(async {
        bitwake::select! {
            v = forever(&drops) => v,
            v = after(2, 20) => {
                // The losers were dropped before this branch runs.
                seen.borrow_mut().push(drops.get());
                v + 1
            }
            v = forever(&drops) => v,
        }
    });
    assert_eq!(r, 21);
    assert_eq!(*seen.borrow(), [2]);
    assert_eq!(drops.get(), 2);
}

#[test]
fn select_branches_may_use_what_the_futures_borrowed() {
    // `recv` borrows `rx` for as long as the future lives; the body takes
    // it mutably, which only compiles because the futures are gone.
    let ch: Channel<u32, 2> = Channel::new();
    ch.try_send(5).unwrap();
    let mut log = Vec::new();
    let got = EXEC.block_on(async {
        let log_ref = &mut log;
        bitwake::select! {
            v = ch.recv() => { log_ref.push(v); ch.len() }
            () = core::future::pending::<()>() => 99,
        }
    });
    assert_eq!(got, 0);
    assert_eq!(log, [Ok(5)]);
}

#[test]
fn select_bodies_can_break_continue_return_and_use_question_mark() {
    fn run() -> Result<u32, &'static str> {
        EXEC.block_on(async {
            let mut rounds = 0;
            let total = loop {
                rounds += 1;
                bitwake::select! {
                    biased;
                    v = after(0, rounds) => {
                        if v < 3 {
                            continue;
                        }
                        if v == 5 {
                            break v * 10;
                        }
                    }
                    () = core::future::pending::<()>() => return Err("pending won"),
                }
                let r: Result<u32, &str> = if rounds > 6 {
                    Err("too many")
                } else {
                    Ok(rounds)
                };
                bitwake::select! {
                    v = async { r } => { v?; }
                }
            };
            Ok(total)
        })
    }
    assert_eq!(run(), Ok(50));
}

#[test]
fn select_patterns_destructure_outputs() {
    let r = EXEC.block_on(async {
        bitwake::select! {
            (a, b) = async { (1, 2) } => a + b,
            [x, ..] = async { [7, 8, 9] } => x,
        }
    });
    // Fair: either may win this first poll, both are ready.
    assert!(r == 3 || r == 7, "{r}");
}

#[test]
fn biased_select_always_takes_the_first_ready_branch() {
    for _ in 0..10 {
        let polls = [Cell::new(0), Cell::new(0), Cell::new(0)];
        let r = EXEC.block_on(async {
            bitwake::select! {
                biased;
                v = Ready { polls: &polls[0], v: 0 } => v,
                v = Ready { polls: &polls[1], v: 1 } => v,
                v = Ready { polls: &polls[2], v: 2 } => v,
            }
        });
        assert_eq!(r, 0);
        assert_eq!(polls.each_ref().map(Cell::get), [1, 0, 0]);
    }
}

#[test]
fn fair_select_in_a_loop_serves_every_always_ready_branch() {
    // Three branches that are always ready: a biased select would run the
    // first every time; the fair one rotates.
    let mut wins = [0u32; 3];
    EXEC.block_on(async {
        for _ in 0..300 {
            let polls = Cell::new(0);
            let k = bitwake::select! {
                v = Ready { polls: &polls, v: 0 } => v,
                v = Ready { polls: &polls, v: 1 } => v,
                v = Ready { polls: &polls, v: 2 } => v,
            };
            // Exactly one input was polled: the winner, polled first.
            assert_eq!(polls.get(), 1);
            wins[k as usize] += 1;
        }
    });
    assert_eq!(wins, [100, 100, 100]);
}

#[test]
fn fair_select_rotates_between_polls_of_one_select() {
    // Two inputs that wake themselves and never finish, and one that
    // finishes on its first poll: it is polled on the select's first poll
    // whichever input comes first, and nothing more is polled after it.
    let polls = Cell::new(0);
    let drops = Cell::new(0);
    let r = EXEC.block_on(async {
        bitwake::select! {
            v = after(u32::MAX, 0) => v,
            v = forever(&drops) => v,
            v = Ready { polls: &polls, v: 7 } => v,
        }
    });
    assert_eq!(r, 7);
    assert_eq!(polls.get(), 1);
    assert_eq!(drops.get(), 1);
}

#[test]
fn select_array_returns_the_winner_and_its_index() {
    let (v, i) = EXEC.block_on(select_array([after(4, 40), after(3, 30), after(6, 60)]));
    assert_eq!((v, i), (30, 1));
    let (v, i) = EXEC.block_on(select_array_biased([after(1, 10), after(1, 11)]));
    assert_eq!((v, i), (10, 0));
}

#[test]
fn select_array_fair_rotates_and_biased_does_not() {
    let mut fair = [0u32; 4];
    let mut biased = [0u32; 4];
    for _ in 0..400 {
        let polls = Cell::new(0);
        let inputs = || [0, 1, 2, 3].map(|v| Ready { polls: &polls, v });
        let (_, i) = EXEC.block_on(select_array(inputs()));
        fair[i] += 1;
        let (_, i) = EXEC.block_on(select_array_biased(inputs()));
        biased[i] += 1;
    }
    // The fair start is one rotor for every `select_array`, so a test
    // running on another thread may shift it a little: near 100 each.
    assert!(fair.iter().all(|&n| (80..=120).contains(&n)), "{fair:?}");
    assert_eq!(biased, [400, 0, 0, 0]);
}

#[test]
fn select_array_drops_the_losers_with_itself() {
    let drops = Cell::new(0);
    {
        let mut f = pin!(select_array([
            forever(&drops),
            forever(&drops),
            forever(&drops)
        ]));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(f.as_mut().poll(&mut cx).is_pending());
        assert_eq!(drops.get(), 0);
    }
    assert_eq!(drops.get(), 3);
}

#[test]
fn the_old_paths_still_work() {
    use bitwake::executor::{Either, join, select};
    let (a, b) = EXEC.block_on(join(after(1, 1), after(2, 2)));
    assert_eq!((a, b), (1, 2));
    let e = EXEC.block_on(select(after(3, 1), after(1, 2)));
    assert_eq!(e, Either::Right(2));
}

#[test]
fn macro_locals_do_not_capture_the_callers_names() {
    // The expansions use locals named like these; hygiene keeps them apart.
    let cell = 1u32;
    let fut = 2u32;
    let out = 3u32;
    let v = 4u32;
    let cx = 5u32;
    let (a, b) =
        EXEC.block_on(async { bitwake::join!(async { cell + fut }, async { out + v + cx }) });
    assert_eq!((a, b), (3, 12));
    let r = EXEC.block_on(async {
        bitwake::select! {
            biased;
            v = async { v * 10 } => v + cell + fut + out + cx,
            cell = async { cell } => cell,
        }
    });
    assert_eq!(r, 40 + 1 + 2 + 3 + 5);
}

#[test]
fn sizes_of_the_combinators() {
    use bitwake::executor::JoinSet;
    use bitwake::sync::broadcast::Broadcast;
    use bitwake::sync::watch::Watch;
    let sizes = [
        ("Broadcast<u32, 64>", size_of::<Broadcast<u32, 64>>()),
        ("Watch<u32>", size_of::<Watch<u32>>()),
        ("JoinSet<u32, 8>", size_of::<JoinSet<u32, 8>>()),
        (
            "JoinArray<Ready<u32>, 4>",
            size_of::<bitwake::future::JoinArray<core::future::Ready<u32>, 4>>(),
        ),
    ];
    for (name, size) in sizes {
        println!("size_of::<{name}>() = {size}");
    }
    // A JoinSet is its handles and a count.
    assert_eq!(
        sizes[2].1,
        8 * size_of::<Option<bitwake::executor::JoinHandle<u32>>>() + size_of::<usize>()
    );
}

#[test]
fn a_future_kept_across_selects_is_polled_by_reference() {
    // The usual loop: one long-lived future (a deadline, say), raced in each
    // round against something new; `&mut` to the pinned future keeps it.
    let r = EXEC.block_on(async {
        let mut deadline = pin!(after(10, 99));
        let mut rounds = 0;
        loop {
            bitwake::select! {
                biased;
                v = &mut deadline => break (v, rounds),
                () = yield_now() => rounds += 1,
            }
        }
    });
    // The deadline's 10 yields were spread over the rounds, not restarted:
    // each round polls it twice (once before and once with the yield).
    assert_eq!(r, (99, 5));
}
