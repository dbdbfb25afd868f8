//! `embedded-io-async` 0.7 (feature `embedded-io-async-07`): the error
//! kinds, and the traits on [`AsyncFd`] (pipes, stdio, any fd).
#![cfg(feature = "embedded-io-async-07")]

use super::AsyncFd;

super::embedded_io::impl_error!(embedded_io_async_07);
super::embedded_io::impl_stream!(embedded_io_async_07, AsyncFd);
