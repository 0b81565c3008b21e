'use strict';
// memwatch.metrics() and registerMetrics() in fresh node processes, read back with a Prometheus
// text parser.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('../helpers/child');
const { parseExposition, sampleValue } = require('../helpers/prometheus');
const { METRIC_NAMES } = require('../../lib/export/metrics');

const MB = 1024 * 1024;

// Keeps about 30 MB reachable (arrays of 12,500 eight-byte elements), runs two full GCs and
// prints the exposition once the second one's 'gc' event has reached metrics(), whose listener
// came first. It never calls stop(): the process must still exit on its own.
const SCRAPE_AFTER_GC = `
  const memwatch = require('.');
  memwatch.metrics();
  globalThis.kept = Array.from({ length: 300 }, (_, i) => new Array(12500).fill(i));
  // Node delivers GC entries only when the event loop turns: turn it until they have come.
  const turning = setInterval(() => {}, 5);
  let fullGcs = 0;
  const onGc = (gc) => {
    if (gc.kind !== 'major' || ++fullGcs < 2) return;
    clearInterval(turning);
    memwatch.off('gc', onGc);
    process.stdout.write(memwatch.metrics());
  };
  memwatch.on('gc', onGc);
  memwatch.gc();
  memwatch.gc();`;

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

// prom-client's default metrics first, then leakwatch's: each name once, prom-client's own kept.
// The registry is read once the full GC's 'gc' event has reached leakwatch's metrics (the loop
// turning meanwhile, as in SCRAPE_AFTER_GC).
const WITH_PROM_CLIENT = `
  const client = require('prom-client');
  const memwatch = require('.');
  client.collectDefaultMetrics();
  const result = memwatch.registerMetrics(client.register);
  globalThis.kept = Array.from({ length: 100 }, (_, i) => new Array(12500).fill(i));
  const turning = setInterval(() => {}, 5);
  const onGc = async (gc) => {
    if (gc.kind !== 'major') return;
    clearInterval(turning);
    memwatch.off('gc', onGc);
    const ours = client.register.getSingleMetric('nodejs_heap_size_used_bytes');
    console.log(JSON.stringify({ registered: result.registered, skipped: result.skipped, usedIsPromClients: ours instanceof client.Gauge }));
    process.stdout.write(await client.register.metrics());
    result.unregister();
    const left = client.register.getMetricsAsArray().map((m) => m.name).filter((n) => n.startsWith('leakwatch_'));
    console.log('# left after unregister: ' + left.length);
  };
  memwatch.on('gc', onGc);
  memwatch.gc();`;

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

