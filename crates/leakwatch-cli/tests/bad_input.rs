//! Every kind of bad input ends the same way: status 2, one line on stderr naming the file,
//! nothing on stdout, no panic. The broken files are cut and patched from a real snapshot.

mod common;

use std::{
    fs,
    path::{Path, PathBuf},
};

use common::{arg, fixtures, leakwatch};

/// Writes `bytes` to a file called `name` beside the fixtures and returns its path.
fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = fixtures().dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

/// The bytes of the real "before" snapshot.
fn real() -> Vec<u8> {
    fs::read(&fixtures().before).unwrap()
}

/// The offset just past the first occurrence of `needle`.
fn after(bytes: &[u8], needle: &str) -> usize {
    let needle = needle.as_bytes();
    bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("no {needle:?}"))
        + needle.len()
}

/// `bytes` with the first occurrence of `from`, at or after `start`, replaced by `to`.
fn replace(bytes: &[u8], start: usize, from: &str, to: &str) -> Vec<u8> {
    let at = start + after(&bytes[start..], from) - from.len();
    [&bytes[..at], to.as_bytes(), &bytes[at + from.len()..]].concat()
}

/// The unsigned integer that starts at `at`.
fn number_at(bytes: &[u8], at: usize) -> u64 {
    let digits = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    std::str::from_utf8(&bytes[at..at + digits])
        .unwrap()
        .parse()
        .unwrap()
}

/// `bytes` with the unsigned integer that starts at `at` replaced by `new(old)`.
fn patch_number(bytes: &[u8], at: usize, new: impl Fn(u64) -> u64) -> Vec<u8> {
    let old = number_at(bytes, at);
    let end = at + old.to_string().len();
    [&bytes[..at], new(old).to_string().as_bytes(), &bytes[end..]].concat()
}

/// How many values make one node in the snapshot `bytes`.
fn node_field_count(bytes: &[u8]) -> u64 {
    let fields = after(bytes, "\"node_fields\":[");
    bytes[fields..].iter().take_while(|&&b| b != b']').filter(|&&b| b == b',').count() as u64 + 1
}

/// Runs `summary` on `path` and checks that it fails in the one right way.
fn assert_rejected(path: &Path) {
    let name = path.file_name().unwrap().to_str().unwrap();
    leakwatch(&["summary", arg(path)]).assert_failure_naming(name);
    leakwatch(&["summary", arg(path), "--json"]).assert_failure_naming(name);
}

#[test]
fn missing_file() {
    let path = fixtures().dir.join("no-such.heapsnapshot");
    assert_rejected(&path);
}

#[test]
fn directory_instead_of_a_file() {
    let path = fixtures().dir.join("a-directory.heapsnapshot");
    fs::create_dir_all(&path).unwrap();
    assert_rejected(&path);
}

#[test]
fn empty_file() {
    assert_rejected(&write("empty.heapsnapshot", b""));
}

#[test]
fn truncated_at_every_part_of_the_file() {
    let bytes = real();
    let cuts = [
        ("one-byte", 1),
        ("header", after(&bytes, "\"node_fields\":[") + 10),
        ("header-end", after(&bytes, "\"nodes\":[") - 3),
        ("nodes", after(&bytes, "\"nodes\":[") + 1000),
        ("edges", after(&bytes, "\"edges\":[") + 1000),
        ("locations", after(&bytes, "\"locations\":[") + 10),
        ("strings", after(&bytes, "\"strings\":[") + 1000),
        ("last-byte", bytes.len() - 1),
    ];
    for (part, at) in cuts {
        assert_rejected(&write(
            &format!("truncated-{part}.heapsnapshot"),
            &bytes[..at],
        ));
    }
}

#[test]
fn not_json() {
    assert_rejected(&write(
        "text.heapsnapshot",
        b"this is plain text, not a heap snapshot\n",
    ));
    assert_rejected(&write(
        "binary.heapsnapshot",
        &[0xff, 0xfe, 0x00, 0x01, 0x80],
    ));
}

#[test]
fn json_but_not_a_snapshot() {
    assert_rejected(&write("object.heapsnapshot", b"{\"a\":1}"));
    assert_rejected(&write("array.heapsnapshot", b"[]"));
    assert_rejected(&write("no-nodes.heapsnapshot", b"{\"snapshot\":{}}"));
}

#[test]
fn node_count_disagrees_with_the_nodes() {
    let bytes = real();
    let patched = patch_number(&bytes, after(&bytes, "\"node_count\":"), |count| count + 1);
    assert_rejected(&write("node-count.heapsnapshot", &patched));
}

#[test]
fn edge_count_disagrees_with_the_edges() {
    let bytes = real();
    let patched = patch_number(&bytes, after(&bytes, "\"edge_count\":"), |count| count - 1);
    assert_rejected(&write("edge-count.heapsnapshot", &patched));
}

#[test]
fn node_fields_without_edge_count() {
    let bytes = real();
    let fields = after(&bytes, "\"node_fields\":[");
    let patched = replace(&bytes, fields, "\"edge_count\"", "\"edge_total\"");
    assert_rejected(&write("node-fields.heapsnapshot", &patched));
}

#[test]
fn edge_pointing_past_the_last_node() {
    let bytes = real();
    let node_count = number_at(&bytes, after(&bytes, "\"node_count\":"));
    // The first edge is `type,name_or_index,to_node`; `to_node` is an offset into `nodes`, so
    // node_count * field_count is the first offset past the end.
    let first_edge = after(&bytes, "\"edges\":[");
    let name = first_edge + after(&bytes[first_edge..], ",");
    let to_node = name + after(&bytes[name..], ",");
    let patched = patch_number(&bytes, to_node, |_| node_count * node_field_count(&bytes));
    assert_rejected(&write("edge-past-end.heapsnapshot", &patched));
}

#[test]
fn location_of_a_node_past_the_last_or_between_nodes() {
    let bytes = real();
    let node_count = number_at(&bytes, after(&bytes, "\"node_count\":"));
    let first_location = after(&bytes, "\"locations\":[");
    let past_end = patch_number(&bytes, first_location, |_| node_count * node_field_count(&bytes));
    assert_rejected(&write("location-past-end.heapsnapshot", &past_end));
    let between = patch_number(&bytes, first_location, |offset| offset + 1);
    assert_rejected(&write("location-between-nodes.heapsnapshot", &between));
}

#[test]
fn diff_names_the_bad_one_of_two_files() {
    let good = &fixtures().before;
    let bad = write("diff-bad.heapsnapshot", b"{\"a\":1}");
    leakwatch(&["diff", arg(good), arg(&bad)]).assert_failure_naming("diff-bad.heapsnapshot");
    leakwatch(&["diff", arg(&bad), arg(good), "--json"])
        .assert_failure_naming("diff-bad.heapsnapshot");
}

#[test]
fn retainers_reject_bad_files_too() {
    let bad = write("retainers-bad.heapsnapshot", b"[]");
    leakwatch(&["retainers", arg(&bad), "--id", "1"])
        .assert_failure_naming("retainers-bad.heapsnapshot");
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let file = arg(&fixtures().before);
    for args in [
        &["summary"][..],
        &["retainers", file],
        &["retainers", file, "--id", "1", "--class", "Foo"],
        &["retainers", file, "--id", "1", "--paths", "0"],
        &["summary", file, "--top", "-1"],
        &["frobnicate", file],
    ] {
        let run = leakwatch(args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
    }
}
