//! The hot loop: arrays of unsigned integers (`nodes` and `edges`), which are most of a snapshot.

use std::io::Read;

use super::{
    block,
    source::{Source, WINDOW},
};
use crate::error::Error;

/// Integers with more digits than this are refused; 19 digits always fit in a `u64`.
const MAX_DIGITS: usize = 19;

#[inline(always)]
fn is_digit(byte: u8) -> bool {
    byte.wrapping_sub(b'0') < 10
}

/// Where the parse of one integer ended.
struct Integer {
    value: u64,
    /// How many bytes the digits took.
    len: usize,
}

/// Parses the unsigned integer at the start of `window`.
///
/// Eight digits at a time without a branch per digit (SWAR): snapshot integers have from 1 to 8
/// digits in no predictable pattern, so a digit loop would mispredict on nearly every number.
#[inline(always)]
fn integer_at(window: &[u8; WINDOW]) -> Integer {
    let (value, len) = eight_digits(u64::from_le_bytes(window[..8].try_into().expect("8 bytes")));
    if len < 8 {
        return Integer { value, len };
    }
    // Nine digits or more (large node offsets): finish one digit at a time.
    let (mut value, mut len) = (value, len);
    while len <= MAX_DIGITS && is_digit(window[len]) {
        value = value.wrapping_mul(10).wrapping_add(u64::from(window[len] - b'0'));
        len += 1;
    }
    Integer { value, len }
}

/// The value of the leading decimal digits of eight little-endian bytes, and how many there are.
#[inline(always)]
fn eight_digits(bytes: u64) -> (u64, usize) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let digits = bytes.wrapping_sub(ONES * b'0' as u64);
    // A byte's top bit ends up set if it is below '0' (the subtraction wrapped) or above '9'
    // (adding 0x76 carries it past 0x7f). Bytes after the first non-digit may be garbled by
    // borrows and carries, but they are never looked at.
    let non_digits = (digits | digits.wrapping_add(ONES * 0x76)) & (ONES * 0x80);
    let len = (non_digits.trailing_zeros() / 8) as usize;
    (value_of_digits(digits, len), len)
}

