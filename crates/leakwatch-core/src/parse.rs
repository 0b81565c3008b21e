//! The streaming `.heapsnapshot` parser.
