//! Reading an integer array on two threads: one tokenizes, the other stores the rows.

use std::{
    io::Read,
    sync::mpsc::{channel, sync_channel},
    thread,
};

use super::{numbers::RowsRead, source::Source};
use crate::error::Error;

/// Rows handed over at a time: large enough to make the hand-over cheap, small enough to stay
/// in cache.
const BATCH_ROWS: usize = 8192;

/// Rows on their way from the tokenizer to the placer, with the input offset of each row.
struct Batch {
    values: Vec<u64>,
    offsets: Vec<u64>,
}

impl Batch {
    fn new(width: usize) -> Batch {
        Batch { values: Vec::with_capacity(width * BATCH_ROWS), offsets: Vec::with_capacity(BATCH_ROWS) }
    }
}

/// Like [`Source::read_rows`], but `place` runs on a second thread, so that tokenizing the
/// text and storing the rows overlap. Errors keep their offsets; when both threads fail, the
/// earlier error in the input wins.
pub(crate) fn read_rows_split<R: Read>(
    source: &mut Source<R>,
    width: usize,
    mut place: impl FnMut(&[u64]) -> Result<(), String> + Send,
) -> Result<RowsRead, Error> {
    thread::scope(|scope| {
        let (full_sender, full_receiver) = sync_channel::<Batch>(4);
        let (empty_sender, empty_receiver) = channel::<Batch>();
        let placer = scope.spawn(move || -> Result<(), Error> {
            for mut batch in full_receiver {
                for (row, &offset) in batch.values.chunks_exact(width).zip(&batch.offsets) {
                    place(row).map_err(|message| Error::at(offset, message))?;
                }
                batch.values.clear();
                batch.offsets.clear();
                // The tokenizer may have finished; then the batch is simply dropped.
                let _ = empty_sender.send(batch);
            }
            Ok(())
        });
        let mut batch = Batch::new(width);
        let read = source.read_rows(width, |row, offset| {
            // Pushed one by one: rows are a few values, too short to pay for the memcpy call
            // that `extend` makes.
            for &value in row {
                batch.values.push(value);
            }
            batch.offsets.push(offset);
            if batch.offsets.len() == BATCH_ROWS {
                let next = empty_receiver.try_recv().unwrap_or_else(|_| Batch::new(width));
                let full = std::mem::replace(&mut batch, next);
                // A closed channel means the placer failed; its error is reported below.
                full_sender.send(full).map_err(|_| String::from("the rows could not be stored"))?;
            }
            Ok(())
        });
        // Hand over the last rows even after a tokenizer error: an earlier row may be invalid.
        let _ = full_sender.send(batch);
        drop(full_sender);
        let placed = placer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        placed?;
        read
    })
}
