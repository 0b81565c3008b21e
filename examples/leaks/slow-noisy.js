'use strict';
// Leaks slowly under heavy noise: about 50 KB/s of `Session`s kept in a registry, while batches
// of several megabytes come and go every couple of seconds.
const { startChurn } = require('./churn');

class Session {
  constructor(id) {
    this.id = id;
    this.user = { name: `user-${id}`, roles: ['reader'] };
    this.token = `token-${id}-${'t'.repeat(40)}`;
  }
}

const registry = [];
let sessions = 0;
let batch = null;

function openSession() {
  const session = new Session(sessions++);
  registry.push(session);
  return session;
}

startChurn({ perTick: 5000 });
setInterval(() => {
  for (let i = 0; i < 20; i++) openSession();
}, 100);
setInterval(() => {
  // A report is built and dropped: up to ~8 MB held for a second or two.
  batch = Array.from({ length: 20_000 + Math.floor(Math.random() * 60_000) }, (_, i) => ({ row: i, value: Math.random() }));
  setTimeout(() => (batch = null), 1000 + Math.random() * 1000);
}, 2500);
