//! The streaming `.heapsnapshot` parser.
//!
//! It reads the top-level object key by key: the small `snapshot` header is captured and handed
//! to serde; `nodes`, `edges` and `locations` go through a hand-written integer loop straight
//! into the struct-of-arrays storage; `strings` are decoded into one buffer; everything else is
//! skipped.
//! No JSON tree is built, and memory is what the graph needs plus one read buffer.

mod block;
mod header;
mod json;
mod numbers;
mod source;
mod split;

use std::io::Read;

use header::{EdgeField, Header, NodeField};
use numbers::RowsRead;
use source::Source;
use split::read_rows_split;

use crate::{
    edge_column::EdgeKindsAndNames,
    error::Error,
    snapshot::{HeapSnapshot, MostlyZero, NodeKind, SourceLocation, Strings},
};

/// Parses a whole snapshot from `reader`.
pub(crate) fn parse(reader: impl Read) -> Result<HeapSnapshot, Error> {
    crate::phase_log::phase_ended("start");
    let mut source = Source::new(reader);
    if source.at_end()? {
        return Err(Error::at(0, "the input is empty"));
    }
    if source.peek()? != b'{' {
        return Err(source.unexpected(source.pos, "'{' opening a heap snapshot"));
    }
    let mut builder = Builder::default();
    source.expect(b'{')?;
    if source.peek_token()? == b'}' {
        source.pos += 1;
    } else {
        let mut key = Vec::new();
        loop {
            let key_offset = source.offset();
            key.clear();
            source.read_string(&mut key)?;
            source.expect(b':')?;
            builder.read_value(&mut source, &key, key_offset)?;
            match source.peek_token()? {
                b',' => source.pos += 1,
                b'}' => {
                    source.pos += 1;
                    break;
                }
                _ => return Err(source.unexpected(source.pos, "',' or '}'")),
            }
        }
    }
    let end = source.offset();
    if !source.at_end()? {
        return Err(source.unexpected(source.pos, "nothing after the snapshot's closing '}'"));
    }
    builder.finish(end)
}

/// The snapshot as it is being read.
#[derive(Default)]
struct Builder {
    header: Option<Header>,
    nodes: Option<Nodes>,
    edges: Option<Edges>,
    strings: Option<Strings>,
    locations: Option<Vec<(u32, SourceLocation)>>,
}

struct Nodes {
    kinds: Vec<NodeKind>,
    names: Vec<u32>,
    ids: Vec<u32>,
    self_sizes: Vec<u32>,
    first_edge: Vec<u32>,
    trace_node_ids: MostlyZero<u32>,
    detachedness: MostlyZero<u8>,
}

struct Edges {
    kinds_and_names: EdgeKindsAndNames,
    targets: Vec<u32>,
}

impl Builder {
    fn read_value<R: Read>(&mut self, source: &mut Source<R>, key: &[u8], key_offset: u64) -> Result<(), Error> {
        let duplicate = || Error::at(key_offset, format!("\"{}\" appears twice", String::from_utf8_lossy(key)));
        match key {
            b"snapshot" => {
                if self.header.is_some() {
                    return Err(duplicate());
                }
                let at = source.offset();
                let mut json = Vec::new();
                source.skip_value(Some(&mut json))?;
                self.header = Some(Header::parse(&json).map_err(|message| Error::at(at, message))?);
            }
            b"nodes" => {
                if self.nodes.is_some() {
                    return Err(duplicate());
                }
                let header = self.header.as_ref().ok_or_else(|| missing_header(key_offset, "nodes"))?;
                self.nodes = Some(read_nodes(source, header)?);
                crate::phase_log::phase_ended("nodes");
            }
            b"edges" => {
                if self.edges.is_some() {
                    return Err(duplicate());
                }
                let header = self.header.as_ref().ok_or_else(|| missing_header(key_offset, "edges"))?;
                self.edges = Some(read_edges(source, header)?);
                crate::phase_log::phase_ended("edges");
            }
            b"strings" => {
                if self.strings.is_some() {
                    return Err(duplicate());
                }
                self.strings = Some(read_strings(source)?);
                crate::phase_log::phase_ended("strings");
            }
            b"locations" => {
                if self.locations.is_some() {
                    return Err(duplicate());
                }
                let header = self.header.as_ref().ok_or_else(|| missing_header(key_offset, "locations"))?;
                self.locations = Some(read_locations(source, header)?);
                crate::phase_log::phase_ended("locations");
            }
            // Flat integer arrays this version does not use: skipped by the fast integer loop.
            b"samples" | b"trace_function_infos" => {
                source.read_rows(1, |_, _| Ok(()))?;
            }
            _ => source.skip_value(None)?,
        }
        Ok(())
    }

