/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/bitwake-e36304d875c2a30f.d: /tmp/reactor-maincheck/src/lib.rs /tmp/reactor-maincheck/src/io/mod.rs /tmp/reactor-maincheck/src/io/error.rs /tmp/reactor-maincheck/src/io/fd.rs /tmp/reactor-maincheck/src/net/mod.rs /tmp/reactor-maincheck/src/net/tcp.rs /tmp/reactor-maincheck/src/reactor/mod.rs /tmp/reactor-maincheck/src/reactor/driver.rs /tmp/reactor-maincheck/src/reactor/lock.rs /tmp/reactor-maincheck/src/reactor/registry.rs /tmp/reactor-maincheck/src/reactor/timer.rs /tmp/reactor-maincheck/src/sys/mod.rs /tmp/reactor-maincheck/src/sys/backend.rs /tmp/reactor-maincheck/src/sys/errno.rs /tmp/reactor-maincheck/src/sys/fd.rs /tmp/reactor-maincheck/src/sys/types.rs /tmp/reactor-maincheck/src/sys/wrappers.rs /tmp/reactor-maincheck/src/trace.rs /tmp/reactor-maincheck/src/rt/mod.rs /tmp/reactor-maincheck/src/rt/args.rs /tmp/reactor-maincheck/src/rt/io.rs /tmp/reactor-maincheck/src/rt/panic.rs /tmp/reactor-maincheck/src/rt/runtime.rs /tmp/reactor-maincheck/src/rt/start.rs /tmp/reactor-maincheck/src/rt/testing.rs /tmp/reactor-maincheck/src/executor/mod.rs /tmp/reactor-maincheck/src/executor/align.rs /tmp/reactor-maincheck/src/executor/atomic.rs /tmp/reactor-maincheck/src/executor/atomic_waker.rs /tmp/reactor-maincheck/src/executor/futures.rs /tmp/reactor-maincheck/src/executor/header.rs /tmp/reactor-maincheck/src/executor/join.rs /tmp/reactor-maincheck/src/executor/macros.rs /tmp/reactor-maincheck/src/executor/park.rs /tmp/reactor-maincheck/src/executor/pool.rs /tmp/reactor-maincheck/src/executor/ready.rs /tmp/reactor-maincheck/src/executor/registry.rs /tmp/reactor-maincheck/src/executor/run.rs /tmp/reactor-maincheck/src/executor/waker.rs /tmp/reactor-maincheck/src/http/mod.rs /tmp/reactor-maincheck/src/http/client.rs /tmp/reactor-maincheck/src/http/error.rs /tmp/reactor-maincheck/src/http/get.rs /tmp/reactor-maincheck/src/http/server.rs /tmp/reactor-maincheck/src/http/write.rs /tmp/reactor-maincheck/src/time/mod.rs /tmp/reactor-maincheck/src/time/instant.rs /tmp/reactor-maincheck/src/time/interval.rs /tmp/reactor-maincheck/src/time/queue.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libbitwake-e36304d875c2a30f.rlib: /tmp/reactor-maincheck/src/lib.rs /tmp/reactor-maincheck/src/io/mod.rs /tmp/reactor-maincheck/src/io/error.rs /tmp/reactor-maincheck/src/io/fd.rs /tmp/reactor-maincheck/src/net/mod.rs /tmp/reactor-maincheck/src/net/tcp.rs /tmp/reactor-maincheck/src/reactor/mod.rs /tmp/reactor-maincheck/src/reactor/driver.rs /tmp/reactor-maincheck/src/reactor/lock.rs /tmp/reactor-maincheck/src/reactor/registry.rs /tmp/reactor-maincheck/src/reactor/timer.rs /tmp/reactor-maincheck/src/sys/mod.rs /tmp/reactor-maincheck/src/sys/backend.rs /tmp/reactor-maincheck/src/sys/errno.rs /tmp/reactor-maincheck/src/sys/fd.rs /tmp/reactor-maincheck/src/sys/types.rs /tmp/reactor-maincheck/src/sys/wrappers.rs /tmp/reactor-maincheck/src/trace.rs /tmp/reactor-maincheck/src/rt/mod.rs /tmp/reactor-maincheck/src/rt/args.rs /tmp/reactor-maincheck/src/rt/io.rs /tmp/reactor-maincheck/src/rt/panic.rs /tmp/reactor-maincheck/src/rt/runtime.rs /tmp/reactor-maincheck/src/rt/start.rs /tmp/reactor-maincheck/src/rt/testing.rs /tmp/reactor-maincheck/src/executor/mod.rs /tmp/reactor-maincheck/src/executor/align.rs /tmp/reactor-maincheck/src/executor/atomic.rs /tmp/reactor-maincheck/src/executor/atomic_waker.rs /tmp/reactor-maincheck/src/executor/futures.rs /tmp/reactor-maincheck/src/executor/header.rs /tmp/reactor-maincheck/src/executor/join.rs /tmp/reactor-maincheck/src/executor/macros.rs /tmp/reactor-maincheck/src/executor/park.rs /tmp/reactor-maincheck/src/executor/pool.rs /tmp/reactor-maincheck/src/executor/ready.rs /tmp/reactor-maincheck/src/executor/registry.rs /tmp/reactor-maincheck/src/executor/run.rs /tmp/reactor-maincheck/src/executor/waker.rs /tmp/reactor-maincheck/src/http/mod.rs /tmp/reactor-maincheck/src/http/client.rs /tmp/reactor-maincheck/src/http/error.rs /tmp/reactor-maincheck/src/http/get.rs /tmp/reactor-maincheck/src/http/server.rs /tmp/reactor-maincheck/src/http/write.rs /tmp/reactor-maincheck/src/time/mod.rs /tmp/reactor-maincheck/src/time/instant.rs /tmp/reactor-maincheck/src/time/interval.rs /tmp/reactor-maincheck/src/time/queue.rs

