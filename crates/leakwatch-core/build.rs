fn main() {
    // `napi build` gathers the TypeScript definitions that napi-derive writes while this crate
    // compiles; this tells cargo to compile it again when those are missing.
    #[cfg(feature = "napi")]
    napi_build::setup();
}
