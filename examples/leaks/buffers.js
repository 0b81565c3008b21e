'use strict';
// Leaks outside the V8 heap: every upload's 16 KB chunk is kept, as a `ReceivedChunk` holding a
// `Buffer`, in a list that is never trimmed. About 80 KB/s of external memory; the heap barely
// moves.
const { startChurn } = require('./churn');

class ReceivedChunk {
  constructor(upload, data) {
    this.upload = upload;
    this.receivedAt = Date.now();
    this.data = data;
  }
}

const received = [];
let uploads = 0;

function receiveChunk(size) {
  const chunk = new ReceivedChunk(uploads++, Buffer.alloc(size, 1));
  received.push(chunk);
  return chunk.data.length;
}

startChurn();
setInterval(() => {
  // Buffers that are dropped at once: churn outside the heap too.
  for (let i = 0; i < 20; i++) Buffer.alloc(4096, 2);
  receiveChunk(16 * 1024);
}, 200);
