'use strict';
// A heap near its limit gets a warning while there is time to act: a process started with
// --max-old-space-size=128 (whose heap_size_limit is far larger on every Node) filled to 82%,
// past a warning share of 75% (the default 90% comes too close to V8's own end to fill to here).
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../helpers/child');

const PROGRAM = `
  const v8 = require('node:v8');
  const memwatch = require('.');
  memwatch.configure({ leak: { heapLimitWarning: 0.75 } });
  const warnings = [];
  memwatch.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message, suspects: w.suspects }));
  const { once } = require('node:events');
  globalThis.kept = [];
  // Arrays of doubles: quick to fill, little for the GC to mark.
  while (v8.getHeapStatistics().used_heap_size < 0.82 * 128 * 1024 * 1024) kept.push(new Array(4096).fill(kept.length + 0.5));
  // Each full GC's record arrives after the GC, with its 'stats' event.
  const fullGc = async () => { const stats = once(memwatch, 'stats'); memwatch.gc(); await stats; };
  const alive = setInterval(() => {}, 1000);
  (async () => {
    await fullGc();
    const before = warnings.length;
    await fullGc();
    console.log(JSON.stringify({ warnings, again: warnings.length - before }));
    clearInterval(alive);
  })();`;

test('the heap after a full GC past the warning share of its limit gets one LEAKWATCH_NEAR_HEAP_LIMIT warning', async () => {
  const r = await runNode(PROGRAM, { args: ['--max-old-space-size=128'], timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const [{ warnings, again }] = jsonLines(r.stdout);
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  const [w] = warnings;
  assert.equal(w.name, 'LeakwatchWarning');
  assert.equal(w.code, 'LEAKWATCH_NEAR_HEAP_LIMIT');
  assert.match(w.message, /^the heap after a full GC is (7[5-9]|[89]\d)% of its 128 MB limit; /);
  assert.deepEqual(w.suspects, []);
  assert.equal(again, 0, 'not repeated while the heap stays near its limit');
});
