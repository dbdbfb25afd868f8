/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/bitwake_arch-9b7a7e7124ecff6e.d: /tmp/reactor-maincheck/arch/src/lib.rs /tmp/reactor-maincheck/arch/src/x86_64.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libbitwake_arch-9b7a7e7124ecff6e.rlib: /tmp/reactor-maincheck/arch/src/lib.rs /tmp/reactor-maincheck/arch/src/x86_64.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libbitwake_arch-9b7a7e7124ecff6e.rmeta: /tmp/reactor-maincheck/arch/src/lib.rs /tmp/reactor-maincheck/arch/src/x86_64.rs

/tmp/reactor-maincheck/arch/src/lib.rs:
/tmp/reactor-maincheck/arch/src/x86_64.rs:
