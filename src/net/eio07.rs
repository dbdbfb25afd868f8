//! `embedded-io-async` 0.7 (feature `embedded-io-async-07`) on
//! [`TcpStream`].
#![cfg(feature = "embedded-io-async-07")]

use super::TcpStream;

crate::io::embedded_io::impl_stream!(embedded_io_async_07, TcpStream);
