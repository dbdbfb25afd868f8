//! `embedded-io-async` 0.6 (feature `embedded-io-async-06`) on
//! [`TcpStream`].
#![cfg(feature = "embedded-io-async-06")]

use super::TcpStream;

crate::io::embedded_io::impl_stream!(embedded_io_async_06, TcpStream);