/work/wt/reactor/bench/target-main/x86_64-unknown-none/release/deps/libbitwake-e36304d875c2a30f.rmeta: /tmp/reactor-maincheck/src/lib.rs /tmp/reactor-maincheck/src/io/mod.rs /tmp/reactor-maincheck/src/io/error.rs /tmp/reactor-maincheck/src/io/fd.rs /tmp/reactor-maincheck/src/net/mod.rs /tmp/reactor-maincheck/src/net/tcp.rs /tmp/reactor-maincheck/src/reactor/mod.rs /tmp/reactor-maincheck/src/reactor/driver.rs /tmp/reactor-maincheck/src/reactor/lock.rs /tmp/reactor-maincheck/src/reactor/registry.rs /tmp/reactor-maincheck/src/reactor/timer.rs /tmp/reactor-maincheck/src/sys/mod.rs /tmp/reactor-maincheck/src/sys/backend.rs /tmp/reactor-maincheck/src/sys/errno.rs /tmp/reactor-maincheck/src/sys/fd.rs /tmp/reactor-maincheck/src/sys/types.rs /tmp/reactor-maincheck/src/sys/wrappers.rs /tmp/reactor-maincheck/src/trace.rs /tmp/reactor-maincheck/src/rt/mod.rs /tmp/reactor-maincheck/src/rt/args.rs /tmp/reactor-maincheck/src/rt/io.rs /tmp/reactor-maincheck/src/rt/panic.rs /tmp/reactor-maincheck/src/rt/runtime.rs /tmp/reactor-maincheck/src/rt/start.rs /tmp/reactor-maincheck/src/rt/testing.rs /tmp/reactor-maincheck/src/executor/mod.rs /tmp/reactor-maincheck/src/executor/align.rs /tmp/reactor-maincheck/src/executor/atomic.rs /tmp/reactor-maincheck/src/executor/atomic_waker.rs /tmp/reactor-maincheck/src/executor/futures.rs /tmp/reactor-maincheck/src/executor/header.rs /tmp/reactor-maincheck/src/executor/join.rs /tmp/reactor-maincheck/src/executor/macros.rs /tmp/reactor-maincheck/src/executor/park.rs /tmp/reactor-maincheck/src/executor/pool.rs /tmp/reactor-maincheck/src/executor/ready.rs /tmp/reactor-maincheck/src/executor/registry.rs /tmp/reactor-maincheck/src/executor/run.rs /tmp/reactor-maincheck/src/executor/waker.rs /tmp/reactor-maincheck/src/http/mod.rs /tmp/reactor-maincheck/src/http/client.rs /tmp/reactor-maincheck/src/http/error.rs /tmp/reactor-maincheck/src/http/get.rs /tmp/reactor-maincheck/src/http/server.rs /tmp/reactor-maincheck/src/http/write.rs /tmp/reactor-maincheck/src/time/mod.rs /tmp/reactor-maincheck/src/time/instant.rs /tmp/reactor-maincheck/src/time/interval.rs /tmp/reactor-maincheck/src/time/queue.rs

