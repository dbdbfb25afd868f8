//! `embedded-io-async` 0.6 (feature `embedded-io-async-06`): the error
//! kinds, and the traits on [`AsyncFd`] (pipes, stdio, any fd).
#![cfg(feature = "embedded-io-async-06")]

use super::AsyncFd;

super::embedded_io::impl_error!(embedded_io_async_06);
super::embedded_io::impl_stream!(embedded_io_async_06, AsyncFd);
