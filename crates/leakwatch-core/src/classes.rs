//! Class names: DevTools' Summary names and node-memwatch's `what` names.

use crate::snapshot::{HeapSnapshot, NodeKind};

/// The class of node `ordinal` as the Summary view of Chrome DevTools names it.
pub(crate) fn devtools_class_name(snapshot: &HeapSnapshot, ordinal: u32) -> &str {
    match snapshot.node_kind(ordinal) {
        NodeKind::Hidden => "(system)",
        NodeKind::Object | NodeKind::Native => snapshot.node_name(ordinal),
        NodeKind::Code => "(compiled code)",
        NodeKind::Closure => "Function",
        NodeKind::RegExp => "RegExp",
        NodeKind::Array => "(array)",
        NodeKind::String => "(string)",
        NodeKind::Number => "(number)",
        NodeKind::Synthetic => "(synthetic)",
        NodeKind::ConsString => "(concatenated string)",
        NodeKind::SlicedString => "(sliced string)",
        NodeKind::Symbol => "(symbol)",
        NodeKind::BigInt => "(bigint)",
        NodeKind::ObjectShape => "(object shape)",
        NodeKind::WasmObject => "(wasm object)",
        NodeKind::Other => "(unknown)",
    }
}

/// The `what` that node-memwatch's HeapDiff reports for node `ordinal`, or `None` for the node
/// types it leaves out (hidden nodes and the types it predates).
pub fn memwatch_what(snapshot: &HeapSnapshot, ordinal: u32) -> Option<&str> {
    Some(match snapshot.node_kind(ordinal) {
        NodeKind::Array => "Array",
        NodeKind::String | NodeKind::ConsString | NodeKind::SlicedString => "String",
        NodeKind::Object => snapshot.node_name(ordinal),
        NodeKind::Code => "Code",
        NodeKind::Closure => "Closure",
        NodeKind::RegExp => "RegExp",
        NodeKind::Number => "Number",
        NodeKind::Native => "Native",
        _ => return None,
    })
}

/// A byte count as node-memwatch prints it: four significant digits and a unit,
/// such as `"243.4 kb"`, `"-1.64 mb"` or `"512 bytes"`.
pub fn nice_size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let magnitude = bytes.unsigned_abs() as f64;
    let (value, unit) = if magnitude > KB * KB {
        (bytes as f64 / (KB * KB), "mb")
    } else if magnitude > KB {
        (bytes as f64 / KB, "kb")
    } else {
        return format!("{bytes} bytes");
    };
    format!("{} {unit}", four_significant_digits(value))
}

/// Formats like C++ `std::setprecision(4)` in default notation: four significant digits,
/// trailing zeros dropped.
fn four_significant_digits(value: f64) -> String {
    let integer_digits = (value.abs().log10().floor() as i32 + 1).max(1);
    let decimals = (4 - integer_digits).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::nice_size;

    #[test]
    fn nice_size_matches_node_memwatch() {
        assert_eq!(nice_size(512), "512 bytes");
        assert_eq!(nice_size(-1024), "-1024 bytes");
        assert_eq!(nice_size(249_232), "243.4 kb");
        assert_eq!(nice_size(1_719_664), "1.64 mb");
        assert_eq!(nice_size(-2_590), "-2.529 kb");
        assert_eq!(nice_size(10 * 1024 * 1024), "10 mb");
    }
}
