//! The one order of a diff's rows, which every report shows: what grew most first, except that
//! a class of the program comes before the runtime's containers that merely hold it.

use crate::{diff::ClassChange, origin::Origin};

/// Sorts `rows` best suspect first.
///
/// Rows go by retained growth, largest first. A row of the runtime (closures, contexts,
/// promises, timers, arrays, plain objects, strings) that grew by at most four times what the
/// fastest-growing class of the program grew goes just after that class: such a container
/// usually grows *because* it holds the program's objects, and the program's class is what a
/// developer can act on. Without a class of the program among the rows that grew, the runtime's
/// rows keep their place, so a leak of plain objects or strings still shows what grows.
pub(crate) fn rank(rows: &mut [ClassChange]) {
    let top_program = rows
        .iter()
        .filter(|row| row.origin == Origin::Program)
        .map(|row| row.retained_size_bytes)
        .max()
        .filter(|&grown| grown > 0);
    let score = |row: &ClassChange| match top_program {
        Some(grown) if row.origin != Origin::Program && grown.saturating_mul(4) >= row.retained_size_bytes => {
            row.retained_size_bytes.min(grown - 1)
        }
        _ => row.retained_size_bytes,
    };
    rows.sort_by(|a, b| {
        score(b)
            .cmp(&score(a))
            .then(b.retained_size_bytes.cmp(&a.retained_size_bytes))
            .then(b.size_bytes.cmp(&a.size_bytes))
            .then(b.added.cmp(&a.added))
            .then(a.what.cmp(&b.what))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(what: &str, origin: Origin, retained: i64) -> ClassChange {
        ClassChange {
            what: what.to_string(),
            origin,
            size_bytes: retained / 2,
            size: String::new(),
            added: 1,
            removed: 0,
            retained_size_bytes: retained,
            example_id: None,
            retainers: None,
            defined_at: None,
            held_by: None,
            groups: Vec::new(),
        }
    }

    fn ranked(mut rows: Vec<ClassChange>) -> Vec<String> {
        rank(&mut rows);
        rows.into_iter().map(|row| row.what).collect()
    }

    #[test]
    fn a_program_class_comes_before_the_containers_that_hold_it() {
        let rows = vec![
            row("Closure", Origin::Runtime, 4_000),
            row("Timeout", Origin::Runtime, 3_000),
            row("Poller", Origin::Program, 1_000),
            row("String", Origin::Runtime, 500),
        ];
        assert_eq!(ranked(rows), ["Poller", "Closure", "Timeout", "String"]);
    }

    #[test]
    fn a_container_more_than_four_times_larger_keeps_its_place() {
        let rows = vec![
            row("Array", Origin::Runtime, 4_001),
            row("Conn", Origin::Program, 1_000),
            row("Closure", Origin::Runtime, 2_000),
        ];
        assert_eq!(ranked(rows), ["Array", "Conn", "Closure"]);
    }

    #[test]
    fn without_a_program_class_the_container_that_grows_comes_first() {
        let rows = vec![
            row("String", Origin::Runtime, 300),
            row("Object", Origin::Runtime, 9_000),
            row("Array", Origin::Runtime, 1_000),
        ];
        assert_eq!(ranked(rows), ["Object", "Array", "String"]);
    }

    #[test]
    fn a_program_class_that_shrank_moves_nothing() {
        let rows = vec![row("Gone", Origin::Program, -5_000), row("Closure", Origin::Runtime, 100)];
        assert_eq!(ranked(rows), ["Closure", "Gone"]);
    }

    #[test]
    fn a_smaller_container_is_never_moved_up() {
        let rows = vec![
            row("Conn", Origin::Program, 10_000),
            row("Session", Origin::Program, 5_000),
            row("Array", Origin::Runtime, 100),
        ];
        assert_eq!(ranked(rows), ["Conn", "Session", "Array"]);
    }
}