    /// Checks that the parts agree with each other and assembles the snapshot.
    fn finish(self, end: u64) -> Result<HeapSnapshot, Error> {
        let not_a_snapshot =
            |what: &str| Error::at(end, format!("not a heap snapshot: the JSON has no \"{what}\""));
        let header = self.header.ok_or_else(|| not_a_snapshot("snapshot"))?;
        let nodes = self.nodes.ok_or_else(|| not_a_snapshot("nodes"))?;
        let edges = self.edges.ok_or_else(|| not_a_snapshot("edges"))?;
        let strings = self.strings.ok_or_else(|| not_a_snapshot("strings"))?;
        let edges_owned = u64::from(*nodes.first_edge.last().unwrap_or(&0));
        if edges_owned != header.edge_count {
            return Err(Error::at(
                end,
                format!(
                    "the nodes' edge counts add up to {edges_owned}, but snapshot.edge_count is {}",
                    header.edge_count
                ),
            ));
        }
        if nodes.kinds.is_empty() {
            return Err(Error::at(end, "the snapshot has no nodes, not even the root"));
        }
        let string_count = strings.len() as u64;
        if let Some(bad) = nodes.names.iter().position(|&n| u64::from(n) >= string_count) {
            return Err(Error::at(
                end,
                format!("node {bad} is named by string {}, but there are only {string_count} strings", nodes.names[bad]),
            ));
        }
        let named_edge = edges.kinds_and_names.iter().enumerate().find(|&(_, (kind, name))| {
            !kind.has_index_name() && u64::from(name) >= string_count
        });
        if let Some((bad, (_, name))) = named_edge {
            return Err(Error::at(
                end,
                format!("edge {bad} is named by string {name}, but there are only {string_count} strings"),
            ));
        }
        Ok(HeapSnapshot {
            node_kinds: nodes.kinds,
            node_names: nodes.names,
            node_ids: nodes.ids,
            self_sizes: nodes.self_sizes,
            first_edge: nodes.first_edge,
            trace_node_ids: nodes.trace_node_ids,
            detachedness: nodes.detachedness,
            edge_kinds_and_names: edges.kinds_and_names,
            edge_targets: edges.targets,
            strings,
            locations: self.locations.unwrap_or_default(),
        })
    }
}

fn missing_header(offset: u64, key: &str) -> Error {
    Error::at(offset, format!("\"{key}\" comes before the \"snapshot\" header that describes it"))
}

/// The most items a vector reserves before its rows arrive. The header's count is the file's
/// word, not proof: a few bytes can claim four billion nodes, and the room reserved for them
/// would be taken from the process whether or not the rows follow. Past this, vectors grow as
/// rows are read, so memory stays in proportion to the file (fuzz/README.md).
const MAX_RESERVED_AHEAD: u64 = 1 << 20;

/// A vector with room for `count` items (at most [`MAX_RESERVED_AHEAD`] of them before they are
/// read), or an error if even that cannot be had.
fn vec_for<T>(count: u64, at: u64) -> Result<Vec<T>, Error> {
    let mut v = Vec::new();
    let ahead = count.min(MAX_RESERVED_AHEAD);
    let too_large = || Error::at(at, format!("the snapshot's {count} items are too many to hold in memory"));
    v.try_reserve_exact(usize::try_from(ahead).map_err(|_| too_large())?).map_err(|_| too_large())?;
    Ok(v)
}

/// How many more items a vector of `len` items and room for `capacity` must reserve before the
/// next is pushed: none while it has room; else as many as it holds, as `push` would, but never
/// past `count`, the header's count, so that columns of the announced size take exactly that
/// size rather than up to twice it.
#[inline]
fn growth(len: usize, capacity: usize, count: u64) -> usize {
    if len < capacity {
        return 0;
    }
    let left = usize::try_from(count.saturating_sub(len as u64)).unwrap_or(usize::MAX);
    len.min(left).max(1)
}

