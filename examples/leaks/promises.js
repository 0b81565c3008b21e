'use strict';
// Leaks: an RPC client awaits the reply to each request, but the server never answers one request
// in five and nothing times the wait out, so those `await`s never settle; each keeps its
// `PendingRequest`. About 80 KB/s.
const { startChurn } = require('./churn');

class PendingRequest {
  constructor(id, method) {
    this.id = id;
    this.method = method;
    this.params = { page: id, query: `status=open&customer=${id}`, fields: ['id', 'total', 'items'] };
    this.sentAt = Date.now();
  }
}

// Replies are matched to requests by id: a reply settles the wait registered for it.
const replyTo = new Map();
let nextId = 0;

function waitForReply(id) {
  return new Promise((resolve) => replyTo.set(id, resolve));
}

// The server's side: it answers four requests in five, a few milliseconds later.
function serve(id) {
  if (id % 5 === 4) return;
  setTimeout(() => {
    const resolve = replyTo.get(id);
    replyTo.delete(id);
    resolve({ id, status: 'ok' });
  }, 5);
}

async function call(method) {
  const request = new PendingRequest(nextId++, method);
  serve(request.id);
  const reply = await waitForReply(request.id);
  request.repliedAt = Date.now();
  return reply;
}

startChurn();
setInterval(() => {
  for (let i = 0; i < 50; i++) call('orders.list');
}, 100);
