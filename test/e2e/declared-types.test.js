'use strict';
// The result types of index.d.ts against the objects leakwatch really makes, key by key (the
// 'leak' event is checked by test/leak.test.js, on the leak it finds).
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('../helpers/child');
const { assertDeclared } = require('../helpers/declared');

// The objects come from a process of their own: the compiler's reading of index.d.ts would make
// this one's heap, and so a HeapDiff's snapshots, many times larger.
async function realObjects() {
  const r = await runNode(
    `const memwatch = require('.');
     class Grown {
       constructor(i) {
         this.i = i;
         this.items = [i, String(i)];
       }
     }
     let gc = null;
     memwatch.on('gc', (record) => {
       if (record.kind === 'major') gc = record;
     });
     memwatch.on('stats', (stats) => {
       memwatch.stop();
       const hd = new memwatch.HeapDiff();
       const grown = Array.from({ length: 5000 }, (_, i) => new Grown(i));
       const diff = hd.end({ retainers: 3 });
       console.log(JSON.stringify({ gc, stats, status: memwatch.leakStatus(), diff, grown: grown.length }));
     });
     memwatch.gc();`,
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("'gc' and 'stats' records, leakStatus() and a HeapDiff's result have exactly the declared keys", async () => {
  const { gc, stats, status, diff } = await realObjects();
  assertDeclared(gc, 'GcInfo');
  assertDeclared(stats, 'Stats');
  assertDeclared(status, 'LeakStatus');
  const row = diff.change.details.find((r) => r.what === 'Grown');
  assert.ok(row && row.retainers && row.defined_at, JSON.stringify(row));
  assertDeclared(diff, 'HeapDiffResult');
});

test('the check finds a missing key and an extra one, nested too', () => {
  const status = { state: 'idle', memory: null, rate_bytes_per_second: 0, confidence: 0, leak_found: false, near_floor: true, leaks_total: 0, last_leak: null };
  assertDeclared(status, 'LeakStatus');
  const { leak_found, ...missing } = status;
  assert.throws(() => assertDeclared(missing, 'LeakStatus'), /LeakStatus\.leak_found: declared, missing/);
  assert.throws(() => assertDeclared({ ...status, extra: 1 }, 'LeakStatus'), /LeakStatus\.extra: present, not declared/);
  const suspect = { class: null, site: { function: 'f', file: 'f.js', line: 1, column: 1, stack: [], where: 'x' }, bytes: 1, count: 1, path: null };
  assert.throws(() => assertDeclared(suspect, 'Suspect'), /Suspect\.site\.where: present, not declared/);
});

test("assertNoLeak's report and LeakError's leaks, and findLeaks' result, have exactly the declared keys", async () => {
  const r = await runNode(
    `const memwatch = require('.');
     class Kept {
       constructor(i) {
         this.i = i;
       }
     }
     const kept = [];
     (async () => {
       const report = await memwatch.assertNoLeak(() => new Kept(0).i);
       const error = await memwatch.assertNoLeak(() => kept.push(new Kept(kept.length))).catch((e) => e);
       const found = await memwatch.findLeaks({ action: () => kept.push(new Kept(-1)), back: () => {} });
       console.log(JSON.stringify({ report, leaks: error.leaks, growth: error.growth, found }));
     })();`,
    { timeoutMs: 120_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const { report, leaks, growth, found } = JSON.parse(r.stdout);
  assertDeclared(report, 'LeakTestReport');
  assert.equal(leaks[0].class, 'Kept');
  for (const leak of leaks) assertDeclared(leak, 'LeakSuspect');
  for (const g of growth) assertDeclared(g, 'ClassGrowth');
  assert.ok(found.groups.some((g) => g.class === 'Kept'), JSON.stringify(found.groups));
  assertDeclared(found, 'FoundLeaks');
});
