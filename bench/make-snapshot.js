'use strict';
// Writes a heap snapshot of a process holding N Session objects, the workload of the
// performance anchors (each Session is about 8 heap nodes: the object, its user object, a name
// string, a tags array and its elements, a closure and its context).
//
// Usage: node [--max-old-space-size=8192] make-snapshot.js N OUT
//
// 1M sessions need the larger heap; V8 takes about 40 s and 4.3 GB of RSS to write that
// snapshot.

const v8 = require('node:v8');

class Session {
  constructor(i) {
    this.id = i;
    this.user = { name: 'user' + i, tags: [i, i + 1] };
    this.cb = () => this.id;
  }
}

const [count, out] = [Number(process.argv[2]), process.argv[3]];
if (!Number.isSafeInteger(count) || count < 0 || !out) {
  console.error('usage: node make-snapshot.js N OUT');
  process.exit(2);
}

// Held from globalThis: V8 collects whatever is unreachable before writing the snapshot.
globalThis.sessions = [];
for (let i = 0; i < count; i++) globalThis.sessions.push(new Session(i));
v8.writeHeapSnapshot(out);
