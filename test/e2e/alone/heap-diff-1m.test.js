'use strict';
// The heavy one: a HeapDiff across a heap of a million objects (about 8 million heap nodes, a
// 600 MB snapshot), in a child process with room for it. Tens of seconds.
// Runs under the newest Node only: what it tests is the engine's exactness at this scale, which
// is the same whichever Node wrote the snapshot; unit/heap-diff.test.js checks every version.
// May run beside one other alone run: it needs memory and a core, and makes no claim of time.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../../helpers/child');

const PROGRAM = `
  const memwatch = require('.');
  class Session {
    constructor(i) {
      this.id = i;
      this.user = { name: 'user' + i, tags: [i, i + 1] };
      this.cb = () => this.id;
    }
  }
  globalThis.sessions = [];
  const add = (from, n) => { for (let i = from; i < from + n; i++) sessions.push(new Session(i)); };
  add(0, 1_000_000);
  const t0 = Date.now();
  const hd = new memwatch.HeapDiff();
  add(1_000_000, 100_000);
  sessions.splice(0, 50_000);
  const diff = hd.end();
  const row = diff.change.details.find((d) => d.what === 'Session');
  console.log(JSON.stringify({ ms: Date.now() - t0, before: diff.before, after: diff.after, row,
    freed: diff.change.freed_nodes, allocated: diff.change.allocated_nodes }));`;

test('HeapDiff across a heap of 1M objects is exact', { timeout: 15 * 60_000 }, async (t) => {
  const r = await runNode(PROGRAM, { args: ['--max-old-space-size=8192'], timeoutMs: 14 * 60_000 });
  assert.equal(r.timedOut, false, 'timed out');
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const [result] = jsonLines(r.stdout);
  assert.ok(result.before.nodes > 6_500_000, `${result.before.nodes} nodes before`);
  assert.ok(result.after.nodes > result.before.nodes, 'more after');
  assert.equal(result.row['+'], 100_000, 'Sessions added');
  assert.equal(result.row['-'], 50_000, 'Sessions freed');
  assert.ok(result.allocated >= 100_000 * 6, `${result.allocated} nodes allocated`);
  assert.ok(result.freed >= 50_000 * 6, `${result.freed} nodes freed`);
  t.diagnostic(`1M-object HeapDiff: ${(result.ms / 1000).toFixed(1)} s, ${result.before.nodes} -> ${result.after.nodes} nodes`);
});