/// The value of the first `len` (at most 8) bytes of `digits`, each a digit's value (0 to 9).
#[inline(always)]
fn value_of_digits(digits: u64, len: usize) -> u64 {
    if len == 0 {
        return 0;
    }
    // Move the digits to the top bytes, so the empty bytes below act as leading zeros, then
    // combine neighbours: pairs, then quads, then all eight.
    let mut v = digits << (64 - 8 * len as u32);
    v = (v.wrapping_mul(10) + (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    v = (v.wrapping_mul(100) + (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    v.wrapping_mul(10_000).wrapping_add(v >> 32) & 0x0000_0000_FFFF_FFFF
}

/// The row being filled, and the rows so far.
struct Rows {
    row: [u64; 16],
    width: usize,
    column: usize,
    /// The input offset of the row's first value.
    start: u64,
    done: u64,
}

impl Rows {
    /// Adds a value found at input offset `offset`, emitting the row when it is full.
    #[inline(always)]
    fn push(
        &mut self,
        value: u64,
        offset: u64,
        emit: &mut impl FnMut(&[u64], u64) -> Result<(), String>,
    ) -> Result<(), Error> {
        if self.column == 0 {
            self.start = offset;
        }
        self.row[self.column] = value;
        self.column += 1;
        if self.column == self.width {
            emit(&self.row[..self.width], self.start).map_err(|message| Error::at(self.start, message))?;
            self.column = 0;
            self.done += 1;
        }
        Ok(())
    }
}

impl<R: Read> Source<R> {
    /// Reads the `[` that opens an array of rows; true when the array is empty, its `]` read too.
    fn open_array(&mut self) -> Result<bool, Error> {
        self.expect(b'[')?;
        let empty = self.peek_token()? == b']';
        if empty {
            self.pos += 1;
        }
        Ok(empty)
    }

    /// Reads a JSON array of unsigned integers in rows of `width`, calling `emit(row, offset)` for
    /// each full row in order, with the input offset where the row starts. `emit` returns an
    /// error message to stop the parse at that row.
    ///
    /// The fast path parses straight out of the buffer while at least [`WINDOW`] bytes are
    /// readable, which holds for all but the last bytes before a refill; unusual whitespace and
    /// the end of a chunk take the slow path.
    ///
    /// # Panics
    /// If `width` is 0 or more than 16.
    pub(crate) fn read_rows(
        &mut self,
        width: usize,
        mut emit: impl FnMut(&[u64], u64) -> Result<(), String>,
    ) -> Result<RowsRead, Error> {
        assert!((1..=16).contains(&width));
        let mut rows = Rows { row: [0; 16], width, column: 0, start: 0, done: 0 };
        if self.open_array()? {
            return Ok(RowsRead { rows: 0, partial: 0 });
        }
        loop {
            // Here a value is expected, possibly after whitespace.
            self.skip_whitespace()?;
            self.ensure(WINDOW)?;
            let limit = self.window_end() - WINDOW;
            let mut i = self.pos;
            let closed = loop {
                let window: &[u8; WINDOW] = self.buf[i..i + WINDOW].try_into().expect("window is WINDOW bytes");
                // Sixty-four bytes at a time where they are plain rows; all but the last number
                // in the block, which may run past it.
                if let Some(block) = block::scan(window) {
                    let last = 63 - block.starts.leading_zeros() as usize;
                    let mut pending = block.starts & !(1 << last);
                    if pending != 0 {
                        while pending != 0 {
                            let start = pending.trailing_zeros() as usize;
                            pending &= pending - 1;
                            let len = (block.separators >> start).trailing_zeros() as usize;
                            let value = if len <= 8 {
                                let bytes = u64::from_le_bytes(window[start..start + 8].try_into().expect("8 bytes"));
                                value_of_digits(bytes.wrapping_sub(0x3030_3030_3030_3030), len)
                            } else {
                                let tail: &[u8; WINDOW] =
                                    self.buf[i + start..i + start + WINDOW].try_into().expect("window");
                                let Integer { value, len } = integer_at(tail);
                                if len > MAX_DIGITS {
                                    return Err(Error::at(self.offset_of(i + start), "integer too large"));
                                }
                                value
                            };
                            rows.push(value, self.offset_of(i + start), &mut emit)?;
                        }
                        i += last;
                        if i > limit {
                            self.pos = i;
                            break false;
                        }
                        continue;
                    }
                }
                let Integer { value, len } = integer_at(window);
                if len == 0 {
                    return Err(self.unexpected(i, "an unsigned integer"));
                }
                if len > MAX_DIGITS {
                    return Err(Error::at(self.offset_of(i), "integer too large"));
                }
                rows.push(value, self.offset_of(i), &mut emit)?;
                // V8 ends each row with a newline before the comma.
                let mut next = len;
                if window[next] == b'\n' {
                    next += 1;
                }
                match window[next] {
                    b',' => i += next + 1,
                    b']' => {
                        self.pos = i + next + 1;
                        break true;
                    }
                    _ => {
                        self.pos = i + next;
                        break self.finish_separator()?;
                    }
                }
                if i > limit || !is_digit(self.buf[i]) {
                    self.pos = i;
                    break false;
                }
            };
            if closed {
                return Ok(RowsRead { rows: rows.done, partial: rows.column });
            }
        }
    }

    /// The slow path after a value: whitespace, then `,` or `]`, consumed. Returns whether the
    /// array closed.
    #[cold]
    fn finish_separator(&mut self) -> Result<bool, Error> {
        match self.peek_token()? {
            sep @ (b',' | b']') => {
                self.pos += 1;
                Ok(sep == b']')
            }
            _ => Err(self.unexpected(self.pos, "',' or ']'")),
        }
    }
}

impl<R: Read> Source<R> {
    /// Reads a JSON array of integers that may be negative in rows of `width`, calling
    /// `emit(row)` for each full row; `emit` returns an error message to stop the parse there.
    /// A plain loop, for the small arrays where V8 writes -1 for "unknown" (`locations`).
    ///
    /// # Panics
    /// If `width` is 0 or more than 16.
    pub(crate) fn read_signed_rows(&mut self, width: usize, mut emit: impl FnMut(&[i64]) -> Result<(), String>) -> Result<RowsRead, Error> {
        assert!((1..=16).contains(&width));
        let mut row = [0i64; 16];
        let (mut column, mut rows) = (0usize, 0u64);
        if self.open_array()? {
            return Ok(RowsRead { rows: 0, partial: 0 });
        }
        loop {
            self.skip_whitespace()?;
            let start = self.pos;
            let negative = self.peek()? == b'-';
            if negative {
                self.pos += 1;
            }
            let (mut value, mut digits) = (0i64, 0usize);
            while is_digit(self.peek()?) {
                if digits == MAX_DIGITS - 1 {
                    return Err(Error::at(self.offset_of(start), "integer too large"));
                }
                value = value * 10 + i64::from(self.buf[self.pos] - b'0');
                digits += 1;
                self.pos += 1;
            }
            if digits == 0 {
                return Err(self.unexpected(self.pos, "an integer"));
            }
            row[column] = if negative { -value } else { value };
            column += 1;
            if column == width {
                let offset = self.offset_of(start);
                emit(&row[..width]).map_err(|message| Error::at(offset, message))?;
                column = 0;
                rows += 1;
            }
            match self.peek_token()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Ok(RowsRead { rows, partial: column });
                }
                _ => return Err(self.unexpected(self.pos, "',' or ']'")),
            }
        }
    }
}

/// How much of an integer array [`Source::read_rows`] read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RowsRead {
    /// Full rows.
    pub(crate) rows: u64,
    /// Values after the last full row.
    pub(crate) partial: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integers(text: &str) -> Result<Vec<u64>, Error> {
        let mut source = Source::new(text.as_bytes());
        let mut out = Vec::new();
        source.read_rows(1, |row, _| {
            out.push(row[0]);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_signed_rows_where_v8_writes_minus_one() {
        let mut source = Source::new(&b"[12,3,-1,-1,\n 7, 0 ,4,5, 9]"[..]);
        let mut rows = Vec::new();
        let read = source
            .read_signed_rows(4, |row| {
                rows.push(row.to_vec());
                Ok(())
            })
            .unwrap();
        assert_eq!(rows, [vec![12, 3, -1, -1], vec![7, 0, 4, 5]]);
        assert_eq!(read, RowsRead { rows: 2, partial: 1 });
        let err = Source::new(&b"[1,-,2]"[..]).read_signed_rows(1, |_| Ok(())).unwrap_err();
        assert_eq!(err.to_string(), "expected an integer, found ',' (at byte 4)");
    }

    #[test]
    fn reports_partial_rows_and_row_offsets() {
        let mut source = Source::new(&b"[1,2,3,\n4,5]"[..]);
        let read = source.read_rows(3, |_, _| Ok(())).unwrap();
        assert_eq!(read, RowsRead { rows: 1, partial: 2 });
        let mut source = Source::new(&b"[1,2,3,\n4,5,6]"[..]);
        let err = source.read_rows(3, |row, _| if row[0] == 4 { Err("bad row".into()) } else { Ok(()) });
        assert_eq!(err.unwrap_err().offset(), Some(8));
    }

    #[test]
    fn parses_eight_digits_at_a_time() {
        for text in ["0", "7", "42", "1234567", "12345678", "99999999", "10000000"] {
            let mut bytes = [b','; 8];
            bytes[..text.len()].copy_from_slice(text.as_bytes());
            let (value, len) = eight_digits(u64::from_le_bytes(bytes));
            assert_eq!((value.to_string(), len), (text.to_string(), text.len()), "{text}");
        }
        assert_eq!(eight_digits(u64::from_le_bytes(*b"]1234567")), (0, 0));
        assert_eq!(eight_digits(u64::from_le_bytes(*b"12/45678")), (12, 2));
        assert_eq!(eight_digits(u64::from_le_bytes(*b"12:45678")), (12, 2));
        assert_eq!(eight_digits(u64::from_le_bytes([b'5', 0, 0, 0, 0, 0, 0, 0])), (5, 1));
        assert_eq!(eight_digits(u64::from_le_bytes([b'5', 0xff, b'1', 0, 0, 0, 0, 0])), (5, 1));
    }

    #[test]
    fn reads_v8_rows_and_whitespace() {
        assert_eq!(integers("[]").unwrap(), Vec::<u64>::new());
        assert_eq!(integers(" [ 1 , 2\n,3 ]").unwrap(), vec![1, 2, 3]);
        assert_eq!(integers("[0,1,2\n,3,4,5\n]").unwrap(), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(integers("[18446744073,0]").unwrap(), vec![18446744073, 0]);
        assert_eq!(integers("[9999999999999999999]").unwrap(), vec![9_999_999_999_999_999_999]);
    }

    #[test]
    fn reads_across_chunk_boundaries() {
        let values: Vec<u64> = (0..200_000u64).map(|i| i * 7919 % 1_000_003).collect();
        let text = format!(
            "[{}]",
            values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",\n")
        );
        assert_eq!(integers(&text).unwrap(), values);
    }

    #[test]
    fn reads_v8_rows_of_every_length_across_chunk_boundaries() {
        // Rows of three as V8 writes them, numbers of 1 to 19 digits, over many refills.
        let mut state = 88172645463325252u64;
        let values: Vec<u64> = (0..300_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let digits = 1 + (state % 19) as u32;
                (state >> 3) % 10u64.pow(digits)
            })
            .collect();
        let mut text = String::from("[");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&v.to_string());
            if i % 3 == 2 {
                text.push('\n');
            }
        }
        text.push(']');
        assert_eq!(integers(&text).unwrap(), values);
        // A bad byte anywhere in such rows is reported where it is.
        for k in 1..40 {
            let near = text.len() * k / 40;
            let bad_at = near + text[near..].find(',').unwrap() + 1;
            for bad in [b'x', b',', b'-', b']'] {
                let mut broken = text.clone().into_bytes();
                broken[bad_at] = bad;
                let err = integers(std::str::from_utf8(&broken).unwrap()).unwrap_err();
                assert_eq!(err.offset(), Some(bad_at as u64), "{} at {bad_at}: {err}", bad as char);
            }
        }
    }

    #[test]
    fn rejects_bad_arrays_with_offsets() {
        let err = integers("[1,2,").unwrap_err();
        assert_eq!(err.offset(), Some(5));
        assert!(err.message().contains("end of input"), "{err}");
        assert_eq!(integers("[1,x]").unwrap_err().offset(), Some(3));
        assert_eq!(integers("[1 2]").unwrap_err().offset(), Some(3));
        assert_eq!(integers("[1,-2]").unwrap_err().offset(), Some(3));
        assert!(integers("[123456789012345678901]").unwrap_err().message().contains("too large"));
        assert!(integers("[1,,2]").is_err());
        assert!(integers("[1,2").is_err());
    }
}
