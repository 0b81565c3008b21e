//! Where in the program's files a function is, as people read it: `src/poll.js:12:15`.

use std::path::PathBuf;

use crate::{
    snapshot::SourceLocation,
    source_maps::{script_file, SourceMaps},
};

/// Names script files relative to a directory (the current one, as a person runs leakwatch from
/// the program's root), and positions in them. The one place that turns a script URL and a
/// snapshot location into text: a position in a script with a source map is told in the
/// original source ([`SourceMaps::shared`]).
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
    /// `:line:column` (counted from 1, as the snapshot records them) when `at` is given: in the
    /// original source when the script has a source map.
    pub fn place(&self, url: &str, at: Option<SourceLocation>) -> String {
        let Some(at) = at else { return self.file(&script_file(url)) };
        match SourceMaps::shared().original_position(url, at.line, at.column) {
            Some(original) => format!("{}:{}:{}", self.file(&original.file), original.line, original.column),
            None => format!("{}:{}:{}", self.file(&script_file(url)), at.line, at.column),
        }
    }

    /// `path` relative to the base directory when inside it; otherwise unchanged.
    fn file(&self, path: &str) -> String {
        let inside_base = self.base.as_ref().and_then(|base| {
            let rest = path.strip_prefix(base.to_str()?)?;
            rest.strip_prefix('/')
        });
        inside_base.unwrap_or(path).to_string()
    }
}
