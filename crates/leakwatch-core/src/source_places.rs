//! Where in the program's files a function is, as people read it: `src/poll.js:12:15`.

use std::path::PathBuf;

use crate::snapshot::SourceLocation;

/// Names script files relative to a directory (the current one, as a person runs leakwatch from
/// the program's root), and positions in them. The one place that turns a script URL and a
/// snapshot location into text, so that a source map can be applied here.
#[derive(Clone, Debug)]
pub struct SourcePlaces {
    base: Option<PathBuf>,
}

impl SourcePlaces {
    /// Files inside `dir` are named relative to it; others keep their full path.
    pub fn relative_to(dir: impl Into<PathBuf>) -> SourcePlaces {
        SourcePlaces { base: Some(dir.into()) }
    }

    /// Files inside the current directory are named relative to it.
    pub fn relative_to_current_dir() -> SourcePlaces {
        SourcePlaces { base: std::env::current_dir().ok() }
    }

    /// `url` (a path, a `file://` URL or `node:…`) as a person reads it, followed by
    /// `:line:column` (counted from 1, as the snapshot records them) when `at` is given.
    pub fn place(&self, url: &str, at: Option<SourceLocation>) -> String {
        let path = url.strip_prefix("file://").unwrap_or(url);
        let inside_base = self.base.as_ref().and_then(|base| {
            let rest = path.strip_prefix(base.to_str()?)?;
            rest.strip_prefix('/')
        });
        let file = inside_base.unwrap_or(if path.starts_with('/') { path } else { url });
        match at {
            Some(at) => format!("{file}:{}:{}", at.line, at.column),
            None => file.to_string(),
        }
    }
}
