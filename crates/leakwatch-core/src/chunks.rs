//! Handing bytes to the parser in chunks through a channel, as a caller pushes them.

use std::{
    io::{self, Read},
    sync::mpsc::Receiver,
};

/// Reads the chunks sent through a channel as one stream, which ends when the sender is
/// dropped.
pub(crate) struct ChunkReader {
    receiver: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl ChunkReader {
    pub(crate) fn new(receiver: Receiver<Vec<u8>>) -> ChunkReader {
        ChunkReader { receiver, chunk: Vec::new(), pos: 0 }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.receiver.recv() {
                // The chunk just finished is freed here, so the queue holds the only copies.
                Ok(next) => self.chunk = next,
                Err(_) => return Ok(0),
            }
            self.pos = 0;
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
