//! One fuzz input as the snapshot files it stands for.

use std::io::Read;

/// Separates the two snapshots of an input that holds a pair, diffed one against the other.
/// Must match `SPLIT` in `fuzz/make-seeds.js`.
pub const SPLIT: &[u8] = b"\n\0leakwatch-fuzz-split\0\n";

/// The most a gzip input may expand to; beyond it the input is left aside, since the bound under
/// test is the engine's, not the decompressor's.
const MAX_GUNZIPPED: u64 = 64 << 20;

/// The snapshot bytes of `data`: decompressed when it is gzip (the repository's real fixtures are
/// stored so), as is otherwise. `None` for a gzip stream that is broken or expands too far.
pub fn snapshot_bytes(data: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    if !data.starts_with(&[0x1f, 0x8b]) {
        return Some(data.into());
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .take(MAX_GUNZIPPED + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= MAX_GUNZIPPED).then_some(out.into())
}

/// The two snapshots of `bytes` when it holds a pair split by [`SPLIT`].
pub fn split_pair(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.windows(SPLIT.len()).position(|w| w == SPLIT)?;
    Some((&bytes[..at], &bytes[at + SPLIT.len()..]))
}
