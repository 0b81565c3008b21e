'use strict';
// memwatch.metrics() and registerMetrics() in this process, read back with a Prometheus text parser.
const test = require('node:test');
const assert = require('node:assert/strict');
const { parseExposition, sampleValue } = require('../helpers/prometheus');
const v8 = require('node:v8');
const { nextFullGcEvent, waitFor } = require('../helpers/wait');
const memwatch = require('../..');
const { METRIC_NAMES } = require('../../lib/export/metrics');

test('metrics() before any full GC has no heap-after-GC sample rather than a false zero', () => {
  const fresh = new memwatch.LeakWatch();
  try {
    const { families, samples } = parseExposition(fresh.metrics());
    assert.ok(families.has('leakwatch_heap_after_gc_bytes'));
    assert.equal(samples.filter((s) => s.name === 'leakwatch_heap_after_gc_bytes').length, 0);
  } finally {
    fresh.stop();
  }
});

test('the first metrics() shows the heap after a full GC that came while watching for something else', async () => {
  const fresh = new memwatch.LeakWatch();
  try {
    let statsSeen = 0;
    fresh.on('stats', () => statsSeen++);
    fresh.gc();
    await waitFor(() => statsSeen > 0, { what: "the full GC's 'stats' event" });
    const { samples } = parseExposition(fresh.metrics());
    assert.ok(sampleValue(samples, 'leakwatch_heap_after_gc_bytes') > 0);
  } finally {
    fresh.stop();
  }
});

test('metrics() counts GCs again after removeAllListeners() took its listener away', async () => {
  const fresh = new memwatch.LeakWatch();
  try {
    fresh.metrics();
    fresh.removeAllListeners();
    fresh.metrics();
    const recorded = nextFullGcEvent(fresh);
    fresh.gc();
    await recorded;
    const { samples } = parseExposition(fresh.metrics());
    assert.ok(sampleValue(samples, 'nodejs_gc_duration_seconds_count', { kind: 'major' }) >= 1);
  } finally {
    fresh.stop();
  }
});

test('registerMetrics() on an empty registry adds everything, the histogram included', async () => {
  const client = require('prom-client');
  const register = new client.Registry();
  const fresh = new memwatch.LeakWatch();
  try {
    const result = fresh.registerMetrics(register);
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.registered.sort(), [...METRIC_NAMES].sort());
    const recorded = nextFullGcEvent(fresh);
    fresh.gc();
    await recorded;
    const { samples } = parseExposition(await register.metrics());
    assert.ok(sampleValue(samples, 'nodejs_gc_duration_seconds_count', { kind: 'major' }) >= 1);
    assert.ok(sampleValue(samples, 'nodejs_heap_space_size_used_bytes', { space: 'old' }) > 0);
  } finally {
    fresh.stop();
  }
});

// prom-client is adding nodejs_heap_size_limit_bytes to its default metrics: a gauge without
// labels, read from heap_size_limit. A registry that has it keeps its own, and the output stays valid.
test('registerMetrics() leaves nodejs_heap_size_limit_bytes to a registry that has it already', async () => {
  const client = require('prom-client');
  const register = new client.Registry();
  let collected = 0;
  new client.Gauge({
    name: 'nodejs_heap_size_limit_bytes',
    help: 'The heap size limit, as the registry has it.',
    registers: [register],
    collect() {
      collected++;
      this.set(v8.getHeapStatistics().heap_size_limit);
    },
  });
  const fresh = new memwatch.LeakWatch();
  try {
    const result = fresh.registerMetrics(register);
    assert.deepEqual(result.skipped, ['nodejs_heap_size_limit_bytes']);
    assert.deepEqual(result.registered.sort(), METRIC_NAMES.filter((n) => n !== 'nodejs_heap_size_limit_bytes').sort());
    const text = await register.metrics();
    const { families, samples } = parseExposition(text);
    assert.deepEqual([...families.keys()].sort(), [...METRIC_NAMES].sort());
    assert.equal(families.get('nodejs_heap_size_limit_bytes').help, 'The heap size limit, as the registry has it.');
    assert.equal(sampleValue(samples, 'nodejs_heap_size_limit_bytes'), v8.getHeapStatistics().heap_size_limit);
    assert.equal(collected, 1);
    // leakwatch's family of the same name is what the registry's would be: a gauge, no labels.
    const ours = parseExposition(fresh.metrics());
    assert.equal(ours.families.get('nodejs_heap_size_limit_bytes').type, 'GAUGE');
    assert.deepEqual(ours.samples.find((s) => s.name === 'nodejs_heap_size_limit_bytes').labels, {});
  } finally {
    fresh.stop();
  }
});

test('registerMetrics() rejects what is not a registry with a TypeError', () => {
  assert.throws(() => memwatch.registerMetrics({}), /registerMetrics\(\) takes a prom-client Registry/);
  assert.throws(() => memwatch.registerMetrics(), TypeError);
});
