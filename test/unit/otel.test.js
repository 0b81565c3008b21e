'use strict';
// registerOtel(): leakwatch's readings as OpenTelemetry instruments, read back through the
// OpenTelemetry metrics SDK (an in-memory exporter behind a periodic reader).
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  MeterProvider,
  PeriodicExportingMetricReader,
  InMemoryMetricExporter,
  AggregationTemporality,
} = require('@opentelemetry/sdk-metrics');
const { nextFullGcEvent } = require('../helpers/wait');
const memwatch = require('../..');

/** A meter whose readings collect() exports and returns as a Map of name → metric data. */
function inMemoryMeter() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // A long interval: exports happen only when collect() flushes.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('leakwatch-test'),
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map();
      for (const resource of exporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      }
      return byName;
    },
    shutdown: () => provider.shutdown(),
  };
}

function point(metric, attributes = {}) {
  const found = metric.dataPoints.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  assert.equal(found.length, 1, `one ${metric.descriptor.name} point with ${JSON.stringify(attributes)}`);
  return found[0];
}

test('registerOtel(): semantic-convention names, GC durations by type, the detector readings', async () => {
  const otel = inMemoryMeter();
  const watch = new memwatch.LeakWatch();
  try {
    const unregister = watch.registerOtel(otel.meter);
    globalThis.otelKept = Array.from({ length: 100 }, (_, i) => new Array(12500).fill(i));
    const recorded = nextFullGcEvent(watch);
    watch.gc();
    await recorded;
    const metrics = await otel.collect();

    const gcDuration = metrics.get('v8js.gc.duration');
    assert.equal(gcDuration.descriptor.unit, 's');
    const major = point(gcDuration, { 'v8js.gc.type': 'major' }).value;
    assert.ok(major.count >= 1 && major.sum > 0 && major.sum < 5 * major.count, `major GCs: ${JSON.stringify(major)}`);
    assert.deepEqual(major.buckets.boundaries, [0.01, 0.1, 1, 10]);
    for (const p of gcDuration.dataPoints) assert.ok(['major', 'minor', 'incremental', 'weakcb'].includes(p.attributes['v8js.gc.type']));

    const heapUsed = metrics.get('v8js.memory.heap.used');
    assert.equal(heapUsed.descriptor.unit, 'By');
    assert.ok(point(heapUsed, { 'v8js.heap.space.name': 'old_space' }).value >= 8 * 1024 * 1024);
    const oldLimit = point(metrics.get('v8js.memory.heap.limit'), { 'v8js.heap.space.name': 'old_space' }).value;
    assert.ok(oldLimit >= point(heapUsed, { 'v8js.heap.space.name': 'old_space' }).value);

    const afterGc = point(metrics.get('leakwatch.heap.after_gc')).value;
    assert.ok(afterGc >= 8 * 1024 * 1024 && afterGc < point(metrics.get('leakwatch.heap.size_limit')).value, `after GC ${afterGc}`);
    assert.equal(point(metrics.get('leakwatch.leak.suspected')).value, 0);
    assert.equal(point(metrics.get('leakwatch.leaks')).value, 0);
    assert.ok(Number.isFinite(point(metrics.get('leakwatch.heap.growth_rate')).value));

    // After unregister(), GCs are no longer recorded.
    unregister();
    const seen = nextFullGcEvent(watch);
    watch.gc();
    await seen;
    const later = await otel.collect();
    assert.equal(point(later.get('v8js.gc.duration'), { 'v8js.gc.type': 'major' }).value.count, major.count);
  } finally {
    watch.stop();
    delete globalThis.otelKept;
    await otel.shutdown();
  }
});

test('registerOtel() rejects what is not a Meter with a TypeError', () => {
  assert.throws(() => memwatch.registerOtel({}), /registerOtel\(\) takes an OpenTelemetry Meter/);
  assert.throws(() => memwatch.registerOtel(null), TypeError);
});
