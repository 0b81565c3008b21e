//! Byte counts as node-memwatch prints them, so HeapDiff's JSON matches its `size` fields.

/// A byte count as node-memwatch prints it: rounded to two decimals in the largest unit it
/// exceeds, such as `"243.39 kb"`, `"-1.64 mb"` or `"1024 bytes"`.
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
    // `f64::round` rounds half away from zero, as C's round does; Display drops trailing zeros.
    format!("{} {unit}", (value * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::nice_size;

    #[test]
    fn nice_size_matches_node_memwatch() {
        assert_eq!(nice_size(512), "512 bytes");
        assert_eq!(nice_size(-1024), "-1024 bytes");
        assert_eq!(nice_size(1025), "1 kb");
        assert_eq!(nice_size(249_231), "243.39 kb");
        assert_eq!(nice_size(1_719_664), "1.64 mb");
        assert_eq!(nice_size(-2_590), "-2.53 kb");
        assert_eq!(nice_size(1024 * 1024), "1024 kb");
        assert_eq!(nice_size(10 * 1024 * 1024), "10 mb");
    }
}