/// Converts a value to `u32`, naming the field when it does not fit.
fn to_u32(value: u64, what: &str) -> Result<u32, String> {
    u32::try_from(value).map_err(|_| format!("{what} {value} does not fit in 32 bits"))
}

fn read_nodes<R: Read>(source: &mut Source<R>, header: &Header) -> Result<Nodes, Error> {
    let at = source.offset();
    let count = header.node_count;
    if count > u64::from(u32::MAX) {
        return Err(Error::at(at, format!("snapshot.node_count {count} exceeds the 4,294,967,295 nodes supported")));
    }
    let mut nodes = Nodes {
        kinds: vec_for(count, at)?,
        names: vec_for(count, at)?,
        ids: vec_for(count, at)?,
        self_sizes: vec_for(count, at)?,
        first_edge: vec_for(count + 1, at)?,
        trace_node_ids: MostlyZero::default(),
        detachedness: MostlyZero::default(),
    };
    nodes.first_edge.push(0);
    let fields = &header.node_fields;
    let column = |wanted: NodeField| fields.iter().position(|&f| f == wanted);
    let (type_at, name_at, id_at, size_at, edges_at) = (
        column(NodeField::Type).unwrap_or_default(),
        column(NodeField::Name).unwrap_or_default(),
        column(NodeField::Id).unwrap_or_default(),
        column(NodeField::SelfSize).unwrap_or_default(),
        column(NodeField::EdgeCount).unwrap_or_default(),
    );
    let trace_at = column(NodeField::TraceNodeId);
    let detachedness_at = column(NodeField::Detachedness);
    let mut edges_so_far = 0u64;
    let read = read_rows_split(source, fields.len(), |row| {
        if nodes.kinds.len() as u64 == count {
            return Err(format!("\"nodes\" holds more than snapshot.node_count ({count}) nodes"));
        }
        let kind = header.node_kinds.get(row[type_at] as usize).ok_or_else(|| {
            format!("node type {} is not one of the {} in snapshot.meta.node_types", row[type_at], header.node_kinds.len())
        })?;
        edges_so_far += row[edges_at];
        if edges_so_far > header.edge_count {
            return Err(format!("the nodes own more edges than snapshot.edge_count ({})", header.edge_count));
        }
        let extra = growth(nodes.kinds.len(), nodes.kinds.capacity(), count);
        if extra > 0 {
            nodes.kinds.reserve_exact(extra);
            nodes.names.reserve_exact(extra);
            nodes.ids.reserve_exact(extra);
            nodes.self_sizes.reserve_exact(extra);
            nodes.first_edge.reserve_exact(extra);
        }
        nodes.kinds.push(*kind);
        nodes.names.push(to_u32(row[name_at], "node name")?);
        nodes.ids.push(to_u32(row[id_at], "node id")?);
        // Sizes beyond 4 GiB are clamped; no single V8 heap object is that large.
        nodes.self_sizes.push(row[size_at].min(u64::from(u32::MAX)) as u32);
        nodes.first_edge.push(edges_so_far as u32);
        if let Some(at) = trace_at {
            nodes.trace_node_ids.push(to_u32(row[at], "trace node id")?);
        }
        if let Some(at) = detachedness_at {
            nodes.detachedness.push(row[at].min(255) as u8);
        }
        Ok(())
    })?;
    check_row_count(read, count, fields.len(), "node", source.offset())?;
    Ok(nodes)
}

