'use strict';
// Leaks outside the V8 heap: every upload's 16 KB chunk is kept in a list of `Buffer`s that is
// never trimmed. About 80 KB/s of external memory; the heap barely moves.
const { startChurn } = require('./churn');

const received = [];

function receiveChunk(size) {
  const chunk = Buffer.alloc(size, 1);
  received.push(chunk);
  return chunk.length;
}

startChurn();
setInterval(() => {
  // Buffers that are dropped at once: churn outside the heap too.
  for (let i = 0; i < 20; i++) Buffer.alloc(4096, 2);
  receiveChunk(16 * 1024);
}, 200);
