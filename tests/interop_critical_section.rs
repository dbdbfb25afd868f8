//! bitwake's `critical-section` implementation for Linux (feature
//! `linux-critical-section`): signals are held off for the whole section
//! (nested or not) and delivered right after it, the caller's own signal
//! mask comes back exactly, and threads plus signal handlers serialise.
//!
//! `harness = false`: the signal cases need a process whose only thread is
//! the test, so a signal sent to the process lands on it. Prints libtest's
//! lines so `cargo xtask test` counts the cases.
use bitwake::sys;
use core::cell::Cell;
use critical_section::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

static IN_HANDLER: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
static HANDLED: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_usr1(_: i32) {
    // Enters a critical section from the handler: would spin forever if the
    // interrupted thread could be holding the lock.
    critical_section::with(|cs| {
        let c = IN_HANDLER.borrow(cs);
        c.set(c.get() + 1);
    });
    HANDLED.fetch_add(1, SeqCst);
}

fn install() {
    sys::rt_sigaction(sys::SIGUSR1, &sys::SigAction::handler(on_usr1, 0)).unwrap();
}

fn raise() {
    sys::kill(sys::getpid(), sys::SIGUSR1).unwrap();
}

fn current_mask() -> u64 {
    sys::rt_sigprocmask(sys::SIG_BLOCK, None).unwrap()
}

/// A signal raised inside a (nested) section runs its handler only after
/// the outermost section ends, and the handler can enter one itself.
fn signal_waits_for_the_outermost_section() -> Result<(), String> {
    let before = HANDLED.load(SeqCst);
    critical_section::with(|_| {
        raise();
        critical_section::with(|_| raise());
        // The inner section ended; the outer one still holds signals off.
        if HANDLED.load(SeqCst) != before {
            return Err("handler ran inside a critical section".to_owned());
        }
        Ok(())
    })?;
    // Both sends of one standard signal coalesce while blocked: one run.
    let after = HANDLED.load(SeqCst);
    if after != before + 1 {
        return Err(format!(
            "expected one handler run after the section, got {}",
            after - before
        ));
    }
    Ok(())
}

/// The caller's own mask (here: SIGUSR2 blocked) is exactly what it was.
fn mask_is_restored_exactly() -> Result<(), String> {
    let usr2 = sys::sigmask(sys::SIGUSR2);
    let old = sys::rt_sigprocmask(sys::SIG_BLOCK, Some(usr2)).unwrap();
    let mine = current_mask();
    let inside = critical_section::with(|_| critical_section::with(|_| current_mask()));
    let back = current_mask();
    sys::rt_sigprocmask(sys::SIG_SETMASK, Some(old)).unwrap();
    if inside & sys::sigmask(sys::SIGUSR1) == 0 || inside & sys::sigmask(sys::SIGTERM) == 0 {
        return Err(format!("signals not blocked inside: {inside:#x}"));
    }
    if back != mine {
        return Err(format!("mask {mine:#x} came back as {back:#x}"));
    }
    Ok(())
}

static SHARED: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));

/// Threads and signal handlers: a non-atomic read-modify-write under the
/// section loses nothing, and every handler run is counted under it too.
fn threads_and_handlers_serialise() -> Result<(), String> {
    const THREADS: u64 = 4;
    const ROUNDS: u64 = 20_000;
    let handled_before = critical_section::with(|cs| IN_HANDLER.borrow(cs).get());
    let atomics_before = HANDLED.load(SeqCst);
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..ROUNDS {
                    critical_section::with(|cs| {
                        let c = SHARED.borrow(cs);
                        let v = c.get();
                        core::hint::spin_loop();
                        c.set(v + 1);
                    });
                }
            })
        })
        .collect();
    // Signals at the process land on whichever thread does not block them,
    // often one inside a section: it must be held off, not deadlock.
    for _ in 0..200 {
        raise();
        std::thread::yield_now();
    }
    for w in workers {
        w.join().map_err(|_| "worker panicked".to_owned())?;
    }
    let total = critical_section::with(|cs| SHARED.borrow(cs).get());
    if total != THREADS * ROUNDS {
        return Err(format!("lost updates: {total} != {}", THREADS * ROUNDS));
    }
    let in_section = critical_section::with(|cs| IN_HANDLER.borrow(cs).get()) - handled_before;
    let counted = HANDLED.load(SeqCst) - atomics_before;
    if in_section != counted || counted == 0 {
        return Err(format!(
            "handler runs: {in_section} in sections, {counted} counted"
        ));
    }
    Ok(())
}

fn main() {
    install();
    type Case = fn() -> Result<(), String>;
    let cases: [(&str, Case); 3] = [
        (
            "signal_waits_for_the_outermost_section",
            signal_waits_for_the_outermost_section,
        ),
        ("mask_is_restored_exactly", mask_is_restored_exactly),
        // Last: it starts threads, after which a process signal may land on
        // any of them.
        (
            "threads_and_handlers_serialise",
            threads_and_handlers_serialise,
        ),
    ];
    let mut failed = 0;
    println!("\nrunning {} tests", cases.len());
    for (name, case) in cases {
        match case() {
            Ok(()) => println!("test {name} ... ok"),
            Err(why) => {
                failed += 1;
                println!("test {name} ... FAILED\n    {why}");
            }
        }
    }
    let passed = cases.len() - failed;
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {failed} failed; 0 ignored; 0 measured; 0 filtered out\n"
    );
    if failed > 0 {
        std::process::exit(101);
    }
}
