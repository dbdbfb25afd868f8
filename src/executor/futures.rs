//! The small futures the executor's users reach for, where they were first
//! found: they live in [`crate::future`] now, which also has the
//! any-number and array forms.

pub use crate::future::{Either, Join, Select, YieldNow, join, select, yield_now};