fn read_edges<R: Read>(source: &mut Source<R>, header: &Header) -> Result<Edges, Error> {
    let at = source.offset();
    let count = header.edge_count;
    if count > u64::from(u32::MAX) {
        return Err(Error::at(at, format!("snapshot.edge_count {count} exceeds the 4,294,967,295 edges supported")));
    }
    let mut edges = Edges {
        kinds_and_names: EdgeKindsAndNames::in_room(vec_for(count, at)?),
        targets: vec_for(count, at)?,
    };
    let fields = &header.edge_fields;
    let column = |wanted: EdgeField| fields.iter().position(|&f| f == wanted).unwrap_or_default();
    let (type_at, name_at, target_at) =
        (column(EdgeField::Type), column(EdgeField::NameOrIndex), column(EdgeField::ToNode));
    let node_field_count = header.node_fields.len() as u64;
    let divisor = ExactDivisor::new(node_field_count);
    let node_count = header.node_count;
    let read = read_rows_split(source, fields.len(), |row| {
        let edge = edges.targets.len();
        if edge as u64 == count {
            return Err(format!("\"edges\" holds more than snapshot.edge_count ({count}) edges"));
        }
        let kind = header.edge_kinds.get(row[type_at] as usize).ok_or_else(|| {
            format!("edge type {} is not one of the {} in snapshot.meta.edge_types", row[type_at], header.edge_kinds.len())
        })?;
        let to_node = row[target_at];
        let ordinal = divisor.exact(to_node).ok_or_else(|| {
            format!("edge {edge} points to node offset {to_node}, which is not a multiple of the {node_field_count} node fields")
        })?;
        if ordinal >= node_count {
            return Err(format!(
                "edge {edge} points to node offset {to_node}, past the last node ({node_count} nodes × {node_field_count} fields)"
            ));
        }
        let extra = growth(edges.targets.len(), edges.targets.capacity(), count);
        if extra > 0 {
            edges.targets.reserve_exact(extra);
            edges.kinds_and_names.reserve_exact(extra);
        }
        edges.kinds_and_names.push(*kind, to_u32(row[name_at], "edge name")?);
        edges.targets.push(ordinal as u32);
        Ok(())
    })?;
    check_row_count(read, count, fields.len(), "edge", source.offset())?;
    Ok(edges)
}

/// Reads `locations`, sorted by node ordinal. V8 counts lines and columns from 0.
fn read_locations<R: Read>(source: &mut Source<R>, header: &Header) -> Result<Vec<(u32, SourceLocation)>, Error> {
    let layout = header.location_layout;
    let node_field_count = header.node_fields.len() as u64;
    let divisor = ExactDivisor::new(node_field_count);
    let mut locations = Vec::new();
    let mut at = 0u64;
    let read = source.read_signed_rows(layout.width, |row| {
        at += 1;
        let object_index = u64::try_from(row[layout.node])
            .map_err(|_| format!("location {} is of node offset {}, which is negative", at - 1, row[layout.node]))?;
        let ordinal = divisor.exact(object_index).ok_or_else(|| {
            format!("location {} is of node offset {object_index}, which is not a multiple of the {node_field_count} node fields", at - 1)
        })?;
        if ordinal >= header.node_count {
            return Err(format!("location {} is of node offset {object_index}, past the last node", at - 1));
        }
        // V8 writes -1 where it does not know the script or the position: no location then.
        let (Ok(script_id), Ok(line), Ok(column)) =
            (u32::try_from(row[layout.script]), u32::try_from(row[layout.line]), u32::try_from(row[layout.column]))
        else {
            return Ok(());
        };
        let location = SourceLocation { script_id, line: line.saturating_add(1), column: column.saturating_add(1) };
        locations.push((ordinal as u32, location));
        Ok(())
    })?;
    if read.partial != 0 {
        let values = read.rows * layout.width as u64 + read.partial as u64;
        return Err(Error::at(
            source.offset(),
            format!("\"locations\" holds {values} values, not a multiple of the {} location fields", layout.width),
        ));
    }
    locations.sort_by_key(|&(node, _)| node);
    Ok(locations)
}

/// Checks that an array held exactly the rows the header announced; `what` is "node" or "edge".
fn check_row_count(read: RowsRead, count: u64, width: usize, what: &str, end: u64) -> Result<(), Error> {
    if read.partial == 0 && read.rows == count {
        return Ok(());
    }
    let values = read.rows * width as u64 + read.partial as u64;
    Err(Error::at(
        end,
        format!(
            "\"{what}s\" holds {values} values, but snapshot.{what}_count {count} × {width} {what} fields needs {}",
            count * width as u64
        ),
    ))
}

/// Divides edge targets by the node field count with a multiplication instead of a division,
/// which is several times slower and would run once per edge.
struct ExactDivisor {
    divisor: u64,
    /// ⌈2⁶⁴ / divisor⌉: exact for every dividend below 2³².
    reciprocal: u128,
}

