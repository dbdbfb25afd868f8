/work/main/bench/runner/target/release/deps/runner-4d956051a51e3d70.d: runner/src/main.rs runner/src/net.rs runner/src/profile.rs runner/src/report.rs runner/src/stats.rs

/work/main/bench/runner/target/release/deps/runner-4d956051a51e3d70: runner/src/main.rs runner/src/net.rs runner/src/profile.rs runner/src/report.rs runner/src/stats.rs

runner/src/main.rs:
runner/src/net.rs:
runner/src/profile.rs:
runner/src/report.rs:
runner/src/stats.rs:
