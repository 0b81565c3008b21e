'use strict';
// What watching keeps in the program's heap: only the parts of lib/ that watching runs.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('../helpers/child');

/** Loaded by the methods that need them, never by watching alone. */
const ON_DEMAND = [
  'snapshot/heap-diff.js', 'watch/gc.js', 'export/register-metrics.js', 'export/otel.js', 'snapshot/on-leak.js', 'dashboard.js',
];

test('a program that only watches and serves /metrics loads none of the on-demand parts', async () => {
  const r = await runNode(
    `const path = require('node:path');
     const memwatch = require('.');
     const loaded = () => Object.keys(require.cache)
       .filter((file) => file.startsWith(path.resolve('lib') + path.sep))
       .map((file) => path.relative(path.resolve('lib'), file).split(path.sep).join('/'));
     let fullGcs = 0;
     memwatch.on('stats', () => { fullGcs += 1; });
     memwatch.on('leak', () => {});
     memwatch.metrics();
     // V8's own full GCs, so that every path a GC takes through leakwatch runs.
     let keep = [];
     const timer = setInterval(() => {
       for (let i = 0; i < 20000; i++) keep.push({ i, s: 'x' + i });
       if (keep.length > 400000) keep = [];
       if (fullGcs < 3) return;
       clearInterval(timer);
       const watching = loaded();
       memwatch.HeapDiff;
       console.log(JSON.stringify({ watching, afterHeapDiff: loaded() }));
       memwatch.stop();
     }, 5);`,
    { timeoutMs: 30_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const { watching, afterHeapDiff } = JSON.parse(r.stdout);
  for (const file of ON_DEMAND) assert.ok(!watching.includes(file), `watching loaded lib/${file}: ${watching.join(', ')}`);
  assert.ok(watching.includes('watch/gc-watcher.js') && watching.includes('export/metrics.js'), watching.join(', '));
  // The check above can see a file load: touching memwatch.HeapDiff loads its module.
  assert.ok(afterHeapDiff.includes('snapshot/heap-diff.js'), afterHeapDiff.join(', '));
});
