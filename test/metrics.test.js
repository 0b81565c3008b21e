'use strict';
// memwatch.metrics() and registerMetrics(), read back with a Prometheus text parser from fresh
// node processes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('./helpers/child');
const { parseExposition, sampleValue } = require('./helpers/prometheus');
const memwatch = require('..');
const { METRIC_NAMES } = require('../lib/export/metrics');

const MB = 1024 * 1024;

// Keeps about 30 MB reachable (arrays of 12,500 eight-byte elements), runs two full GCs and prints the exposition. It never calls
// stop(): the process must still exit on its own.
const SCRAPE_AFTER_GC = `
  const memwatch = require('.');
  memwatch.metrics();
  globalThis.kept = Array.from({ length: 300 }, (_, i) => new Array(12500).fill(i));
  memwatch.gc();
  memwatch.gc();
  setTimeout(() => process.stdout.write(memwatch.metrics()), 100);`;

test('metrics() after full GCs: every family, plausible figures, and the process exits on its own', async () => {
  const r = await runNode(SCRAPE_AFTER_GC, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.timedOut, false, 'the process did not exit on its own');
  const { families, samples } = parseExposition(r.stdout);
  assert.deepEqual([...families.keys()].sort(), [...METRIC_NAMES].sort());
  const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
  assert.equal(types.nodejs_gc_duration_seconds, 'HISTOGRAM');
  assert.equal(types.leakwatch_leaks_total, 'COUNTER');
  assert.equal(types.nodejs_heap_size_used_bytes, 'GAUGE');

  const afterGc = sampleValue(samples, 'leakwatch_heap_after_gc_bytes');
  const used = sampleValue(samples, 'nodejs_heap_size_used_bytes');
  const total = sampleValue(samples, 'nodejs_heap_size_total_bytes');
  const limit = sampleValue(samples, 'nodejs_heap_size_limit_bytes');
  assert.ok(afterGc >= 25 * MB && afterGc < 60 * MB, `heap after GC ${afterGc} holds the ~30 MB kept`);
  assert.ok(used >= 25 * MB && used <= total && total < limit, `used ${used}, total ${total}, limit ${limit}`);
  assert.ok(sampleValue(samples, 'nodejs_heap_space_size_used_bytes', { space: 'old' }) > 0, 'space="old" as prom-client labels it');
  assert.ok(sampleValue(samples, 'nodejs_external_memory_bytes') > 0);

  const majors = sampleValue(samples, 'nodejs_gc_duration_seconds_count', { kind: 'major' });
  assert.ok(majors >= 1, `${majors} major GCs counted`);
  assert.equal(sampleValue(samples, 'nodejs_gc_duration_seconds_bucket', { kind: 'major', le: '+Inf' }), majors);
  const sum = sampleValue(samples, 'nodejs_gc_duration_seconds_sum', { kind: 'major' });
  assert.ok(sum > 0 && sum < 5 * majors, `major GC seconds ${sum}`);
  const buckets = ['0.001', '0.01', '0.1', '1', '2', '5'].map((le) => sampleValue(samples, 'nodejs_gc_duration_seconds_bucket', { kind: 'major', le }));
  assert.deepEqual([...buckets].sort((a, b) => a - b), buckets, 'buckets are cumulative');
  for (const kind of ['minor', 'incremental', 'weakcb']) sampleValue(samples, 'nodejs_gc_duration_seconds_count', { kind });

  assert.equal(sampleValue(samples, 'leakwatch_leak_suspected'), 0);
  assert.equal(sampleValue(samples, 'leakwatch_leaks_total'), 0);
  assert.ok(Number.isFinite(sampleValue(samples, 'leakwatch_heap_growth_bytes_per_second')));
});

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
    fresh.gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { samples } = parseExposition(fresh.metrics());
    assert.ok(sampleValue(samples, 'nodejs_gc_duration_seconds_count', { kind: 'major' }) >= 1);
  } finally {
    fresh.stop();
  }
});

// prom-client's default metrics first, then leakwatch's: each name once, prom-client's own kept.
const WITH_PROM_CLIENT = `
  const client = require('prom-client');
  const memwatch = require('.');
  client.collectDefaultMetrics();
  const result = memwatch.registerMetrics(client.register);
  globalThis.kept = Array.from({ length: 100 }, (_, i) => new Array(12500).fill(i));
  memwatch.gc();
  setTimeout(async () => {
    const ours = client.register.getSingleMetric('nodejs_heap_size_used_bytes');
    console.log(JSON.stringify({ registered: result.registered, skipped: result.skipped, usedIsPromClients: ours instanceof client.Gauge }));
    process.stdout.write(await client.register.metrics());
    result.unregister();
    const left = client.register.getMetricsAsArray().map((m) => m.name).filter((n) => n.startsWith('leakwatch_'));
    console.log('# left after unregister: ' + left.length);
  }, 100);`;

test("registerMetrics() on prom-client's registry beside collectDefaultMetrics(): no duplicate names", async () => {
  const r = await runNode(WITH_PROM_CLIENT, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const [first, ...rest] = r.stdout.split('\n');
  const { registered, skipped, usedIsPromClients } = JSON.parse(first);
  assert.equal(usedIsPromClients, true, "prom-client's own nodejs_heap_size_used_bytes stays");
  for (const name of ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'nodejs_heap_space_size_used_bytes', 'nodejs_gc_duration_seconds']) {
    assert.ok(skipped.includes(name), `${name} left to prom-client`);
  }
  for (const name of ['nodejs_heap_size_limit_bytes', 'leakwatch_heap_after_gc_bytes', 'leakwatch_heap_growth_bytes_per_second', 'leakwatch_leak_suspected', 'leakwatch_leaks_total']) {
    assert.ok(registered.includes(name), `${name} added`);
  }
  const { families, samples } = parseExposition(rest.join('\n'));
  assert.ok(families.has('process_cpu_user_seconds_total'), "prom-client's defaults are there");
  assert.ok(sampleValue(samples, 'leakwatch_heap_after_gc_bytes') >= 10 * MB);
  assert.ok(sampleValue(samples, 'nodejs_heap_size_limit_bytes') > 0);
  assert.equal(sampleValue(samples, 'leakwatch_leaks_total'), 0);
  assert.match(r.stdout, /# left after unregister: 0/);
});

test('registerMetrics() on an empty registry adds everything, the histogram included', async () => {
  const client = require('prom-client');
  const register = new client.Registry();
  const fresh = new memwatch.LeakWatch();
  try {
    const result = fresh.registerMetrics(register);
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.registered.sort(), [...METRIC_NAMES].sort());
    fresh.gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
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
