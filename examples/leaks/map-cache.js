'use strict';
// Leaks: a response cache keyed by request id, which never repeats, so entries are never reused
// or evicted. About 70 KB/s of `CachedResponse`s.
const { startChurn } = require('./churn');

class CachedResponse {
  constructor(id) {
    this.id = id;
    this.body = `{"id":${id},"items":[${'1,'.repeat(80)}0]}`;
    this.storedAt = Date.now();
  }
}

const cache = new Map();
let requestId = 0;

function handleRequest() {
  const id = requestId++;
  if (!cache.has(id)) cache.set(id, new CachedResponse(id));
  return cache.get(id);
}

startChurn();
setInterval(() => {
  for (let i = 0; i < 25; i++) handleRequest();
}, 100);
