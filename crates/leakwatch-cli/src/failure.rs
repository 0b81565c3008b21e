//! The one error type of the binary: what went wrong, and with which file.

use std::{fmt, path::Path};

/// A failure that ends the run. `Display` prints it on one line, `FILE: message`, so that the
/// user always learns which of the files was at fault.
#[derive(Debug)]
pub struct Failure {
    file: Option<String>,
    message: String,
}

impl Failure {
    /// A failure concerning `file`.
    pub fn in_file(file: &Path, message: impl fmt::Display) -> Failure {
        Failure {
            file: Some(file.display().to_string()),
            message: message.to_string(),
        }
    }

    /// A failure concerning no file in particular (writing the output, say).
    pub fn new(message: impl fmt::Display) -> Failure {
        Failure {
            file: None,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        // The message must stay on one line even if a lower layer put a newline in it.
        for (i, line) in self.message.lines().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(line.trim())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Failure;

    #[test]
    fn names_the_file_on_one_line() {
        let failure = Failure::in_file(Path::new("a.heapsnapshot"), "bad\nthing");
        assert_eq!(failure.to_string(), "a.heapsnapshot: bad thing");
        assert_eq!(Failure::new("oops").to_string(), "oops");
    }
}