/tmp/reactor-maincheck/src/lib.rs:
/tmp/reactor-maincheck/src/io/mod.rs:
/tmp/reactor-maincheck/src/io/error.rs:
/tmp/reactor-maincheck/src/io/fd.rs:
/tmp/reactor-maincheck/src/net/mod.rs:
/tmp/reactor-maincheck/src/net/tcp.rs:
/tmp/reactor-maincheck/src/reactor/mod.rs:
/tmp/reactor-maincheck/src/reactor/driver.rs:
/tmp/reactor-maincheck/src/reactor/lock.rs:
/tmp/reactor-maincheck/src/reactor/registry.rs:
/tmp/reactor-maincheck/src/reactor/timer.rs:
/tmp/reactor-maincheck/src/sys/mod.rs:
/tmp/reactor-maincheck/src/sys/backend.rs:
/tmp/reactor-maincheck/src/sys/errno.rs:
/tmp/reactor-maincheck/src/sys/fd.rs:
/tmp/reactor-maincheck/src/sys/types.rs:
/tmp/reactor-maincheck/src/sys/wrappers.rs:
/tmp/reactor-maincheck/src/trace.rs:
/tmp/reactor-maincheck/src/rt/mod.rs:
/tmp/reactor-maincheck/src/rt/args.rs:
/tmp/reactor-maincheck/src/rt/io.rs:
/tmp/reactor-maincheck/src/rt/panic.rs:
/tmp/reactor-maincheck/src/rt/runtime.rs:
/tmp/reactor-maincheck/src/rt/start.rs:
/tmp/reactor-maincheck/src/rt/testing.rs:
/tmp/reactor-maincheck/src/executor/mod.rs:
/tmp/reactor-maincheck/src/executor/align.rs:
/tmp/reactor-maincheck/src/executor/atomic.rs:
/tmp/reactor-maincheck/src/executor/atomic_waker.rs:
/tmp/reactor-maincheck/src/executor/futures.rs:
/tmp/reactor-maincheck/src/executor/header.rs:
/tmp/reactor-maincheck/src/executor/join.rs:
/tmp/reactor-maincheck/src/executor/macros.rs:
/tmp/reactor-maincheck/src/executor/park.rs:
/tmp/reactor-maincheck/src/executor/pool.rs:
/tmp/reactor-maincheck/src/executor/ready.rs:
/tmp/reactor-maincheck/src/executor/registry.rs:
/tmp/reactor-maincheck/src/executor/run.rs:
/tmp/reactor-maincheck/src/executor/waker.rs:
/tmp/reactor-maincheck/src/http/mod.rs:
/tmp/reactor-maincheck/src/http/client.rs:
/tmp/reactor-maincheck/src/http/error.rs:
/tmp/reactor-maincheck/src/http/get.rs:
/tmp/reactor-maincheck/src/http/server.rs:
/tmp/reactor-maincheck/src/http/write.rs:
/tmp/reactor-maincheck/src/time/mod.rs:
/tmp/reactor-maincheck/src/time/instant.rs:
/tmp/reactor-maincheck/src/time/interval.rs:
/tmp/reactor-maincheck/src/time/queue.rs:
