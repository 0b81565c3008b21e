//! Source maps for the JavaScript side: the same mapping that HeapDiff's `defined_at` and the
//! CLI use, for the allocation sites of the sampling profiler.

use leakwatch_core::{OriginalPosition, SourceMaps};
use napi::Result;
use napi_derive::napi;

use crate::panics::catching_panics;

/// Where `line` and `column` (both from 1) of the script `file` (a path, or a `file://` URL)
/// come from in the program's original sources, through the script's source map; null when it
/// has none, or a broken one. Each map is read once per process.
#[napi]
pub fn original_position(file: String, line: u32, column: u32) -> Result<Option<OriginalPosition>> {
    catching_panics("reading a source map", || Ok(SourceMaps::shared().original_position(&file, line, column)))
}
