//! Handing bytes to the parser in chunks through a channel: from a reading thread, or from a
//! caller that pushes them as they arrive.

use std::{
    io::{self, ErrorKind, Read},
    sync::mpsc::{channel, sync_channel, Receiver, Sender},
    thread,
};

use crate::{error::Error, parse::parse, snapshot::HeapSnapshot};

/// One chunk of input, or the read error that ended it.
pub(crate) type Chunk = io::Result<Vec<u8>>;

/// The size of the read-ahead buffers: large, so the reading thread makes few system calls.
const READ_AHEAD_CHUNK: usize = 1 << 20;

/// How many buffers the reading thread may fill ahead of the parser.
const READ_AHEAD_BUFFERS: usize = 4;

/// Parses `reader` while a second thread reads it, so that the parser does not wait on system
/// calls. The buffers go back to the reading thread once parsed, so memory stays at a few MiB.
pub(crate) fn parse_reading_ahead(mut reader: impl Read + Send) -> Result<HeapSnapshot, Error> {
    thread::scope(|scope| {
        let (full_sender, full_receiver) = sync_channel::<Chunk>(READ_AHEAD_BUFFERS);
        let (empty_sender, empty_receiver) = channel::<Vec<u8>>();
        for _ in 0..READ_AHEAD_BUFFERS {
            let _ = empty_sender.send(Vec::new());
        }
        scope.spawn(move || {
            // Ends when the input ends, or when the parser stops taking chunks.
            for mut buffer in empty_receiver {
                buffer.resize(READ_AHEAD_CHUNK, 0);
                let chunk = fill(&mut reader, &mut buffer).map(|len| {
                    buffer.truncate(len);
                    buffer
                });
                let last = !matches!(&chunk, Ok(buffer) if !buffer.is_empty());
                if full_sender.send(chunk).is_err() || last {
                    return;
                }
            }
        });
        parse(ChunkReader::new(full_receiver, Some(empty_sender)))
    })
}

/// Reads until `buffer` is full or the input ends; returns how much was read.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut len = 0;
    while len < buffer.len() {
        match reader.read(&mut buffer[len..]) {
            Ok(0) => break,
            Ok(read) => len += read,
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(len)
}

/// Reads the chunks sent through a channel as one stream. The stream ends at an empty chunk or
/// when the sender is dropped; a chunk that is an error fails the read.
pub(crate) struct ChunkReader {
    receiver: Receiver<Chunk>,
    /// Where finished chunks go back to be refilled, if anywhere.
    recycle: Option<Sender<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl ChunkReader {
    pub(crate) fn new(receiver: Receiver<Chunk>, recycle: Option<Sender<Vec<u8>>>) -> ChunkReader {
        ChunkReader { receiver, recycle, chunk: Vec::new(), pos: 0 }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            let next = match self.receiver.recv() {
                Ok(chunk) => chunk?,
                Err(_) => Vec::new(),
            };
            if next.is_empty() {
                return Ok(0);
            }
            let done = std::mem::replace(&mut self.chunk, next);
            if let Some(recycle) = &self.recycle {
                let _ = recycle.send(done);
            }
            self.pos = 0;
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
