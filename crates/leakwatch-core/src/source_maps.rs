//! Positions in generated JavaScript mapped back to the program's own sources (TypeScript, the
//! modules of a bundle) through the scripts' source maps.
//!
//! A script names its map in a trailing `//# sourceMappingURL=` comment: a file relative to the
//! script, or the whole map inline as a `data:application/json;base64,` URL. A script without
//! the comment may still have `SCRIPT.map` next to it. V8 (and so a heap snapshot or a sampling
//! profile) only knows the generated positions, with or without `--enable-source-maps`, so the
//! maps are read from disk here, for every report that names a place in the program: HeapDiff's
//! `defined_at`, the CLI's, and (through the addon's `originalPosition`) the leak suspects' sites.

use std::{
    collections::HashMap,
    path::{Component, Path, PathBuf},
    sync::{Mutex, OnceLock},
};

use serde::Serialize;
use sourcemap::DecodedMap;
use url::Url;

/// A position in a script or source file, counted from 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The file's path, or its URL when it is not a local file (`node:internal/...`,
    /// `webpack://...`).
    pub file: String,
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
}

/// Where a position of generated JavaScript comes from in the original sources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "napi", napi_derive::napi(object))]
pub struct OriginalPosition {
    /// The original file's path, or its URL when it is not a local file (`webpack://...`).
    pub file: String,
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
    /// The original name of what is at the position, when the map records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A script's source map, and the directory its relative `sources` are resolved against.
struct ScriptMap {
    map: DecodedMap,
    base: PathBuf,
}

/// Source maps read on demand, one per script, each read and parsed once.
///
/// A script with no map, or a map that cannot be read or parsed, maps nothing: lookups return
/// `None` rather than failing, since a position in the generated code is still correct.
#[derive(Default)]
pub struct SourceMaps {
    /// By script URL or path as given; `None` for a script that has no usable map.
    maps: Mutex<HashMap<String, Option<ScriptMap>>>,
}

impl SourceMaps {
    /// An empty cache.
    pub fn new() -> SourceMaps {
        SourceMaps::default()
    }

    /// The cache the whole process shares, so that each map is read once however many reports
    /// ask for it.
    pub fn shared() -> &'static SourceMaps {
        static SHARED: OnceLock<SourceMaps> = OnceLock::new();
        SHARED.get_or_init(SourceMaps::new)
    }

    /// Where `line` and `column` (from 1) of `script` (a path, or a `file://` URL as ES modules
    /// have) come from in the original sources; `None` when the script has no usable map or the
    /// map says nothing about that line.
    pub fn original_position(&self, script: &str, line: u32, column: u32) -> Option<OriginalPosition> {
        if line == 0 || column == 0 {
            return None;
        }
        // A poisoned lock only means another lookup panicked; the cache itself is still sound.
        let mut maps = self.maps.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = maps.entry(script.to_string()).or_insert_with(|| read_map(script));
        let script_map = entry.as_ref()?;
        let token = script_map.map.lookup_token(line - 1, column - 1)?;
        // Only a mapping on the same generated line says where this code comes from; an earlier
        // line's last mapping is about other code.
        if token.get_dst_line() != line - 1 {
            return None;
        }
        let source = token.get_source()?;
        Some(OriginalPosition {
            file: resolve_source(&script_map.base, source),
            line: token.get_src_line().checked_add(1)?,
            column: token.get_src_col().checked_add(1)?,
            name: token.get_name().map(str::to_string),
        })
    }

    /// `file:line` of a position for people: the original source's when the script has a map,
    /// else the script's own, with the file relative to the working directory when it is inside
    /// it (`src/registry.ts:12`).
    pub fn position_text(&self, script: &str, line: u32, column: u32) -> String {
        match self.original_position(script, line, column) {
            Some(original) => location_text(&original.file, original.line),
            None => location_text(&script_file(script), line),
        }
    }
}

/// `file:line` for people, the file relative to the working directory when inside it: how every
/// report names a place in the program.
pub fn location_text(file: &str, line: u32) -> String {
    format!("{}:{line}", display_path(file))
}

/// A script's URL as a file path when it is a `file://` URL; otherwise unchanged.
pub fn script_file(script: &str) -> String {
    match script_path(script) {
        Some(path) if script.starts_with("file:") => path.display().to_string(),
        _ => script.to_string(),
    }
}

