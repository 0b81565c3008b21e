//! The one error type of the engine.

use std::fmt;

/// What went wrong reading or analysing a snapshot, and where.
///
/// The message names what was wrong; `offset`, when known, is the byte offset in the input where
/// it was found. `Display` prints both on one line, so a caller only has to add the file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    offset: Option<u64>,
}

impl Error {
    /// An error found at byte `offset` of the input.
    pub fn at(offset: u64, message: impl Into<String>) -> Error {
        Error { message: message.into(), offset: Some(offset) }
    }

    /// An error with no position in the input (I/O failures, bad arguments).
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into(), offset: None }
    }

    /// What was wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The byte offset in the input where the problem was found, if it has one.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at byte {offset})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Error {
        Error::new(format!("read failed: {err}"))
    }
}
