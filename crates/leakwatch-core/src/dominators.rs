//! The dominator tree.