/// `file` relative to the working directory when it lies inside it, as the CLI prints paths;
/// otherwise unchanged.
pub fn display_path(file: &str) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return file.to_string();
    };
    match Path::new(file).strip_prefix(&cwd) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => file.to_string(),
    }
}

/// The local file a script URL names: a path, or a `file://` URL. Scripts of other schemes
/// (`node:fs`, `https://...`) and V8's names for code without a file (`[eval]`) have none.
fn script_path(script: &str) -> Option<PathBuf> {
    if script.starts_with("file:") {
        return Url::parse(script).ok()?.to_file_path().ok();
    }
    let path = Path::new(script);
    (path.is_absolute() || !(script.contains(':') || script.starts_with('['))).then(|| path.to_path_buf())
}

/// The source map of `script`, if it has one that reads and parses.
fn read_map(script: &str) -> Option<ScriptMap> {
    let path = script_path(script)?;
    let code = std::fs::read(&path).ok()?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match mapping_url(&String::from_utf8_lossy(&code)) {
        Some(url) if url.starts_with("data:") => Some(ScriptMap {
            map: sourcemap::decode_data_url(&url).ok()?,
            base: dir,
        }),
        Some(url) => read_map_file(&resolve_source(&dir, &url)),
        None => {
            let mut next_to = path.into_os_string();
            next_to.push(".map");
            read_map_file(Path::new(&next_to).to_str()?)
        }
    }
}

/// The map in the file at `file` (a path), its sources resolved against the file's directory.
fn read_map_file(file: &str) -> Option<ScriptMap> {
    let path = Path::new(file);
    let map = sourcemap::decode_slice(&std::fs::read(path).ok()?).ok()?;
    Some(ScriptMap {
        map,
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    })
}

/// The URL of the last `//# sourceMappingURL=` comment of a script (the one that counts when
/// code was concatenated), if any.
fn mapping_url(code: &str) -> Option<String> {
    code.lines().rev().find_map(|line| {
        let line = line.trim();
        let url = line
            .strip_prefix("//# sourceMappingURL=")
            .or_else(|| line.strip_prefix("//@ sourceMappingURL="))?;
        Some(url.trim().to_string()).filter(|url| !url.is_empty())
    })
}

/// A map's `sources` entry (with `sourceRoot` already prefixed) as a path when it is a local
/// file: relative entries are resolved against `base`, the map's directory. Other URLs are kept.
fn resolve_source(base: &Path, source: &str) -> String {
    if source.starts_with("file:") {
        return script_file(source);
    }
    let path = Path::new(source);
    if path.is_absolute() || source.contains("://") {
        return source.to_string();
    }
    normalize(&base.join(path)).display().to_string()
}