impl ExactDivisor {
    fn new(divisor: u64) -> ExactDivisor {
        ExactDivisor { divisor, reciprocal: (1u128 << 64).div_ceil(u128::from(divisor)) }
    }

    /// `value / divisor` if the division leaves no remainder.
    #[inline]
    fn exact(&self, value: u64) -> Option<u64> {
        let quotient = if value <= u64::from(u32::MAX) {
            ((u128::from(value) * self.reciprocal) >> 64) as u64
        } else {
            value / self.divisor
        };
        (quotient * self.divisor == value).then_some(quotient)
    }
}

fn read_strings<R: Read>(source: &mut Source<R>) -> Result<Strings, Error> {
    let mut strings = Strings::default();
    let mut scratch = Vec::new();
    source.expect(b'[')?;
    if source.peek_token()? == b']' {
        source.pos += 1;
        return Ok(strings);
    }
    loop {
        scratch.clear();
        source.read_string(&mut scratch)?;
        match std::str::from_utf8(&scratch) {
            Ok(text) => strings.push(text),
            // V8 writes valid UTF-8; other writers may not. Keep the string, mark what is lost.
            Err(_) => strings.push(&String::from_utf8_lossy(&scratch)),
        }
        match source.peek_token()? {
            b',' => source.pos += 1,
            b']' => {
                source.pos += 1;
                return Ok(strings);
            }
            _ => return Err(source.unexpected(source.pos, "',' or ']'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExactDivisor;

    /// A snapshot of one node whose header announces `nodes` nodes and `edges` edges.
    fn announcing(nodes: u64, edges: u64) -> String {
        format!(
            r#"{{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count"],"node_types":[["synthetic"]],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["element"]]}},"node_count":{nodes},"edge_count":{edges}}},"nodes":[0,0,1,0,0],"edges":[],"strings":[""]}}"#
        )
    }

    /// Ordinals and edge indices are `u32`: a snapshot past 2³² nodes or edges (a file of some
    /// 40 GB) is refused up front, naming the limit, rather than read into wrapped indices.
    #[test]
    fn counts_past_32_bit_indices_are_refused_naming_the_limit() {
        let error = |nodes, edges| super::parse(announcing(nodes, edges).as_bytes()).err().map(|e| e.to_string());
        let edges = error(1, 1 << 32).unwrap_or_default();
        assert!(edges.contains("edge_count 4294967296 exceeds the 4,294,967,295 edges supported"), "{edges}");
        let nodes = error(1 << 32, 0).unwrap_or_default();
        assert!(nodes.contains("node_count 4294967296 exceeds the 4,294,967,295 nodes supported"), "{nodes}");
        // At the limit itself, the count is accepted and the file is then measured against it.
        let at_limit = error(1, u64::from(u32::MAX)).unwrap_or_default();
        assert!(!at_limit.contains("supported"), "{at_limit}");
    }

    /// Columns double as they fill, as vectors do, but stop at the header's count: a snapshot of
    /// 3 million nodes takes room for 3 million, not 4.
    #[test]
    fn columns_grow_toward_the_announced_count_and_never_past_it() {
        assert_eq!(super::growth(3, 8, 100), 0);
        assert_eq!(super::growth(8, 8, 100), 8);
        assert_eq!(super::growth(80, 80, 100), 20);
        assert_eq!(super::growth(1 << 21, 1 << 21, 3_000_000), 3_000_000 - (1 << 21));
        // Past the count (rows the header did not announce, refused just after): one at a time.
        assert_eq!(super::growth(100, 100, 100), 1);
        assert_eq!(super::growth(0, 0, 0), 1);
    }

    #[test]
    fn exact_division_matches_the_hardware() {
        for divisor in [1u64, 2, 3, 6, 7, 8, 13] {
            let exact = ExactDivisor::new(divisor);
            let values = (0..10_000u64).chain([u64::from(u32::MAX) - 1, u64::from(u32::MAX), 1 << 40, (1 << 40) + 7]);
            for value in values {
                let expected = (value % divisor == 0).then_some(value / divisor);
                assert_eq!(exact.exact(value), expected, "{value} / {divisor}");
            }
        }
    }
}
