//! Plain-text tables and the number formats they use.

use leakwatch_core::nice_size;

/// How a column lines up its cells.
#[derive(Clone, Copy)]
pub enum Align {
    /// Text: left-aligned.
    Left,
    /// Numbers: right-aligned, so that digits of the same weight line up.
    Right,
}

/// A table with a header row, laid out in columns as wide as their widest cell.
pub struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

/// Class names can be anything a program called its constructor; a table column has room for
/// this many characters of one.
const MAX_CELL: usize = 60;

impl Table {
    /// An empty table with these column headers.
    pub fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row, one cell per column.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len());
        self.rows
            .push(cells.into_iter().map(|cell| clip(&cell)).collect());
    }

    /// The table as text, one line per row, each ending in a newline.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|(name, _)| name.chars().count())
            .collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|(name, _)| name.to_string())
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, ((cell, width), (_, align))) in
                row.iter().zip(&widths).zip(&self.columns).enumerate()
            {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(width - cell.chars().count());
                match align {
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&pad);
                    }
                    Align::Right => {
                        line.push_str(&pad);
                        line.push_str(cell);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A cell fit for one line of a table: control characters escaped, long text cut short.
fn clip(text: &str) -> String {
    let clean: String = text
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            }
        })
        .collect();
    if clean.chars().count() <= MAX_CELL {
        clean
    } else {
        let mut cut: String = clean.chars().take(MAX_CELL - 1).collect();
        cut.push('…');
        cut
    }
}

/// A count with thousands separators: `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A size in bytes for people, as node-memwatch writes it: `243.4 kb`.
pub fn size(bytes: u64) -> String {
    nice_size(i64::try_from(bytes).unwrap_or(i64::MAX))
}

/// A change in size, with its sign always written: `+243.4 kb`, `-512 bytes`, `0 bytes`.
pub fn signed_size(bytes: i64) -> String {
    if bytes > 0 {
        format!("+{}", nice_size(bytes))
    } else {
        nice_size(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::{clip, count, signed_size, Align, Table};

    #[test]
    fn counts_have_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn signed_sizes_show_their_sign() {
        assert_eq!(signed_size(512), "+512 bytes");
        assert_eq!(signed_size(-512), "-512 bytes");
        assert_eq!(signed_size(0), "0 bytes");
    }

    #[test]
    fn cells_stay_on_one_short_line() {
        assert_eq!(clip("a\nb"), "a\\nb");
        assert_eq!(clip(&"x".repeat(100)).chars().count(), 60);
    }

    #[test]
    fn columns_line_up() {
        let mut table = Table::new(&[("Class", Align::Left), ("Count", Align::Right)]);
        table.row(vec!["Foo".into(), "1,000".into()]);
        table.row(vec!["LongerName".into(), "7".into()]);
        assert_eq!(
            table.render(),
            "Class       Count\nFoo         1,000\nLongerName      7\n"
        );
    }
}