/// `path` with its `.` and `..` components folded, without touching the file system (a source
/// need not exist for its name to be right).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{display_path, OriginalPosition, SourceMaps};

    /// A fresh directory for one test's files.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("leakwatch-source-maps-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Generated line 1 maps column 1 to source 0 at line 3, column 5, and column 11 to line 4,
    /// column 1 with name 0 ("makeThing"); line 2 maps column 1 to line 10, column 1.
    const MAPPINGS: &str = "AAEI,UACJA;AAMA";

    fn map_json(source_root: &str, source: &str) -> String {
        format!(
            r#"{{"version":3,"file":"out.js","sourceRoot":"{source_root}","sources":["{source}"],"names":["makeThing"],"mappings":"{MAPPINGS}"}}"#
        )
    }

    fn at(file: &Path, line: u32, column: u32, name: Option<&str>) -> Option<OriginalPosition> {
        Some(OriginalPosition {
            file: file.display().to_string(),
            line,
            column,
            name: name.map(str::to_string),
        })
    }

    /// Where the first line and column of `script` come from, read with a fresh cache.
    fn mapped_start(script: &Path) -> Option<OriginalPosition> {
        SourceMaps::new().original_position(script.to_str().unwrap(), 1, 1)
    }

    fn base64(bytes: &[u8]) -> String {
        const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
            for i in 0..4 {
                out.push(if i <= chunk.len() {
                    DIGITS[(n >> (18 - 6 * i) & 63) as usize] as char
                } else {
                    '='
                });
            }
        }
        out
    }

    #[test]
    fn a_relative_map_file_maps_to_sources_relative_to_it() {
        let dir = scratch("relative");
        let script = dir.join("dist/out.js");
        write(&script, "a();b();\nc();\n//# sourceMappingURL=maps/out.js.map\n");
        write(
            &dir.join("dist/maps/out.js.map"),
            &map_json("", "../../src/thing.ts"),
        );
        let maps = SourceMaps::new();
        let script = script.to_str().unwrap();
        let thing = dir.join("src/thing.ts");
        assert_eq!(maps.original_position(script, 1, 1), at(&thing, 3, 5, None));
        assert_eq!(
            maps.original_position(script, 1, 12),
            at(&thing, 4, 1, Some("makeThing"))
        );
        assert_eq!(maps.original_position(script, 2, 3), at(&thing, 10, 1, None));
        // Line 3 has no mapping of its own: what precedes it is about other code.
        assert_eq!(maps.original_position(script, 3, 1), None);
    }

    #[test]
    fn an_inline_data_url_and_a_file_url_work_alike() {
        let dir = scratch("inline");
        let script = dir.join("out.mjs");
        let map = map_json("", "src/thing.ts");
        write(
            &script,
            &format!(
                "a();b();\n//# sourceMappingURL=data:application/json;base64,{}\n",
                base64(map.as_bytes())
            ),
        );
        let url = url::Url::from_file_path(&script).unwrap().to_string();
        assert_eq!(
            SourceMaps::new().original_position(&url, 1, 1),
            at(&dir.join("src/thing.ts"), 3, 5, None)
        );
    }

    #[test]
    fn a_map_next_to_the_script_counts_without_a_comment() {
        let dir = scratch("next-to");
        let script = dir.join("out.js");
        write(&script, "a();b();\n");
        write(&dir.join("out.js.map"), &map_json("", "thing.ts"));
        assert_eq!(mapped_start(&script), at(&dir.join("thing.ts"), 3, 5, None));
    }

    #[test]
    fn source_root_prefixes_the_sources() {
        let dir = scratch("source-root");
        let script = dir.join("dist/out.js");
        write(&script, "a();b();\n//# sourceMappingURL=out.js.map\n");
        write(&dir.join("dist/out.js.map"), &map_json("../src/", "thing.ts"));
        assert_eq!(mapped_start(&script), at(&dir.join("src/thing.ts"), 3, 5, None));
    }

    #[test]
    fn no_map_or_a_broken_one_maps_nothing() {
        let dir = scratch("broken");
        let plain = dir.join("plain.js");
        write(&plain, "a();\n");
        let broken = dir.join("broken.js");
        write(&broken, "a();\n//# sourceMappingURL=broken.js.map\n");
        write(
            &dir.join("broken.js.map"),
            "{\"version\":3,\"sources\":[\"x.ts\"],\"mappings\":\"!!\"",
        );
        let missing = dir.join("missing.js");
        write(&missing, "a();\n//# sourceMappingURL=nowhere.js.map\n");
        let bad_data = dir.join("bad-data.js");
        write(
            &bad_data,
            "a();\n//# sourceMappingURL=data:application/json;base64,@@@\n",
        );
        let maps = SourceMaps::new();
        for script in [&plain, &broken, &missing, &bad_data, &dir.join("absent.js")] {
            let script = script.to_str().unwrap();
            assert_eq!(maps.original_position(script, 1, 1), None, "{script}");
            assert_eq!(
                maps.position_text(script, 1, 1),
                format!("{}:1", display_path(script))
            );
        }
        for script in ["node:internal/timers", "[eval]", "https://example.com/app.js"] {
            assert_eq!(maps.original_position(script, 1, 1), None, "{script}");
            assert_eq!(maps.position_text(script, 7, 1), format!("{script}:7"));
        }
    }

    #[test]
    fn position_text_is_relative_to_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        let inside = cwd.join("src/app.ts");
        assert_eq!(
            display_path(inside.to_str().unwrap()),
            Path::new("src/app.ts").display().to_string()
        );
        assert_eq!(display_path("/elsewhere/app.ts"), "/elsewhere/app.ts");
    }
}
