'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const memwatch = require('../..');

function makeGarbage(n) {
  const garbage = [];
  for (let i = 0; i < n; i++) garbage.push({ i, text: `item ${i}` });
  return garbage;
}

test('gc() frees a heap of garbage without --expose-gc', () => {
  assert.equal(typeof globalThis.gc, 'undefined', 'the test runs without --expose-gc');
  // Held from an object, not a local: the interpreter may keep a local's last value alive.
  const holder = { garbage: makeGarbage(300_000) };
  memwatch.gc();
  const holding = v8.getHeapStatistics().used_heap_size;
  holder.garbage = null;
  memwatch.gc();
  const freed = holding - v8.getHeapStatistics().used_heap_size;
  assert.ok(freed > 15 * 1024 * 1024, `freed only ${freed} bytes`);
});

test('gc() leaves no gc function behind', () => {
  memwatch.gc();
  assert.equal(typeof globalThis.gc, 'undefined');
  assert.equal(vm.runInNewContext('typeof gc'), 'undefined', 'the --expose-gc flag was cleared again');
});

test('gc() runs one full mark-sweep-compact GC', () => {
  const profiler = new v8.GCProfiler();
  profiler.start();
  memwatch.gc();
  const types = profiler.stop().statistics.map((s) => s.gcType);
  assert.ok(types.includes('MarkSweepCompact'), types.join());
});

// The leak detector's probes: V8's own incremental kind of full GC, which keeps the maps that
// optimized code depends on, unlike a forced gc() after which a busy server deoptimizes.
test('startIncrementalGc() starts an incremental full GC that is not forced', async () => {
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  const native = require('../../lib/native');
  const entries = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    native.startIncrementalGc();
    const deadline = Date.now() + 10_000;
    let major;
    // Incremental marking advances as the program allocates: garbage, and a turn of the event
    // loop for the GC's entries to arrive, until the full GC's has.
    while (!(major = entries.find((e) => e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) && Date.now() < deadline) {
      makeGarbage(10_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(major, `no full GC within 10 s; saw kinds ${entries.map((e) => e.detail.kind)}`);
    assert.ok(entries.some((e) => e.detail.kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL), 'marked incrementally');
    assert.equal(major.detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED, 0, `flags ${major.detail.flags}`);
  } finally {
    observer.disconnect();
  }
});

// Each V8 names its GCs by a GCType; a type the 'gc' event does not know (Node 26's V8 may run a
// minor mark-sweep instead of a scavenge) would reach the metrics and the dashboard as 'other'.
test("every GC this Node's V8 runs has a known kind in the 'gc' event", async () => {
  const events = [];
  const onGc = (gc) => events.push(gc);
  const onStats = () => {};
  memwatch.on('gc', onGc);
  memwatch.on('stats', onStats);
  try {
    const deadline = Date.now() + 10_000;
    const seen = (kind) => events.some((gc) => gc.kind === kind);
    // Young garbage until a minor GC's event has come, then a full GC until its event has.
    while (!seen('minor') && Date.now() < deadline) {
      makeGarbage(10_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    memwatch.gc();
    while (!seen('major') && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    const kinds = events.map((gc) => `${gc.kind}/${gc.type}`);
    assert.ok(seen('minor') && seen('major'), `within 10 s: ${kinds}`);
    assert.deepEqual(events.filter((gc) => gc.kind === 'other' || gc.type === 'Other'), [], `kinds ${kinds}`);
  } finally {
    memwatch.off('gc', onGc);
    memwatch.off('stats', onStats);
  }
});
