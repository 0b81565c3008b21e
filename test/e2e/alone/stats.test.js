'use strict';
// Alone: it compares each stats record with V8's own GC profiler to the byte, and the heap V8 reports
// just after a GC (its total size, what concurrent sweeping has freed) drifts when other work
// starves the GC's helper threads of CPU.
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const { waitFor } = require('../../helpers/wait');
const { BaseTracker } = require('../../../lib/watch/stats');
const memwatch = require('../../..');

const MEMWATCH_FIELDS = [
  'num_full_gc', 'num_inc_gc', 'heap_compactions', 'current_base', 'estimated_base',
  'usage_trend', 'min', 'max',
];
const AIRBNB_FIELDS = [
  'used_heap_size', 'total_heap_size', 'total_heap_size_executable', 'total_physical_size',
  'total_available_size', 'heap_size_limit', 'malloced_memory', 'peak_malloced_memory',
  'gcScavengeCount', 'gcScavengeTime', 'gcMarkSweepCompactCount', 'gcMarkSweepCompactTime',
  'gcIncrementalMarkingCount', 'gcIncrementalMarkingTime', 'gcProcessWeakCallbacksCount',
  'gcProcessWeakCallbacksTime', 'gc_time', 'gc_ts',
];
// GCProfiler's afterGC.heapStatistics name for each of our fields: those that the heap's size
// decides, the same a moment after the GC...
const PROFILER_NAME = {
  total_heap_size: 'totalHeapSize',
  heap_size_limit: 'heapSizeLimit',
};
// ...and those that what V8 allocates in the old generation just after a full GC moves a little
// (up to about 110 KB in tests, with the heap read as soon as gc() returns).
const PROFILER_ALLOCATED_NAME = {
  used_heap_size: 'usedHeapSize',
  current_base: 'usedHeapSize',
  total_heap_size_executable: 'totalHeapSizeExecutable',
  total_physical_size: 'totalPhysicalSize',
  total_available_size: 'totalAvailableSize',
};
// What a program allocates straight into the old generation between the end of a full GC and a
// reading of the heap after it: up to about 300 KB measured on Node 20 and 24, in these tests.
const ALLOCATED_SINCE_SLACK = 1024 * 1024;
// malloc'd memory is the whole isolate's, not the heap's: the first observer's own record of a GC
// mallocs before the second one reads it, so the two can differ by an allocator chunk or so.
const PROFILER_MALLOC_NAME = {
  malloced_memory: 'mallocedMemory',
  peak_malloced_memory: 'peakMallocedMemory',
};
const MALLOC_SLACK = 1024 * 1024;

/** Whether `ours`, read after the GC, is `exact` or up to ALLOCATED_SINCE_SLACK away from it. */
function nearAfter(ours, exact) {
  return Math.abs(ours - exact) <= ALLOCATED_SINCE_SLACK;
}

function churn(keep) {
  for (let i = 0; i < 50_000; i++) keep.push({ i, s: `x${i}` });
}

test('stats: one record per full GC; after gc(), the heap as GCProfiler saw it, within what was allocated since', async () => {
  const seen = [];
  const onStats = (s) => seen.push({ stats: s, heapNow: v8.getHeapStatistics().used_heap_size });
  // leakwatch watches first and the test's own profiler second, so leakwatch sees every GC the
  // profiler sees (and perhaps one more on either side: V8 may collect on its own at any time).
  memwatch.on('stats', onStats);
  const profiler = new v8.GCProfiler();
  profiler.start();
  const keep = [];
  const startedUs = Date.now() * 1000;
  for (let round = 0; round < 4; round++) {
    churn(keep);
    memwatch.gc();
    // Garbage made after the GC: the heap now differs from the heap the GC left.
    for (let i = 0; i < 20_000; i++) keep.push({ late: i });
    await new Promise((resolve) => setImmediate(resolve));
  }
  const records = profiler.stop().statistics.filter((r) => r.gcType === 'MarkSweepCompact');
  const endedUs = Date.now() * 1000;
  const matches = [];
  await waitFor(
    () => {
      // Pair each of the profiler's full GCs, in order, with the next stats event of the same heap.
      matches.length = 0;
      let from = 0;
      for (const record of records) {
        const h = record.afterGC.heapStatistics;
        const i = seen.findIndex(
          (e, k) => k >= from && nearAfter(e.stats.used_heap_size, h.usedHeapSize) && e.stats.total_heap_size === h.totalHeapSize,
        );
        if (i < 0) return false;
        matches.push([seen[i], record]);
        from = i + 1;
      }
      return true;
    },
    { what: `stats events for all ${records.length} full GCs` },
  );
  memwatch.off('stats', onStats);

  assert.ok(records.length >= 4, `${records.length} full GCs`);
  const first = seen.indexOf(matches[0][0]);
  const last = seen.indexOf(matches[matches.length - 1][0]);
  assert.equal(last - first + 1, records.length, 'one stats event per full GC, none between');
  let differs = 0;
  matches.forEach(([{ stats, heapNow }, record], i) => {
    const after = record.afterGC;
    for (const field of [...MEMWATCH_FIELDS, ...AIRBNB_FIELDS, 'external_memory', 'array_buffers']) {
      assert.equal(typeof stats[field], 'number', `${field} is a number`);
      assert.ok(Number.isFinite(stats[field]), `${field} is finite`);
    }
    for (const [ours, theirs] of Object.entries(PROFILER_NAME)) {
      assert.equal(stats[ours], after.heapStatistics[theirs], `GC ${i}: ${ours}`);
    }
    for (const [ours, theirs] of Object.entries(PROFILER_ALLOCATED_NAME)) {
      assert.ok(nearAfter(stats[ours], after.heapStatistics[theirs]), `GC ${i}: ${ours} ${stats[ours]} vs ${after.heapStatistics[theirs]}`);
    }
    for (const [ours, theirs] of Object.entries(PROFILER_MALLOC_NAME)) {
      const gap = Math.abs(stats[ours] - after.heapStatistics[theirs]);
      assert.ok(gap <= MALLOC_SLACK, `GC ${i}: ${ours} ${stats[ours]} vs ${after.heapStatistics[theirs]}`);
    }
    if ('externalMemory' in after.heapStatistics) {
      assert.equal(stats.external_memory, after.heapStatistics.externalMemory, `GC ${i}: external_memory`);
    }
    for (const space of after.heapSpaceStatistics) {
      const ours = stats.heap_spaces[space.spaceName];
      assert.ok(nearAfter(ours, space.spaceUsedSize), `GC ${i}: ${space.spaceName} ${ours} vs ${space.spaceUsedSize}`);
    }
    // The young generation, which the GC emptied, is reported empty, though the program has since
    // allocated there (this test at once, and the listener's own reading).
    assert.equal(stats.heap_spaces.new_space, 0, `GC ${i}: new_space`);
    // Each profiler times the GC itself, so only the order of magnitude can agree.
    const ns = record.cost * 1000;
    assert.ok(stats.gc_time > ns / 2 && stats.gc_time < ns * 2, `GC ${i}: gc_time ${stats.gc_time} ns vs ${ns}`);
    // gc_ts comes from performance.timeOrigin plus a monotonic clock: allow for drift from Date.
    assert.ok(stats.gc_ts >= startedUs - 50_000 && stats.gc_ts <= endedUs + 50_000, `GC ${i}: gc_ts in µs`);
    if (i > 0) {
      const previous = matches[i - 1][0].stats;
      assert.equal(stats.num_full_gc, previous.num_full_gc + 1);
      assert.equal(stats.gcMarkSweepCompactCount, previous.gcMarkSweepCompactCount + 1);
      assert.ok(stats.gc_ts >= previous.gc_ts, 'in order');
    }
    assert.equal(stats.heap_compactions, stats.num_full_gc);
    assert.ok(stats.min <= stats.current_base && stats.current_base <= stats.max);
    if (heapNow !== stats.used_heap_size) differs += 1;
  });
  assert.ok(differs > 0, 'the figures are the heap after the GC, not when the listener runs');
});

