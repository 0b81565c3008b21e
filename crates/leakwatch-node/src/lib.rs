//! leakwatch-node is the Node-API addon behind the `leakwatch` npm package: thin glue that hands
//! V8's heap snapshot stream to [`leakwatch_core`] and returns node-memwatch's HeapDiff, and that
//! exposes [`leakwatch_detector`]'s leak detector with its own types.
//!
//! The JavaScript side (`lib/*.js` at the repository root) does everything that must happen on
//! the JS thread: it makes V8 serialize a snapshot and pushes each chunk into a
//! [`SnapshotParser`](snapshot_parser::SnapshotParser). Everything else happens here, off the JS thread
//! where it can be:
//!
//! - the parser runs on its own thread while V8 is still serializing
//!   ([`leakwatch_core::SnapshotParser`]);
//! - a HeapDiff's "before" side is analysed on a background thread
//!   ([`SnapshotParser::census_in_background`](snapshot_parser::SnapshotParser::census_in_background)), so
//!   `new HeapDiff()` returns as soon as V8 has finished writing;
//! - `census`/`heapDiff` exist both as blocking calls (node-memwatch's synchronous `end()`) and as
//!   `AsyncTask`s that run on libuv's thread pool (`endAsync()`).
//!
//! The addon uses Node-API only (version 8, Node >= 12.22 / 14.17 / 16), never V8's C++ API, so
//! one binary runs on every Node major without a rebuild.
//!
//! No Rust panic crosses into JavaScript: every entry point runs inside
//! [`catching_panics`](panics::catching_panics), which turns a panic into a JS `Error`, and
//! background threads report their panics the same way when joined.
#![deny(missing_docs)]
// Under `cargo test` the `#[napi]` items compile to nothing, which leaves their helpers unused.
#![cfg_attr(test, allow(dead_code))]

mod catch_panic;
mod census;
mod census_rounds;
mod cli;
mod find_leaks;
mod gc;
mod heap_diff;
mod leak;
mod malloc;
mod malloc_stats;
mod panics;
mod snapshot_parser;
mod source_maps;
