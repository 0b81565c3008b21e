'use strict';
// memwatch.metrics() and registerMetrics() in this process, read back with a Prometheus text parser.
const test = require('node:test');
const assert = require('node:assert/strict');
const { parseExposition, sampleValue } = require('../helpers/prometheus');
const { nextFullGcEvent } = require('../helpers/wait');
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

test('registerMetrics() rejects what is not a registry with a TypeError', () => {
  assert.throws(() => memwatch.registerMetrics({}), /registerMetrics\(\) takes a prom-client Registry/);
  assert.throws(() => memwatch.registerMetrics(), TypeError);
});
