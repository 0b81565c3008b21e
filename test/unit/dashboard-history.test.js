'use strict';
// The dashboard's history (dashboard/event-stream.js over dashboard/series-ring.js): the events it
// gives back are those published, within the window and the count, and its memory does not grow
// with the number of events.
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const { EventStream } = require('../../dashboard/event-stream');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const KINDS = ['scavenge', 'mark-sweep-compact', 'incremental-marking', 'process-weak-callbacks'];

// Events of the shapes lib/dashboard.js publishes, with the values a real process would give.
function sampleEvent(i, stepMs = 1000) {
  return { t: 1_700_000_000_000 + i * stepMs, heap_used: 5_000_000 + i * 17, heap_total: 8_000_000, heap_limit: 4_345_298_944, rss: 90_000_000 + i, external: 1_234_567, array_buffers: 16_384, malloc_in_use: i % 3 ? 2_000_000 + i : null, malloc_free: null };
}

function gcEvent(i) {
  return { t: 1_700_000_000_000 + i * 50, kind: KINDS[i % KINDS.length], type: i % 4, duration_ms: 0.125 * (i % 9), used_before: 6_000_000 + i, used_after: 5_000_000 - i, external_after: 1_000 };
}

function leakEvent(i) {
  return { start: new Date(i).toISOString(), end: new Date(i + 1).toISOString(), growth: i * 1000, reason: `heap grew ${i} times`, suspects: [{ name: 'Map', count: i }], confident: i % 2 === 0, t: i + 1 };
}

// What the history must keep of `events`: those in the window before the last, at most `max`.
function kept(events, windowMs, max) {
  return JSON.stringify(events.filter((e) => e.t >= events.at(-1).t - windowMs).slice(-max));
}

function publishAll(stream, type, events) {
  for (const event of events) stream.publish(type, event);
}

test('the history gives back the events published, key for key, in the window and up to the count', () => {
  const stream = new EventStream({ windowMs: 60_000, maxPerSeries: 100 });
  const samples = Array.from({ length: 200 }, (_, i) => sampleEvent(i));
  const gcs = Array.from({ length: 3000 }, (_, i) => gcEvent(i));
  const leaks = Array.from({ length: 120 }, (_, i) => leakEvent(i * 1000));
  publishAll(stream, 'sample', samples);
  publishAll(stream, 'gc', gcs);
  publishAll(stream, 'leak', leaks);
  stream.publish('status', { state: 'watching' });
  const { series, latest } = stream.history();
  // 200 samples a second apart, a minute's window: 60 s of them (61).
  assert.equal(series.sample.length, 61);
  assert.ok(JSON.stringify(series.sample) === kept(samples, 60_000, 100), 'the samples differ from those published');
  // GCs 50 ms apart: the window would hold 1201, the count keeps 100.
  assert.equal(series.gc.length, 100);
  assert.ok(JSON.stringify(series.gc) === kept(gcs, 60_000, 100), 'the GCs differ from those published');
  // Leak reports with nested values and ever-new strings: kept as they were.
  assert.equal(series.leak.length, 61);
  assert.ok(JSON.stringify(series.leak) === kept(leaks, 60_000, 100), 'the leak reports differ from those published');
  assert.deepEqual(series.stats, []);
  assert.deepEqual(latest, { status: { state: 'watching' } });
});

test('events of a series whose keys change or come in another order come back as published', () => {
  const stream = new EventStream({ maxPerSeries: 10 });
  const events = [
    { t: 1, a: 1, b: 'x' },
    { t: 2, b: 'y', a: 2 },
    { t: 3, a: 3, c: { deep: [1, 2] } },
    { t: 4 },
    { t: 5, a: true, b: false, c: null },
  ];
  publishAll(stream, 'stats', events);
  assert.equal(JSON.stringify(stream.history().series.stats), JSON.stringify(events));
});

test("the history's memory is the same after N events as after 10 N, whatever the rate", () => {
  let stream = new EventStream({ windowMs: 10 * 60_000, maxPerSeries: 5000 });
  let i = 0;
  const publish = (count) => {
    for (const end = i + count; i < end; i += 1) {
      // Both series at 20 a second: 5000 of them fit the 10-minute window.
      stream.publish('sample', sampleEvent(i, 50));
      stream.publish('gc', gcEvent(i));
    }
  };
  const heapAfterGc = () => {
    gc();
    gc();
    // Compiled code comes and goes with the JIT: the objects are what the history would keep.
    return v8
      .getHeapSpaceStatistics()
      .filter((space) => !space.space_name.startsWith('code'))
      .reduce((sum, space) => sum + space.space_used_size, 0);
  };
  // The code that stores events is compiled (and its code kept in the heap) before measuring.
  publish(5000);
  stream = new EventStream({ windowMs: 10 * 60_000, maxPerSeries: 5000 });
  i = 0;
  publish(500);
  const bytesAfterN = stream.byteLength();
  const heapAfterN = heapAfterGc();
  publish(4500);
  const bytesAfter10N = stream.byteLength();
  const heapAfter10N = heapAfterGc();
  assert.equal(stream.history().series.gc.length, 5000);
  assert.equal(stream.history().series.sample.length, 5000);
  assert.equal(bytesAfter10N, bytesAfterN);
  // 4500 more events of each series kept as objects would hold over 1 MB of heap.
  const grew = heapAfter10N - heapAfterN;
  assert.ok(grew < 256 * 1024, `the heap grew by ${grew} bytes with 10 times the events`);
});

test('events without a time, arrays and class instances are kept as published, up to the count', () => {
  const stream = new EventStream({ windowMs: 1000, maxPerSeries: 3 });
  const events = [{ a: 1 }, [1, 2], new URL('http://x.invalid/'), { a: 2, t: 'soon' }, { a: 3 }];
  publishAll(stream, 'sample', events);
  assert.equal(JSON.stringify(stream.history().series.sample), JSON.stringify(events.slice(-3)));
});

test('the leak reports kept are the last 256, in a ring sized for them alone', () => {
  const stream = new EventStream({ windowMs: 10 * 60_000, maxPerSeries: 5000 });
  const leaks = Array.from({ length: 300 }, (_, i) => leakEvent(i * 1000));
  publishAll(stream, 'leak', leaks);
  assert.ok(JSON.stringify(stream.history().series.leak) === JSON.stringify(leaks.slice(-256)), 'not the last 256 reports');
  // Its columns hold 256 rows each: a few kB per field, not the 45 kB 5000 rows would take.
  assert.ok(stream.byteLength() < 256 * 1024, `${stream.byteLength()} bytes for the leak reports`);
});
