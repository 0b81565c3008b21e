//! A byte source over any reader, with a window that parsing code can index without bounds
//! juggling.

use std::io::{ErrorKind, Read};

use crate::error::Error;

/// How much the buffer reads at a time. Small enough to stay in the L2 cache while parsed.
const CHUNK: usize = 256 * 1024;

/// The most bytes any caller asks [`Source::ensure`] for.
pub(crate) const WINDOW: usize = 128;

/// A buffered reader that tracks the byte offset of every position, for error messages.
///
/// After the end of input, [`Source::ensure`] pads the window with NUL bytes, so hot loops can
/// look ahead without checking for the end; a NUL at or past [`Source::data_end`] means the
/// input ended there.
pub(crate) struct Source<R> {
    reader: R,
    pub(crate) buf: Vec<u8>,
    /// The next byte to parse.
    pub(crate) pos: usize,
    /// The end of the bytes read from the input; NUL padding may follow.
    data_end: usize,
    /// The input offset of `buf[0]`.
    base: u64,
    at_eof: bool,
}

impl<R: Read> Source<R> {
    pub(crate) fn new(reader: R) -> Source<R> {
        Source {
            reader,
            buf: vec![0; CHUNK + WINDOW],
            pos: 0,
            data_end: 0,
            base: 0,
            at_eof: false,
        }
    }

    /// The input offset of buffer index `index`.
    pub(crate) fn offset_of(&self, index: usize) -> u64 {
        self.base + index as u64
    }

    /// The input offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.offset_of(self.pos)
    }

    /// Where the bytes of the input end in the buffer.
    pub(crate) fn data_end(&self) -> usize {
        self.data_end
    }

    /// Where the readable window ends: the data, plus the NUL padding once the input ended.
    pub(crate) fn window_end(&self) -> usize {
        if self.at_eof {
            self.data_end + WINDOW
        } else {
            self.data_end
        }
    }

    /// Makes at least `n` (at most [`WINDOW`]) bytes readable from `pos`, reading more input
    /// if needed.
    #[inline]
    pub(crate) fn ensure(&mut self, n: usize) -> Result<(), Error> {
        debug_assert!(n <= WINDOW);
        if self.window_end() - self.pos >= n {
            return Ok(());
        }
        self.refill()
    }

    #[cold]
    fn refill(&mut self) -> Result<(), Error> {
        self.buf.copy_within(self.pos..self.data_end, 0);
        self.base += self.pos as u64;
        self.data_end -= self.pos;
        self.pos = 0;
        // Fill the whole chunk, so that the hot loops run long between refills.
        while !self.at_eof && self.data_end < CHUNK {
            match self.reader.read(&mut self.buf[self.data_end..CHUNK]) {
                Ok(0) => self.at_eof = true,
                Ok(read) => self.data_end += read,
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => {
                    let offset = self.offset_of(self.data_end);
                    return Err(Error::at(offset, format!("read failed: {err}")));
                }
            }
        }
        if self.at_eof {
            self.buf[self.data_end..].fill(0);
        }
        Ok(())
    }

    /// The next byte, without consuming it; NUL at the end of input.
    #[inline]
    pub(crate) fn peek(&mut self) -> Result<u8, Error> {
        self.ensure(1)?;
        Ok(self.buf[self.pos])
    }

    /// Skips JSON whitespace.
    pub(crate) fn skip_whitespace(&mut self) -> Result<(), Error> {
        loop {
            self.ensure(1)?;
            match self.buf[self.pos] {
                b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                _ => return Ok(()),
            }
        }
    }

    /// Skips whitespace, then returns the next byte without consuming it.
    pub(crate) fn peek_token(&mut self) -> Result<u8, Error> {
        self.skip_whitespace()?;
        self.peek()
    }

    /// An error describing the byte at buffer index `index` as unexpected, or the input as
    /// ending early if it is past the end.
    pub(crate) fn unexpected(&self, index: usize, expected: &str) -> Error {
        let offset = self.offset_of(index);
        if index >= self.data_end {
            Error::at(offset, format!("unexpected end of input, expected {expected}"))
        } else {
            Error::at(offset, format!("expected {expected}, found {}", describe_byte(self.buf[index])))
        }
    }

    /// Consumes `byte` (after whitespace) or fails naming what was expected.
    pub(crate) fn expect(&mut self, byte: u8) -> Result<(), Error> {
        if self.peek_token()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(self.pos, &format!("'{}'", byte as char)))
        }
    }

    /// Whether the input ended at the current position (only whitespace was left).
    pub(crate) fn at_end(&mut self) -> Result<bool, Error> {
        self.skip_whitespace()?;
        self.ensure(1)?;
        Ok(self.pos >= self.data_end)
    }
}

/// A byte as an error message shows it: printable ASCII quoted, anything else in hex.
pub(crate) fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", byte as char)
    } else {
        format!("byte 0x{byte:02x}")
    }
}
