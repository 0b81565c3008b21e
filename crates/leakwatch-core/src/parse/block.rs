//! Finding the numbers in 64 bytes of an integer array at once, with SSE2.
//!
//! Finding where each number ends is the serial part of tokenizing: the next number's position
//! depends on the current one's length. Classifying 64 bytes at once turns that chain into bit
//! operations on masks, and leaves the conversion of each number free to overlap with the next.

/// The numbers found in a block: a bit per byte.
pub(crate) struct Block {
    /// Bytes that start a number.
    pub(crate) starts: u64,
    /// Bytes that are not digits (the separators).
    pub(crate) separators: u64,
}

/// Classifies the 64 bytes at the start of `window`. Returns `None` unless the block starts with
/// a digit and holds only V8's row format, digits separated by `,` or `\n,` (anything else, such
/// as the end of the array, whitespace or an error, is left to the byte-by-byte path).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn scan(window: &[u8]) -> Option<Block> {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8, _mm_sub_epi8,
    };
    assert!(window.len() >= 64);
    let (mut digits, mut commas, mut newlines) = (0u64, 0u64, 0u64);
    for lane in 0..4 {
        // SAFETY: SSE2 is part of every x86_64 target, and the assert above keeps the 16 bytes
        // read at `lane * 16` inside `window`.
        let (is_digit, is_comma, is_newline) = unsafe {
            let bytes = _mm_loadu_si128(window.as_ptr().add(lane * 16).cast());
            let offset = _mm_sub_epi8(bytes, _mm_set1_epi8(b'0' as i8));
            // A byte is a digit if `byte - '0'`, taken unsigned, is at most 9.
            (
                _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(offset, _mm_set1_epi8(9)), offset)),
                _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(b',' as i8))),
                _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\n' as i8))),
            )
        };
        digits |= u64::from(is_digit as u16) << (lane * 16);
        commas |= u64::from(is_comma as u16) << (lane * 16);
        newlines |= u64::from(is_newline as u16) << (lane * 16);
    }
    let separators = !digits;
    let well_formed = digits & 1 != 0
        && separators & !(commas | newlines) == 0
        // A newline is followed by a comma, a comma by a digit (within the block).
        && (newlines << 1) & !commas == 0
        && (commas << 1) & separators == 0;
    well_formed.then_some(Block { starts: digits & ((separators << 1) | 1), separators })
}

/// Without SSE2, every number takes the byte-by-byte path.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn scan(_window: &[u8]) -> Option<Block> {
    None
}
