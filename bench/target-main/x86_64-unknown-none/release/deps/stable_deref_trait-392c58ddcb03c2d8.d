/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/stable_deref_trait-392c58ddcb03c2d8.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libstable_deref_trait-392c58ddcb03c2d8.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libstable_deref_trait-392c58ddcb03c2d8.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs:
