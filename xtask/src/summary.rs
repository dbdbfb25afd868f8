//! Counts every check the xtask runs, so `cargo xtask test` can end with the
//! plain `N passed, N failed` line over everything.

#[derive(Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub failures: Vec<String>,
}

impl Summary {
    /// Records one check; a failure is printed at once and again at the end.
    pub fn record(&mut self, name: &str, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                println!("ok     {name}");
            }
            Err(why) => {
                self.failed += 1;
                println!("FAILED {name}: {why}");
                self.failures.push(format!("{name}: {why}"));
            }
        }
    }

    /// Adds counts from a group reported elsewhere (e.g. cargo test).
    pub fn add_counts(&mut self, group: &str, passed: usize, failed: usize, failures: Vec<String>) {
        self.passed += passed;
        self.failed += failed;
        for f in failures {
            self.failures.push(format!("{group}: {f}"));
        }
    }

    /// Prints the failures again and the summary as the very last line.
    pub fn finish(&self) -> bool {
        if !self.failures.is_empty() {
            println!("\nfailures:");
            for f in &self.failures {
                println!("  {f}");
            }
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        self.failed == 0
    }
}
