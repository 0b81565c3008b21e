//! The addon's panic catching, tested as a plain executable: `src/catch_panic.rs` uses only `std`,
//! while the rest of the addon names Node-API functions that only a Node process can resolve (so
//! the library itself has no unit-test binary: `test = false` in Cargo.toml).

#[path = "../src/catch_panic.rs"]
#[allow(dead_code)]
mod catch_panic;
