'use strict';
// HeapDiff's one ranking, its groups and its leaving out of leakwatch's own objects, in a real
// node process: a class of the program held by closures comes before `Closure`, one class leaked
// into two containers is two groups, and a plain HeapDiff shows none of what leakwatch made to
// take it. One child process, a few seconds.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../helpers/child');

const PROGRAM = `
const { HeapDiff } = require('.');
class Connection { constructor(id) { this.id = id; this.opened = Date.now(); } }
class Session { constructor(id) { this.id = id; } }
const out = (name, diff) => console.log(JSON.stringify({ name, details: diff.change.details }));

// Leakwatch's objects made on first use (V8 caches them for good) are not in the diffs below.
new HeapDiff().end();

let diff = new HeapDiff();
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

  const own = ['HeapSnapshotStream', 'HeapCensus', 'SnapshotParser', 'HeapDiff', 'ReadableState'];
  const shown = byName.plain.filter((row) => own.includes(row.what)).map((row) => row.what);
  assert.deepEqual(shown, [], 'leakwatch left out of its own diff');
});
