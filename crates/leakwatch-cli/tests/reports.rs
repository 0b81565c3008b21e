//! The reports of `leakwatch` on real snapshots of a node program with known contents.

mod common;

use common::{arg, fixtures, leakwatch};
use serde_json::Value;

/// The row of `class` in a list of rows keyed by `key`.
fn row<'a>(rows: &'a Value, key: &str, class: &str) -> &'a Value {
    rows.as_array()
        .expect("an array of rows")
        .iter()
        .find(|row| row[key] == class)
        .unwrap_or_else(|| panic!("no row for {class}"))
}

/// `node_count` as the snapshot's own header states it.
fn header_node_count(path: &std::path::Path) -> u64 {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes[..4096.min(bytes.len())]);
    let start = text.find("\"node_count\":").unwrap() + "\"node_count\":".len();
    text[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Asserts that the `key` of each row is no smaller than that of the next.
fn assert_descending(rows: &[Value], key: &str) {
    let values: Vec<u64> = rows.iter().map(|row| row[key].as_u64().unwrap()).collect();
    assert!(
        values.windows(2).all(|w| w[0] >= w[1]),
        "{key} descending: {values:?}"
    );
}

#[test]
fn summary_json_counts_each_class_exactly() {
    let f = fixtures();
    let summary = leakwatch(&["summary", arg(&f.before), "--json"]).json();
    assert_eq!(row(&summary["classes"], "name", "Foo")["count"], 1000);
    assert_eq!(row(&summary["classes"], "name", "Bar")["count"], 10);
    assert_eq!(row(&summary["classes"], "name", "Baz")["count"], 100);
    assert_eq!(summary["node_count"], header_node_count(&f.before));
    let foo = row(&summary["classes"], "name", "Foo");
    assert!(foo["retained_size"].as_u64() >= foo["shallow_size"].as_u64());

    let after = leakwatch(&["summary", arg(&f.after), "--json"]).json();
    assert_eq!(row(&after["classes"], "name", "Foo")["count"], 1500);
    assert!(after["classes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|row| row["name"] != "Baz"));
}

#[test]
fn summary_json_is_ranked_by_retained_size_and_cut_by_top() {
    let f = fixtures();
    let summary = leakwatch(&["summary", arg(&f.before), "--json", "--top", "5"]).json();
    let classes = summary["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 5);
    assert_descending(classes, "retained_size");
}

#[test]
fn summary_table_lists_classes_with_readable_numbers() {
    let f = fixtures();
    let run = leakwatch(&["summary", arg(&f.before), "--top", "1000"]);
    run.assert_success();
    let foo = run
        .stdout
        .lines()
        .find(|line| line.starts_with("Foo "))
        .expect("a Foo row");
    assert!(foo.contains(" 1,000 "), "{foo}");
    assert!(run.stdout.lines().next().unwrap().contains(arg(&f.before)));

    let short = leakwatch(&["summary", arg(&f.before), "--top", "3"]);
    short.assert_success();
    // A title line, a blank line, the header, and three rows.
    assert_eq!(short.stdout.lines().count(), 6, "{}", short.stdout);
}

#[test]
fn diff_json_finds_the_added_and_removed_objects() {
    let f = fixtures();
    let diff = leakwatch(&["diff", arg(&f.before), arg(&f.after), "--json"]).json();
    let details = &diff["change"]["details"];
    let foo = row(details, "what", "Foo");
    assert_eq!((&foo["+"], &foo["-"]), (&Value::from(500), &Value::from(0)));
    let baz = row(details, "what", "Baz");
    assert_eq!((&baz["+"], &baz["-"]), (&Value::from(0), &Value::from(100)));
    assert_eq!(details[0]["what"], "Foo", "the leaking class comes first");

    assert_eq!(diff["before"]["nodes"], header_node_count(&f.before));
    assert_eq!(diff["after"]["nodes"], header_node_count(&f.after));
    assert!(diff["change"]["allocated_nodes"].as_u64().unwrap() >= 500);
    assert!(diff["change"]["freed_nodes"].as_u64().unwrap() >= 100);
    for side in ["before", "after"] {
        assert!(diff[side]["size_bytes"].as_u64().unwrap() > 0);
        assert!(diff[side]["size"].is_string());
    }
    for key in [
        "size_bytes",
        "size",
        "freed_nodes",
        "allocated_nodes",
        "details",
    ] {
        assert!(diff["change"].get(key).is_some(), "change.{key} is missing");
    }
    for key in [
        "what",
        "size_bytes",
        "size",
        "+",
        "-",
        "retained_size_bytes",
    ] {
        assert!(foo.get(key).is_some(), "details[].{key} is missing");
    }
}

#[test]
fn diff_table_puts_the_leak_first() {
    let f = fixtures();
    let run = leakwatch(&["diff", arg(&f.before), arg(&f.after)]);
    run.assert_success();
    let mut lines = run
        .stdout
        .lines()
        .skip_while(|line| !line.starts_with("What "));
    lines.next();
    let first = lines.next().expect("a first row");
    assert!(first.starts_with("Foo "), "{first}");
    assert!(first.contains(" 500 "), "{first}");
}

#[test]
fn retainers_of_a_class_go_through_the_map() {
    let f = fixtures();
    let objects = leakwatch(&[
        "retainers",
        arg(&f.after),
        "--class",
        "Foo",
        "--paths",
        "3",
        "--json",
    ])
    .json();
    let objects = objects.as_array().unwrap();
    assert_eq!(objects.len(), 3);
    assert_descending(objects, "retained_size");
    for object in objects {
        assert_eq!(object["class"], "Foo");
        let paths = object["paths"].as_array().unwrap();
        assert_eq!(paths.len(), 1, "one path per object");
        let steps = paths[0]["steps"].as_array().unwrap();
        assert_eq!(
            steps.last().unwrap()["id"],
            object["id"],
            "a path ends at its object"
        );
        assert!(
            steps
                .iter()
                .any(|s| s["class"] == "Map" && s["edge"] == "table"),
            "{steps:?}"
        );
        assert_eq!(object["held_by"], "globalThis.leakwatchFixture.foos (Map)");
        let program_path = object["program_path"].as_str().unwrap();
        assert!(
            program_path.starts_with("global → leakwatchFixture → foos → table → [")
                && program_path.ends_with("] → Foo"),
            "{program_path}"
        );
    }

    let text = leakwatch(&["retainers", arg(&f.after), "--class", "Foo", "--paths", "1"]);
    text.assert_success();
    assert!(text.stdout.starts_with("Foo @"), "{}", text.stdout);
    assert!(
        text.stdout.contains("\n  held by: globalThis.leakwatchFixture.foos (Map)\n")
            && text.stdout.contains("\n  path: global → leakwatchFixture → foos → table → ["),
        "{}",
        text.stdout
    );

    let devtools = leakwatch(&["retainers", arg(&f.after), "--class", "Foo", "--paths", "1", "--devtools"]);
    devtools.assert_success();
    assert!(
        devtools.stdout.contains("Map @") && devtools.stdout.contains("table"),
        "{}",
        devtools.stdout
    );
}

#[test]
fn retainers_of_an_id_end_at_that_object() {
    let f = fixtures();
    let largest = leakwatch(&[
        "retainers",
        arg(&f.before),
        "--class",
        "Bar",
        "--paths",
        "1",
        "--json",
    ])
    .json();
    let id = largest[0]["id"].as_u64().unwrap().to_string();

    let objects = leakwatch(&[
        "retainers",
        arg(&f.before),
        "--id",
        &id,
        "--paths",
        "2",
        "--json",
    ])
    .json();
    assert_eq!(objects.as_array().unwrap().len(), 1);
    assert_eq!(objects[0]["id"].to_string(), id);
    assert_eq!(objects[0]["class"], "Bar");
    let paths = objects[0]["paths"].as_array().unwrap();
    assert!(!paths.is_empty() && paths.len() <= 2, "{paths:?}");
    for path in paths {
        let steps = path["steps"].as_array().unwrap();
        assert_eq!(steps.last().unwrap()["id"].to_string(), id);
        assert!(
            steps.last().unwrap()["edge"].is_null(),
            "the last step has no edge"
        );
    }

    let text = leakwatch(&["retainers", arg(&f.before), "--id", &id, "--devtools"]);
    text.assert_success();
    assert!(
        text.stdout.starts_with(&format!("Bar @{id}:")),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("  1. "), "{}", text.stdout);
}

#[test]
fn unknown_ids_and_classes_are_errors() {
    let f = fixtures();
    let name = f.before.file_name().unwrap().to_str().unwrap();
    leakwatch(&["retainers", arg(&f.before), "--id", "4294967295"]).assert_failure_naming(name);
    leakwatch(&["retainers", arg(&f.before), "--class", "NoSuchClass"]).assert_failure_naming(name);
}

#[test]
fn help_has_examples_and_version_is_the_crate_version() {
    let help = leakwatch(&["--help"]);
    help.assert_success();
    assert!(
        help.stdout.contains("Examples:") && help.stdout.contains("leakwatch diff "),
        "{}",
        help.stdout
    );
    let version = leakwatch(&["--version"]);
    version.assert_success();
    assert_eq!(
        version.stdout.trim(),
        format!("leakwatch {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn strings_full_of_escapes_are_read_across_buffer_boundaries() {
    // A root holding one string of 200,000 `\n` escapes: whatever the reader's buffer size, some
    // escape straddles every boundary between two buffers.
    let mut text = String::from(concat!(
        r#"{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","detachedness"],"#,
        r#""node_types":[["hidden","array","string","object","code","closure","regexp","number","native","#,
        r#""synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","#,
        r#""number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"#,
        r#""edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"#,
        r#""string_or_number","node"]},"node_count":2,"edge_count":1,"trace_function_count":0},"#,
        "\n\"nodes\":[9,0,1,0,1,0,2,1,3,100,0,0],\n\"edges\":[3,2,6],\n",
        r#""trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],"#,
        "\n\"strings\":[\"\",\"",
    ));
    text.push_str(&"\\n".repeat(200_000));
    text.push_str("\",\"edge\"]}");
    let path = fixtures().dir.join("escapes.heapsnapshot");
    std::fs::write(&path, text).unwrap();

    let summary = leakwatch(&["summary", arg(&path), "--json"]).json();
    assert_eq!(summary["node_count"], 2);
    assert_eq!(
        row(&summary["classes"], "name", "(string)")["shallow_size"],
        100
    );
}

#[test]
fn find_leaks_groups_what_the_target_added_and_the_final_snapshot_still_holds() {
    let f = fixtures();
    // The 500 Foo added between `before` and `after` are all still alive in `after`.
    let found = leakwatch(&["find-leaks", arg(&f.before), arg(&f.after), arg(&f.after), "--json"]).json();
    let groups = found["groups"].as_array().unwrap();
    let foo: Vec<&Value> = groups.iter().filter(|g| g["class"] == "Foo").collect();
    assert_eq!(foo.len(), 1, "one shape holds them all: {foo:?}");
    assert_eq!(foo[0]["count"], 500);
    assert!(foo[0]["retained_size"].as_u64().unwrap() > 0);
    assert!(foo[0]["shape"].as_str().unwrap().ends_with("Foo"), "{}", foo[0]["shape"]);
    assert!(foo[0]["path"].as_str().unwrap().contains("Foo @"), "{}", foo[0]["path"]);
    assert!(groups.iter().all(|g| g["class"] != "Baz" && g["class"] != "Bar"));

    // Nothing was allocated between a snapshot and itself.
    let none = leakwatch(&["find-leaks", arg(&f.after), arg(&f.after), arg(&f.after), "--json"]).json();
    assert_eq!(none["still_alive"], 0);
    assert_eq!(none["groups"].as_array().unwrap().len(), 0);

    let table = leakwatch(&["find-leaks", arg(&f.before), arg(&f.after), arg(&f.after)]).stdout;
    assert!(table.contains("are still alive, in"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("Foo ") && l.contains("500")), "{table}");
}