test("stats: V8's own full GCs are reported as they left the heap, within what was allocated since", async () => {
  const seen = [];
  const onStats = (s) => seen.push(s);
  memwatch.on('stats', onStats);
  let fullGcs = 0;
  const observer = new PerformanceObserver((list) => {
    fullGcs += list.getEntries().filter((e) => e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const profiler = new v8.GCProfiler();
  profiler.start();
  // Data kept in small steps, yielding between them as a server does between requests, until V8
  // has run full GCs of its own (the old generation's limit starts at a few MB).
  const keep = [];
  // An upper bound for a machine busy with other work: unloaded, this takes a few seconds.
  const deadline = Date.now() + 60_000;
  while (fullGcs < 3 && Date.now() < deadline) {
    for (let i = 0; i < 1000; i++) keep.push({ i, s: `kept-${keep.length}` });
    await new Promise((resolve) => setImmediate(resolve));
  }
  const records = profiler.stop().statistics.filter((r) => r.gcType === 'MarkSweepCompact');
  observer.disconnect();
  assert.ok(records.length >= 3, `${records.length} full GCs in 60 s`);
  await waitFor(() => seen.length >= records.length, { what: `stats events for ${records.length} full GCs` });
  memwatch.off('stats', onStats);
  for (const record of records) {
    const after = record.afterGC;
    const exact = after.heapStatistics.usedHeapSize;
    const young = after.heapSpaceStatistics.filter((space) => space.spaceName.startsWith('new_'));
    // What leakwatch's figures rest on: V8's full GC leaves the young generation empty.
    assert.ok(young.length === 2 && young.every((space) => space.spaceUsedSize === 0), JSON.stringify(young));
    assert.ok(
      seen.some((s) => nearAfter(s.used_heap_size, exact) &&
        s.heap_spaces.new_space === 0 && s.heap_spaces.new_large_object_space === 0),
      `a stats event with the heap as this full GC left it, ${exact}, or a little more (reported: ${seen.map((s) => s.used_heap_size)})`,
    );
  }
  keep.length = 0;
});

test('stats: minor GCs are counted, with their time in ns', async () => {
  const seen = [];
  const onStats = (s) => seen.push(s);
  const minors = [];
  const onGc = (gc) => gc.kind === 'minor' && minors.push(gc);
  memwatch.on('stats', onStats);
  memwatch.on('gc', onGc);
  memwatch.gc();
  await waitFor(() => seen.length >= 1);
  // About 100 MB of short-lived objects: scavenges, however large the young generation grew.
  for (let round = 0; round < 40; round++) {
    const keep = [];
    for (let i = 0; i < 100_000; i++) keep.push({ i });
  }
  memwatch.gc();
  await waitFor(() => seen.length >= 2);
  memwatch.off('stats', onStats);
  memwatch.off('gc', onGc);
  const [a, b] = [seen[0], seen[seen.length - 1]];
  assert.ok(b.gcScavengeCount > a.gcScavengeCount, 'scavenges counted');
  assert.ok(b.gcScavengeTime > a.gcScavengeTime, 'scavenge time summed');
  assert.ok(b.num_inc_gc > a.num_inc_gc, 'num_inc_gc counts the GCs that are not full');
  // Their 'gc' events: the heap as read just after each, without a record of the heap before it.
  assert.ok(minors.length > 0, 'minor GCs reported');
  for (const gc of minors) {
    assert.ok(['Scavenge', 'MinorMarkSweep'].includes(gc.type), gc.type);
    assert.equal(gc.used_before, null);
    assert.ok(gc.used_after > 0 && gc.spaces_after.old_space > 0 && gc.duration_ms > 0, JSON.stringify(gc));
  }
});

test('estimated_base and usage_trend have no unsigned or 32-bit overflow', () => {
  const growing = new BaseTracker();
  const shrinking = new BaseTracker();
  const GB = 1024 ** 3;
  for (let i = 0; i < 200; i++) {
    growing.update(1 * GB + i * 10 * 1024 * 1024); // 1 GiB up to 3 GiB
    shrinking.update(3 * GB - i * 10 * 1024 * 1024);
  }
  assert.ok(growing.recent > 2.5 * GB && growing.recent < 3 * GB, `${growing.recent}`);
  assert.ok(growing.trend > 0, `${growing.trend}`);
  assert.ok(shrinking.trend < 0, 'a shrinking heap has a negative trend');
  assert.ok(shrinking.recent > 1 * GB && shrinking.recent < 1.5 * GB, `${shrinking.recent}`);
  const flat = new BaseTracker();
  for (let i = 0; i < 50; i++) flat.update(600 * 1024 * 1024);
  assert.equal(flat.trend, 0);
  assert.equal(Math.round(flat.recent), 600 * 1024 * 1024, 'above 477 MB without overflow');
  assert.equal(flat.min, flat.max);
});

test('a throwing stats listener does not stop the others and reaches the error listeners', async () => {
  const errors = [];
  const calls = [];
  const boom = () => {
    calls.push('boom');
    throw new Error('listener bug');
  };
  const fine = () => calls.push('fine');
  const onError = (err) => errors.push(err.message);
  memwatch.on('error', onError);
  memwatch.on('stats', boom);
  memwatch.on('stats', fine);
  memwatch.gc();
  await waitFor(() => calls.includes('fine'));
  memwatch.off('stats', boom);
  memwatch.off('stats', fine);
  memwatch.off('error', onError);
  assert.deepEqual(calls.slice(0, 2), ['boom', 'fine']);
  assert.deepEqual(errors.slice(0, 1), ['listener bug']);
});
