//! The URL of each script a snapshot's source locations name.
//!
//! A [`SourceLocation`](crate::SourceLocation) names its script by V8's id only, and a snapshot
//! has no table of ids. It does hold the scripts themselves: a function (a `closure` node) points
//! through its `shared` function info to its `script`, a node named by the script's URL. The
//! function's own location gives the id, so one function per script is enough to name it.

use std::collections::HashMap;

use crate::{
    scripts::script_url,
    snapshot::{HeapSnapshot, NodeKind},
};

/// Script URLs (a path for CommonJS, a `file://` URL for an ES module) by V8's script id.
pub struct ScriptUrls<'a> {
    urls: HashMap<u32, &'a str>,
}

impl<'a> ScriptUrls<'a> {
    /// Finds the URL of every script that has a function in `snapshot`.
    pub fn new(snapshot: &'a HeapSnapshot) -> ScriptUrls<'a> {
        let mut urls = HashMap::new();
        for &(ordinal, location) in &snapshot.locations {
            if urls.contains_key(&location.script_id) || snapshot.node_kind(ordinal) != NodeKind::Closure {
                continue;
            }
            if let Some(url) = script_url(snapshot, ordinal) {
                // Code without a script of its own (V8's builtins) points at an unnamed one.
                if !url.is_empty() && !url.starts_with("system / ") {
                    urls.insert(location.script_id, url);
                }
            }
        }
        ScriptUrls { urls }
    }

    /// The URL of the script with id `script_id`, if a function of it is in the snapshot.
    pub fn get(&self, script_id: u32) -> Option<&'a str> {
        self.urls.get(&script_id).copied()
    }
}

#[cfg(test)]
mod tests {
    use flate2::read::GzDecoder;

    use super::ScriptUrls;
    use crate::snapshot::{HeapSnapshot, NodeKind};

    #[test]
    fn a_class_location_names_the_script_that_defines_it() {
        let gz: &[u8] = include_bytes!("../fixtures/foos.heapsnapshot.gz");
        let snapshot = HeapSnapshot::read(GzDecoder::new(gz)).unwrap();
        let foo = (0..snapshot.node_count() as u32)
            .find(|&n| snapshot.node_kind(n) == NodeKind::Object && snapshot.node_name(n) == "Foo")
            .unwrap();
        let location = snapshot.location(foo).unwrap();
        let url = ScriptUrls::new(&snapshot).get(location.script_id).unwrap();
        assert!(url.ends_with("fixtures/foos.js"), "{url}");
        assert_eq!(ScriptUrls::new(&snapshot).get(u32::MAX), None);
    }
}
