'use strict';
// registerOtel(): leakwatch's readings as OpenTelemetry instruments, read back through the
// OpenTelemetry metrics SDK. The v8js.* names and attributes come from
// @opentelemetry/semantic-conventions, so a rename there fails here.
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const semconv = require('@opentelemetry/semantic-conventions/incubating');
const { InstrumentType } = require('@opentelemetry/sdk-metrics');
const { inMemoryMeter, point } = require('../helpers/otel');
const { nextFullGcEvent } = require('../helpers/wait');
const memwatch = require('../..');

const SPACE = semconv.ATTR_V8JS_HEAP_SPACE_NAME;
const OLD_SPACE = { [SPACE]: semconv.V8JS_HEAP_SPACE_NAME_VALUE_OLD_SPACE };
const GC_TYPES = [
  semconv.V8JS_GC_TYPE_VALUE_MAJOR,
  semconv.V8JS_GC_TYPE_VALUE_MINOR,
  semconv.V8JS_GC_TYPE_VALUE_INCREMENTAL,
  semconv.V8JS_GC_TYPE_VALUE_WEAKCB,
];
// The per-space readings the conventions define, each with the v8.getHeapSpaceStatistics() field.
const PER_SPACE = [
  [semconv.METRIC_V8JS_MEMORY_HEAP_USED, 'space_used_size'],
  [semconv.METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE, 'space_size'],
  [semconv.METRIC_V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE, 'space_available_size'],
  [semconv.METRIC_V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE, 'physical_space_size'],
];

/** Registers on a fresh meter, keeps ~10 MB, runs a full GC; returns the collected metrics. */
async function collectAfterFullGc(watch, otel, options) {
  const unregister = watch.registerOtel(otel.meter, options);
  globalThis.otelKept = Array.from({ length: 100 }, (_, i) => new Array(12500).fill(i));
  const recorded = nextFullGcEvent(watch);
  watch.gc();
  await recorded;
  return { unregister, metrics: await otel.collect() };
}

test('registerOtel(): the current v8js.* names, per space and for the heap, and GC durations by type', async () => {
  const otel = inMemoryMeter();
  const watch = new memwatch.LeakWatch();
  try {
    const { unregister, metrics } = await collectAfterFullGc(watch, otel);
    const v8Names = [...metrics.keys()].filter((name) => name.startsWith('v8js.')).sort();
    const expected = [...PER_SPACE.map(([name]) => name), semconv.METRIC_V8JS_MEMORY_HEAP_LIMIT, semconv.METRIC_V8JS_GC_DURATION];
    assert.deepEqual(v8Names, expected.sort(), 'exactly the current names, none of the deprecated ones');

    const spaces = v8.getHeapSpaceStatistics().map((s) => s.space_name).sort();
    for (const [name] of PER_SPACE) {
      const metric = metrics.get(name);
      assert.equal(metric.descriptor.unit, 'By', name);
      assert.equal(metric.descriptor.type, InstrumentType.OBSERVABLE_UP_DOWN_COUNTER, name);
      assert.deepEqual(metric.dataPoints.map((p) => p.attributes[SPACE]).sort(), spaces, `${name}: one point per space`);
      for (const p of metric.dataPoints) assert.ok(Number.isInteger(p.value) && p.value >= 0, `${name} ${p.value}`);
    }
    const old = (name) => point(metrics.get(name), OLD_SPACE).value;
    assert.ok(old(semconv.METRIC_V8JS_MEMORY_HEAP_USED) >= 8 * 1024 * 1024, 'old space holds the ~10 MB kept');
    assert.ok(old(semconv.METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE) >= old(semconv.METRIC_V8JS_MEMORY_HEAP_USED));
    assert.ok(old(semconv.METRIC_V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE) > 0);

    // The heap's limit: one point, no space attribute, V8's heap_size_limit.
    const limit = metrics.get(semconv.METRIC_V8JS_MEMORY_HEAP_LIMIT);
    assert.equal(limit.descriptor.unit, 'By');
    assert.equal(limit.dataPoints.length, 1);
    assert.deepEqual(limit.dataPoints[0].attributes, {});
    assert.equal(limit.dataPoints[0].value, v8.getHeapStatistics().heap_size_limit);

    const gcDuration = metrics.get(semconv.METRIC_V8JS_GC_DURATION);
    assert.equal(gcDuration.descriptor.unit, 's');
    const major = point(gcDuration, { [semconv.ATTR_V8JS_GC_TYPE]: semconv.V8JS_GC_TYPE_VALUE_MAJOR }).value;
    assert.ok(major.count >= 1 && major.sum > 0 && major.sum < 5 * major.count, `major GCs: ${JSON.stringify(major)}`);
    assert.deepEqual(major.buckets.boundaries, [0.01, 0.1, 1, 10]);
    for (const p of gcDuration.dataPoints) assert.ok(GC_TYPES.includes(p.attributes[semconv.ATTR_V8JS_GC_TYPE]));

    const afterGc = point(metrics.get('leakwatch.heap.after_gc')).value;
    assert.ok(afterGc >= 8 * 1024 * 1024 && afterGc < limit.dataPoints[0].value, `after GC ${afterGc}`);
    assert.equal(point(metrics.get('leakwatch.leak.suspected')).value, 0);
    assert.equal(point(metrics.get('leakwatch.leaks')).value, 0);
    assert.ok(Number.isFinite(point(metrics.get('leakwatch.heap.growth_rate')).value));

    // After unregister(), GCs are no longer recorded.
    unregister();
    const seen = nextFullGcEvent(watch);
    watch.gc();
    await seen;
    const later = await otel.collect();
    assert.equal(point(later.get(semconv.METRIC_V8JS_GC_DURATION), { [semconv.ATTR_V8JS_GC_TYPE]: 'major' }).value.count, major.count);
  } finally {
    watch.stop();
    delete globalThis.otelKept;
    await otel.shutdown();
  }
});

test("registerOtel(meter, { heapLimit: 'per-space' }): v8js.memory.heap.limit keeps its former meaning", async () => {
  const otel = inMemoryMeter();
  const watch = new memwatch.LeakWatch();
  try {
    const { metrics } = await collectAfterFullGc(watch, otel, { heapLimit: 'per-space' });
    const limit = metrics.get(semconv.METRIC_V8JS_MEMORY_HEAP_LIMIT);
    const spaceSize = metrics.get(semconv.METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE);
    assert.equal(limit.dataPoints.length, spaceSize.dataPoints.length);
    // Read in the same collection from the same statistics: equal to the byte, space by space.
    for (const p of spaceSize.dataPoints) assert.equal(point(limit, { [SPACE]: p.attributes[SPACE] }).value, p.value);
  } finally {
    watch.stop();
    delete globalThis.otelKept;
    await otel.shutdown();
  }
});

test('registerOtel() rejects what is not a Meter, and bad options, with a TypeError', () => {
  assert.throws(() => memwatch.registerOtel({}), /registerOtel\(\) takes an OpenTelemetry Meter/);
  assert.throws(() => memwatch.registerOtel(null), TypeError);
  const otel = inMemoryMeter();
  assert.throws(() => memwatch.registerOtel(otel.meter, { heapLimit: 'space' }), /heapLimit must be 'heap' or 'per-space', not "space"/);
  assert.throws(() => memwatch.registerOtel(otel.meter, { limit: 'heap' }), /unknown registerOtel\(\) option 'limit'/);
  assert.throws(() => memwatch.registerOtel(otel.meter, 'heap'), /options must be an object/);
  return otel.shutdown();
});
