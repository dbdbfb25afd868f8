/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/byteorder-02f45b4510ea43d5.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libbyteorder-02f45b4510ea43d5.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libbyteorder-02f45b4510ea43d5.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/byteorder-1.5.0/src/lib.rs:
