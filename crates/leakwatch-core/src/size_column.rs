//! A column of byte counts that are nearly all below 4 GiB: four bytes a node, not eight.

use std::collections::HashMap;

/// Stored in place of a count that does not fit; the count is then in the side table.
const WIDE: u32 = u32::MAX;

/// A `u64` per node, stored as a `u32` per node and, for the few counts of 4 GiB and more (the
/// retained sizes of the root and of the objects that hold most of a big heap), a side table.
pub(crate) struct SizeColumn {
    narrow: Vec<u32>,
    wide: HashMap<u32, u64>,
}

impl SizeColumn {
    /// A column holding `sizes`.
    pub(crate) fn new(sizes: Vec<u32>) -> SizeColumn {
        let mut column = SizeColumn { narrow: sizes, wide: HashMap::new() };
        for (node, size) in column.narrow.iter().enumerate() {
            if *size == WIDE {
                column.wide.insert(node as u32, u64::from(WIDE));
            }
        }
        column
    }

    /// The count of `node`.
    #[inline]
    pub(crate) fn get(&self, node: u32) -> u64 {
        match self.narrow[node as usize] {
            WIDE => self.wide[&node],
            narrow => u64::from(narrow),
        }
    }

    /// Adds `amount` to the count of `node`.
    #[inline]
    pub(crate) fn add(&mut self, node: u32, amount: u64) {
        let slot = &mut self.narrow[node as usize];
        if *slot == WIDE {
            *self.wide.get_mut(&node).expect("a wide count is in the side table") += amount;
            return;
        }
        let sum = u64::from(*slot) + amount;
        match u32::try_from(sum) {
            Ok(narrow) if narrow != WIDE => *slot = narrow,
            _ => {
                *slot = WIDE;
                self.wide.insert(node, sum);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SizeColumn;

    #[test]
    fn counts_past_four_gib_are_kept_whole() {
        let mut column = SizeColumn::new(vec![0, u32::MAX - 1, u32::MAX, 7]);
        assert_eq!(column.get(2), u64::from(u32::MAX));
        column.add(0, 5);
        column.add(1, 1);
        column.add(2, 1 << 40);
        column.add(3, (1 << 33) + 1);
        column.add(3, 2);
        let counts: Vec<u64> = (0..4).map(|node| column.get(node)).collect();
        assert_eq!(counts, [5, u64::from(u32::MAX), u64::from(u32::MAX) + (1 << 40), (1 << 33) + 10]);
    }
}
