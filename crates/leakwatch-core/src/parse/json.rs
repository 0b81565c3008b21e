//! The JSON pieces the snapshot parser needs besides integer arrays: strings, and skipping or
//! capturing values it does not interpret.

use std::io::Read;

use super::source::Source;
use crate::error::Error;

/// Values longer than this are refused when captured (the `snapshot` header is a few KB).
const MAX_CAPTURE: usize = 64 << 20;

impl<R: Read> Source<R> {
    /// Reads a JSON string (after whitespace), decoding escapes, and appends its UTF-8 bytes to
    /// `out`. The bytes are not validated here.
    pub(crate) fn read_string(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        if self.peek_token()? != b'"' {
            return Err(self.unexpected(self.pos, "a string"));
        }
        let start = self.offset();
        self.pos += 1;
        loop {
            self.ensure(1)?;
            let end = self.data_end();
            let run = self.buf[self.pos..end]
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .unwrap_or(end - self.pos);
            out.extend_from_slice(&self.buf[self.pos..self.pos + run]);
            self.pos += run;
            if self.pos >= end {
                self.ensure(1)?;
                if self.pos >= self.data_end() {
                    return Err(Error::at(start, "unterminated string: the input ends inside it"));
                }
                continue;
            }
            let quote_or_backslash = self.buf[self.pos];
            self.pos += 1;
            if quote_or_backslash == b'"' {
                return Ok(());
            }
            self.read_escape(out)?;
        }
    }

    /// Decodes one escape sequence, after its backslash.
    fn read_escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        // `ensure` may move the window: positions are taken after it.
        self.ensure(11)?;
        let decoded = match self.buf[self.pos] {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4(self.pos + 1)?;
                self.pos += 4;
                let mut code = u32::from(high);
                if (0xD800..0xDC00).contains(&high)
                    && self.buf[self.pos + 1] == b'\\'
                    && self.buf[self.pos + 2] == b'u'
                {
                    if let Ok(low @ 0xDC00..=0xDFFF) = self.hex4(self.pos + 3) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                        self.pos += 6;
                    }
                }
                // A lone surrogate has no UTF-8 form: it becomes U+FFFD.
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            _ => return Err(self.unexpected(self.pos, "an escape sequence such as \\n or \\u0041")),
        };
        self.pos += 1;
        let mut utf8 = [0; 4];
        out.extend_from_slice(decoded.encode_utf8(&mut utf8).as_bytes());
        Ok(())
    }

    /// The four hex digits at buffer index `at`.
    fn hex4(&self, at: usize) -> Result<u16, Error> {
        let mut value = 0u16;
        for i in at..at + 4 {
            let digit = (self.buf[i] as char)
                .to_digit(16)
                .ok_or_else(|| self.unexpected(i, "four hex digits after \\u"))?;
            value = value * 16 + digit as u16;
        }
        Ok(value)
    }

    /// Skips one JSON value of any kind, or copies its bytes into `capture` when given.
    ///
    /// Nesting is tracked with an explicit stack, so deep input cannot overflow the call stack.
    pub(crate) fn skip_value(&mut self, mut capture: Option<&mut Vec<u8>>) -> Result<(), Error> {
        let mut closers: Vec<u8> = Vec::new();
        let mut scratch = Vec::new();
        loop {
            let byte = self.peek_token()?;
            let start = self.pos;
            match byte {
                b'{' | b'[' => {
                    closers.push(if byte == b'{' { b'}' } else { b']' });
                    self.pos += 1;
                }
                b'}' | b']' if closers.last() == Some(&byte) => {
                    closers.pop();
                    self.pos += 1;
                }
                b',' | b':' if !closers.is_empty() => self.pos += 1,
                b'"' => {
                    scratch.clear();
                    self.read_string(&mut scratch)?;
                    if let Some(out) = capture.as_deref_mut() {
                        // Re-encode the decoded text so the capture stays valid JSON.
                        let text = String::from_utf8_lossy(&scratch);
                        out.extend_from_slice(serde_json::to_string(&text).unwrap_or_default().as_bytes());
                    }
                }
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                    while matches!(self.peek()?, b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'E') {
                        if let Some(out) = capture.as_deref_mut() {
                            out.push(self.buf[self.pos]);
                        }
                        self.pos += 1;
                    }
                }
                _ => return Err(self.unexpected(start, "a JSON value")),
            }
            if let Some(out) = capture.as_deref_mut() {
                if !matches!(byte, b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') {
                    out.push(byte);
                }
                if out.len() > MAX_CAPTURE {
                    return Err(Error::at(self.offset(), "the snapshot header is implausibly large"));
                }
            }
            if closers.is_empty() {
                return Ok(());
            }
        }
    }
}
