/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/bitwake_echo-fd2c7fcc7fd4b647.d: freestanding/src/echo.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/bitwake_echo-fd2c7fcc7fd4b647: freestanding/src/echo.rs

freestanding/src/echo.rs:
