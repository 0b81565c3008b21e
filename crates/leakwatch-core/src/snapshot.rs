//! The parsed heap graph, stored as struct-of-arrays.

use std::fmt;

use crate::edge_column::EdgeKindsAndNames;

/// The type of a heap node, as listed in `snapshot.meta.node_types[0]`.
///
/// V8 has added types over the years; a name this version does not know becomes
/// [`NodeKind::Other`] so that newer snapshots still load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeKind {
    /// Internal V8 objects with no JS meaning (DevTools: `(system)`).
    Hidden,
    /// Internal arrays, such as a Map's backing table or an object's elements.
    Array,
    /// A flat string.
    String,
    /// A JS object; its name is its constructor's name.
    Object,
    /// Compiled code.
    Code,
    /// A JS function.
    Closure,
    /// A regular expression.
    RegExp,
    /// A heap number.
    Number,
    /// An object of the embedder (Node's C++ objects, ArrayBuffer backing stores).
    Native,
    /// A grouping node added by the snapshot writer, such as `(GC roots)`.
    Synthetic,
    /// A rope string.
    ConsString,
    /// A slice of another string.
    SlicedString,
    /// A symbol.
    Symbol,
    /// A BigInt.
    BigInt,
    /// A hidden class (map) describing an object's layout.
    ObjectShape,
    /// A WebAssembly GC object.
    WasmObject,
    /// A type this version does not know.
    Other,
}

impl NodeKind {
    /// Maps a name from `meta.node_types[0]` to a kind.
    pub fn from_meta_name(name: &str) -> NodeKind {
        match name {
            "hidden" => NodeKind::Hidden,
            "array" => NodeKind::Array,
            "string" => NodeKind::String,
            "object" => NodeKind::Object,
            "code" => NodeKind::Code,
            "closure" => NodeKind::Closure,
            "regexp" => NodeKind::RegExp,
            "number" => NodeKind::Number,
            "native" => NodeKind::Native,
            "synthetic" => NodeKind::Synthetic,
            "concatenated string" => NodeKind::ConsString,
            "sliced string" => NodeKind::SlicedString,
            "symbol" => NodeKind::Symbol,
            "bigint" => NodeKind::BigInt,
            "object shape" => NodeKind::ObjectShape,
            "wasm object" => NodeKind::WasmObject,
            _ => NodeKind::Other,
        }
    }
}

/// The type of an edge, as listed in `snapshot.meta.edge_types[0]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EdgeKind {
    /// A variable in a function's context.
    Context,
    /// An indexed element; the edge's name is the index.
    Element,
    /// A named property.
    Property,
    /// An internal reference, named.
    Internal,
    /// An internal reference, numbered; the edge's name is an index.
    Hidden,
    /// A shortcut that skips intermediate nodes (from the root to user globals).
    Shortcut,
    /// A weak reference: it does not keep its target alive.
    Weak,
    /// A type this version does not know; treated like an internal edge.
    Other,
}

impl EdgeKind {
    /// Maps a name from `meta.edge_types[0]` to a kind.
    pub fn from_meta_name(name: &str) -> EdgeKind {
        match name {
            "context" => EdgeKind::Context,
            "element" => EdgeKind::Element,
            "property" => EdgeKind::Property,
            "internal" => EdgeKind::Internal,
            "hidden" => EdgeKind::Hidden,
            "shortcut" => EdgeKind::Shortcut,
            "weak" => EdgeKind::Weak,
            _ => EdgeKind::Other,
        }
    }

    /// Whether the edge's `name_or_index` is a number rather than an index into `strings`.
    pub fn has_index_name(self) -> bool {
        matches!(self, EdgeKind::Element | EdgeKind::Hidden)
    }
}

/// The ordinal of the synthetic root node, from which every traversal starts: V8 writes it first.
pub(crate) const ROOT: u32 = 0;

/// A parsed heap snapshot: nodes and edges in struct-of-arrays form.
///
/// Nodes are numbered by ordinal (their position in the file); node 0 is the synthetic root.
/// The edges of node `n` are `first_edge[n]..first_edge[n + 1]` (compressed sparse rows), and each
/// edge's target is stored as a node ordinal. Ordinals and edge indices are `u32`, so a snapshot
/// may hold up to 4 billion nodes and edges, far beyond the array limits of a JS engine.
pub struct HeapSnapshot {
    pub(crate) node_kinds: Vec<NodeKind>,
    pub(crate) node_names: Vec<u32>,
    pub(crate) node_ids: Vec<u32>,
    pub(crate) self_sizes: Vec<u32>,
    pub(crate) first_edge: Vec<u32>,
    pub(crate) trace_node_ids: MostlyZero<u32>,
    pub(crate) detachedness: MostlyZero<u8>,
    pub(crate) edge_kinds_and_names: EdgeKindsAndNames,
    pub(crate) edge_targets: Vec<u32>,
    pub(crate) strings: Strings,
    /// The nodes V8 gave a source location, sorted by ordinal: functions and the objects whose
    /// constructor is a function of a script: one node in three to ten.
    pub(crate) locations: Vec<(u32, SourceLocation)>,
}

/// Where in a script a function is defined, as V8 records it in a snapshot's `locations`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SourceLocation {
    /// V8's id of the script: the `scriptId` of the inspector protocol's call frames.
    pub script_id: u32,
    /// The line, counted from 1.
    pub line: u32,
    /// The column, counted from 1.
    pub column: u32,
}

/// A per-node column that V8 writes for every node but that is usually all zeros (trace ids
/// without allocation tracking, detachedness outside browsers): it takes memory only once a value
/// is not zero.
#[derive(Default)]
pub(crate) struct MostlyZero<T> {
    values: Option<Vec<T>>,
    len: usize,
}

impl<T: Copy + Default + PartialEq> MostlyZero<T> {
    pub(crate) fn push(&mut self, value: T) {
        match &mut self.values {
            Some(values) => values.push(value),
            None if value == T::default() => {}
            None => {
                let mut values = vec![T::default(); self.len];
                values.push(value);
                self.values = Some(values);
            }
        }
        self.len += 1;
    }

    pub(crate) fn get(&self, ordinal: u32) -> T {
        self.values.as_ref().map_or_else(T::default, |values| values[ordinal as usize])
    }

    /// Whether any value is not zero.
    pub(crate) fn has_values(&self) -> bool {
        self.values.is_some()
    }
}

/// The snapshot's string table: one buffer and the offset where each string starts.
#[derive(Default)]
pub(crate) struct Strings {
    pub(crate) text: String,
    pub(crate) starts: Vec<usize>,
}

impl Strings {
    /// The string at `index`, or "" when the index is out of range.
    pub(crate) fn get(&self, index: u32) -> &str {
        let i = index as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.text[a..b],
            (Some(&a), None) => &self.text[a..],
            _ => "",
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// The index of the first string equal to `text`. Linear in the number of strings.
    pub(crate) fn find(&self, text: &str) -> Option<u32> {
        (0..self.len() as u32).find(|&i| self.get(i) == text)
    }

    pub(crate) fn push(&mut self, s: &str) {
        self.starts.push(self.text.len());
        self.text.push_str(s);
    }
}

impl HeapSnapshot {
    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.node_kinds.len()
    }

    /// The number of edges.
    pub fn edge_count(&self) -> usize {
        self.edge_targets.len()
    }

    /// The kind of node `ordinal`.
    pub fn node_kind(&self, ordinal: u32) -> NodeKind {
        self.node_kinds[ordinal as usize]
    }

    /// The name of node `ordinal`: a constructor name for objects, the text for strings.
    pub fn node_name(&self, ordinal: u32) -> &str {
        self.strings.get(self.node_names[ordinal as usize])
    }

    /// The id of node `ordinal`, stable across snapshots of one process (`@id` in DevTools).
    pub fn node_id(&self, ordinal: u32) -> u32 {
        self.node_ids[ordinal as usize]
    }

    /// The shallow size of node `ordinal` in bytes.
    pub fn self_size(&self, ordinal: u32) -> u64 {
        u64::from(self.self_sizes[ordinal as usize])
    }

    /// The allocation-trace node of `ordinal`, when the snapshot was taken with allocation
    /// tracking and recorded one for this node.
    pub fn trace_node_id(&self, ordinal: u32) -> Option<u32> {
        Some(self.trace_node_ids.get(ordinal)).filter(|&id| id != 0)
    }

    /// Where node `ordinal`'s function is defined: a closure's own, or an object's constructor's
    /// (for a class instance, where its constructor's parameters start).
    pub fn location(&self, ordinal: u32) -> Option<SourceLocation> {
        let at = self.locations.binary_search_by_key(&ordinal, |&(node, _)| node).ok()?;
        Some(self.locations[at].1)
    }

    /// Whether node `ordinal` is detached from the DOM (0 unknown, 1 attached, 2 detached).
    pub fn detachedness(&self, ordinal: u32) -> u8 {
        self.detachedness.get(ordinal)
    }

    /// The range of edge indices that leave node `ordinal`.
    pub fn edges_of(&self, ordinal: u32) -> std::ops::Range<u32> {
        self.first_edge[ordinal as usize]..self.first_edge[ordinal as usize + 1]
    }

    /// The kind of edge `edge`.
    pub fn edge_kind(&self, edge: u32) -> EdgeKind {
        self.edge_kinds_and_names.kind(edge)
    }

    /// The ordinal of the node that edge `edge` points to.
    pub fn edge_target(&self, edge: u32) -> u32 {
        self.edge_targets[edge as usize]
    }

    /// The raw `name_or_index` of edge `edge`: a string index, or an element index for element
    /// and hidden edges.
    pub fn edge_name_or_index(&self, edge: u32) -> u32 {
        self.edge_kinds_and_names.name(edge)
    }

    /// The edge's name as DevTools prints it in a retainer path: `[3]` for elements, the
    /// property name otherwise.
    pub fn edge_label(&self, edge: u32) -> EdgeLabel<'_> {
        let kind = self.edge_kind(edge);
        let raw = self.edge_name_or_index(edge);
        if kind.has_index_name() {
            EdgeLabel::Index(raw)
        } else {
            EdgeLabel::Name(self.strings.get(raw))
        }
    }

    /// The ordinal of the node with id `id`, if any. Linear in the node count.
    pub fn find_node(&self, id: u32) -> Option<u32> {
        self.node_ids.iter().position(|&x| x == id).map(|i| i as u32)
    }

    /// The total shallow size of every node in bytes.
    pub fn total_size(&self) -> u64 {
        self.self_sizes.iter().map(|&s| u64::from(s)).sum()
    }
}

/// An edge's name for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeLabel<'a> {
    /// A numbered edge (array element or hidden).
    Index(u32),
    /// A named edge (property, context variable, internal field).
    Name(&'a str),
}

impl fmt::Display for EdgeLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdgeLabel::Index(i) => write!(f, "[{i}]"),
            EdgeLabel::Name(n) => f.write_str(n),
        }
    }
}

impl HeapSnapshot {
    /// Parses a snapshot from any byte stream.
    pub fn read(reader: impl std::io::Read + Send) -> Result<HeapSnapshot, crate::Error> {
        crate::parse::parse(reader)
    }

    /// Opens and parses the snapshot file at `path`. The error names what was wrong and where,
    /// but not the path; callers add it.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<HeapSnapshot, crate::Error> {
        let file = std::fs::File::open(path)?;
        HeapSnapshot::read(file)
    }
}
