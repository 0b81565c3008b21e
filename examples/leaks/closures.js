'use strict';
// Leaks: route handlers are memoized per request instead of per route; each closure keeps its
// `RequestContext`. About 60 KB/s.
const { startChurn } = require('./churn');

class RequestContext {
  constructor(path, n) {
    this.path = path;
    this.params = { n, locale: 'en-US' };
    this.trace = `trace-${n}-${'0'.repeat(32)}`;
  }
}

const handlers = [];
let n = 0;

function handlerFor(path) {
  const context = new RequestContext(path, n++);
  const handler = () => context.params.n;
  handlers.push(handler);
  return handler;
}

startChurn();
setInterval(() => {
  for (let i = 0; i < 25; i++) handlerFor(`/orders/${i}`)();
}, 100);
