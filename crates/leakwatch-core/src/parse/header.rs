//! The `snapshot` header: counts and the field layout from `meta`.

use serde::Deserialize;
use serde_json::Value;

use crate::snapshot::{EdgeKind, NodeKind};

#[derive(Deserialize)]
struct RawHeader {
    meta: RawMeta,
    node_count: u64,
    edge_count: u64,
}

#[derive(Deserialize)]
struct RawMeta {
    node_fields: Vec<String>,
    node_types: Vec<Value>,
    edge_fields: Vec<String>,
    edge_types: Vec<Value>,
    /// Absent before V8 wrote locations; then `locations` is absent too.
    #[serde(default)]
    location_fields: Option<Vec<String>>,
}

/// What one field of a node row holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeField {
    Type,
    Name,
    Id,
    SelfSize,
    EdgeCount,
    TraceNodeId,
    Detachedness,
    /// A field this version does not use.
    Ignored,
}

/// What one field of an edge row holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EdgeField {
    Type,
    NameOrIndex,
    ToNode,
    Ignored,
}

/// Where each value of a `locations` row is: object_index, script_id, line, column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LocationLayout {
    pub(crate) width: usize,
    pub(crate) node: usize,
    pub(crate) script: usize,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// The parsed header: how many nodes and edges follow, and how to read their rows.
pub(crate) struct Header {
    pub(crate) node_count: u64,
    pub(crate) edge_count: u64,
    pub(crate) node_fields: Vec<NodeField>,
    pub(crate) node_kinds: Vec<NodeKind>,
    pub(crate) edge_fields: Vec<EdgeField>,
    pub(crate) edge_kinds: Vec<EdgeKind>,
    pub(crate) location_layout: LocationLayout,
}

impl Header {
    /// Interprets the JSON text of the `snapshot` object. The error says what is missing or
    /// malformed, naming the `meta` key.
    pub(crate) fn parse(json: &[u8]) -> Result<Header, String> {
        let raw: RawHeader = serde_json::from_slice(json)
            .map_err(|err| format!("the \"snapshot\" header is not a valid snapshot header: {err}"))?;
        let node_fields: Vec<NodeField> = raw.meta.node_fields.iter().map(|f| node_field(f)).collect();
        for (required, name) in [
            (NodeField::Type, "type"),
            (NodeField::Name, "name"),
            (NodeField::Id, "id"),
            (NodeField::SelfSize, "self_size"),
            (NodeField::EdgeCount, "edge_count"),
        ] {
            check_once(node_fields.iter().filter(|&&f| f == required).count(), "node_fields", name)?;
        }
        let edge_fields: Vec<EdgeField> = raw.meta.edge_fields.iter().map(|f| edge_field(f)).collect();
        for (required, name) in
            [(EdgeField::Type, "type"), (EdgeField::NameOrIndex, "name_or_index"), (EdgeField::ToNode, "to_node")]
        {
            check_once(edge_fields.iter().filter(|&&f| f == required).count(), "edge_fields", name)?;
        }
        let node_kinds = type_names(&raw.meta.node_types, "node_types")?
            .iter()
            .map(|name| NodeKind::from_meta_name(name))
            .collect();
        let edge_kinds = type_names(&raw.meta.edge_types, "edge_types")?
            .iter()
            .map(|name| EdgeKind::from_meta_name(name))
            .collect();
        Ok(Header {
            node_count: raw.node_count,
            edge_count: raw.edge_count,
            node_fields,
            node_kinds,
            edge_fields,
            edge_kinds,
            location_layout: location_layout(raw.meta.location_fields.as_deref())?,
        })
    }
}

fn node_field(name: &str) -> NodeField {
    match name {
        "type" => NodeField::Type,
        "name" => NodeField::Name,
        "id" => NodeField::Id,
        "self_size" => NodeField::SelfSize,
        "edge_count" => NodeField::EdgeCount,
        "trace_node_id" => NodeField::TraceNodeId,
        "detachedness" => NodeField::Detachedness,
        _ => NodeField::Ignored,
    }
}

fn edge_field(name: &str) -> EdgeField {
    match name {
        "type" => EdgeField::Type,
        "name_or_index" => EdgeField::NameOrIndex,
        "to_node" => EdgeField::ToNode,
        _ => EdgeField::Ignored,
    }
}

/// The layout of `locations` rows; V8's order when `meta.location_fields` is absent.
fn location_layout(fields: Option<&[String]>) -> Result<LocationLayout, String> {
    let Some(fields) = fields else {
        return Ok(LocationLayout { width: 4, node: 0, script: 1, line: 2, column: 3 });
    };
    if !(1..=16).contains(&fields.len()) {
        return Err(format!("snapshot.meta.location_fields has {} fields, not 1 to 16", fields.len()));
    }
    let column = |name: &str| -> Result<usize, String> {
        check_once(fields.iter().filter(|f| *f == name).count(), "location_fields", name)?;
        Ok(fields.iter().position(|f| f == name).unwrap_or_default())
    };
    Ok(LocationLayout {
        width: fields.len(),
        node: column("object_index")?,
        script: column("script_id")?,
        line: column("line")?,
        column: column("column")?,
    })
}

fn check_once(count: usize, list: &str, field: &str) -> Result<(), String> {
    match count {
        1 => Ok(()),
        0 => Err(format!("snapshot.meta.{list} lacks \"{field}\"")),
        _ => Err(format!("snapshot.meta.{list} names \"{field}\" {count} times")),
    }
}

/// The list of type names that `meta.node_types[0]` or `meta.edge_types[0]` must be.
fn type_names<'a>(types: &'a [Value], key: &str) -> Result<Vec<&'a str>, String> {
    let names = types
        .first()
        .and_then(Value::as_array)
        .ok_or_else(|| format!("snapshot.meta.{key}[0] is not a list of type names"))?;
    names
        .iter()
        .map(|name| name.as_str().ok_or_else(|| format!("snapshot.meta.{key}[0] holds a non-string")))
        .collect()
}
