'use strict';
// HeapDiff's one ranking, its groups and its leaving out of leakwatch's own objects, in a real
// node process: a class of the program held by closures comes before `Closure`, one class leaked
// into two containers is two groups, and neither the process's first HeapDiff nor a plain one
// shows any of what leakwatch made to take it. One child process, a few seconds.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../helpers/child');

const PROGRAM = `
const { HeapDiff } = require('.');
class Connection { constructor(id) { this.id = id; this.opened = Date.now(); } }
class Session { constructor(id) { this.id = id; } }
const out = (name, diff) => console.log(JSON.stringify({ name, details: diff.change.details }));

// The process's first HeapDiff: what V8 makes the first time leakwatch takes a snapshot (the
// template instantiations it caches for good) is not in it.
class Order { constructor(id) { this.id = id; } }
let diff = new HeapDiff();
globalThis.orders = [];
for (let i = 0; i < 2000; i++) orders.push(new Order(i));
out('first', diff.end());

diff = new HeapDiff();
const handlers = [];
for (let i = 0; i < 3000; i++) {
  const connection = new Connection(i);
  handlers.push(() => connection.id);
}
globalThis.handlers = handlers;
out('closures', diff.end({ retainers: 5 }));

diff = new HeapDiff();
globalThis.active = [];
globalThis.byId = new Map();
for (let i = 0; i < 2000; i++) active.push(new Session(i));
for (let i = 0; i < 1000; i++) byId.set('s' + i, new Session(i));
out('two containers', diff.end({ retainers: 5 }));

diff = new HeapDiff();
out('plain', diff.end());
`;

test('HeapDiff ranks the program class first, groups by container and leaves out leakwatch', async () => {
  const r = await runNode(PROGRAM, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const byName = Object.fromEntries(jsonLines(r.stdout).map((line) => [line.name, line.details]));

  const [top] = byName.closures;
  assert.equal(top.what, 'Connection', byName.closures.map((row) => row.what).join(', '));
  assert.equal(top.origin, 'program');
  assert.equal(byName.closures.find((row) => row.what === 'Closure')?.origin, 'runtime');

  const session = byName['two containers'].find((row) => row.what === 'Session');
  const counts = session.groups.map((group) => group.count);
  assert.deepEqual(counts.slice(0, 2), [2000, 1000], JSON.stringify(session.groups));
  assert.match(session.groups[0].retainers, /active/);
  assert.match(session.groups[1].retainers, /byId/);

  const own = ['HeapSnapshotStream', 'AsyncWrap', 'HeapCensus', 'SnapshotParser', 'HeapDiff', 'ReadableState'];
  for (const name of ['first', 'plain']) {
    const shown = byName[name].filter((row) => own.includes(row.what)).map((row) => row.what);
    assert.deepEqual(shown, [], `leakwatch left out of its own diff (${name})`);
  }
  const [first] = byName.first;
  assert.deepEqual([first.what, first['+']], ['Order', 2000], byName.first.map((row) => row.what).join(', '));
});
