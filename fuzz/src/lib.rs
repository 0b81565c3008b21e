//! The snapshot fuzzer's harness: how one fuzz input becomes snapshots ([`input`]), what the
//! engine is made to do with them ([`engine`]), and the allocation bound it is held to
//! ([`peak_allocator`]).
#![deny(missing_docs)]

pub mod engine;
pub mod input;
pub mod peak_allocator;
pub mod time_bound;
