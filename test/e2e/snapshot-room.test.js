'use strict';
// A HeapDiff in a heap near its limit is refused with a clear error rather than risking V8's
// fatal out-of-memory (a process under a tight --max-old-space-size, filled to 82% of it; where
// snapshots start to fail: bench/snapshot-memory.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../helpers/child');

const PROGRAM = `
  const v8 = require('node:v8');
  const memwatch = require('.');
  const usedShare = () => v8.getHeapStatistics().used_heap_size / (256 * 1024 * 1024);
  const tryDiff = () => {
    try {
      const hd = new memwatch.HeapDiff();
      hd.end();
      return { ok: true, share: usedShare() };
    } catch (err) {
      return { ok: false, code: err.code, message: err.message, share: usedShare() };
    }
  };
  const roomy = tryDiff();
  globalThis.kept = [];
  while (usedShare() < 0.82) for (let i = 0; i < 1000; i++) kept.push({ i, s: 'v' + kept.length });
  const tight = tryDiff();
  console.log(JSON.stringify({ roomy, tight }));`;

test('a HeapDiff in a heap near its limit throws LEAKWATCH_NO_ROOM instead of taking the process down', async () => {
  const r = await runNode(PROGRAM, { args: ['--max-old-space-size=256'], timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const [{ roomy, tight }] = jsonLines(r.stdout);
  assert.equal(roomy.ok, true, `refused with an empty heap: ${roomy.message}`);
  assert.equal(tight.ok, false, `took a snapshot with ${(tight.share * 100).toFixed(0)}% of the old space used`);
  assert.equal(tight.code, 'LEAKWATCH_NO_ROOM');
  assert.match(tight.message, /^leakwatch: not taking a heap snapshot: the V8 heap has [\d.]+ MB left of its [\d.]+ MB limit, and a snapshot needs [\d.]+ MB free in it$/);
});
