'use strict';
// The README's metric tables name exactly what leakwatch emits, with the type each has: the
// Prometheus table against a metrics() scrape, the OpenTelemetry table against what the
// OpenTelemetry metrics SDK collects from registerOtel().
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { InstrumentType } = require('@opentelemetry/sdk-metrics');
const { parseExposition } = require('../helpers/prometheus');
const { inMemoryMeter } = require('../helpers/otel');
const { nextFullGcEvent } = require('../helpers/wait');
const memwatch = require('../..');

const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/**
 * The rows of the README table whose header starts with `| ${firstHeader} |`, each as
 * {names, type}: the backquoted names of its first cell (labels like `{space}` dropped) and its
 * second cell.
 */
function readmeTable(firstHeader) {
  const lines = README.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${firstHeader} |`));
  assert.ok(start >= 0, `the README has a table headed "${firstHeader}"`);
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const [first, second] = line.split('|').slice(1).map((cell) => cell.trim());
    const names = [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\{.*\}$/, ''));
    rows.push({ names, type: second });
  }
  return rows;
}

test('the README Prometheus table lists every family metrics() writes, with its type', () => {
  const watch = new memwatch.LeakWatch();
  try {
    const { families } = parseExposition(watch.metrics());
    const documented = new Map();
    for (const { names, type } of readmeTable('Prometheus name')) for (const name of names) documented.set(name, type);
    assert.deepEqual([...documented.keys()].sort(), [...families.keys()].sort());
    for (const [name, family] of families) assert.equal(documented.get(name), family.type.toLowerCase(), name);
  } finally {
    watch.stop();
  }
});

// The README's instrument words, as the SDK names the instruments registerOtel() makes.
const INSTRUMENTS = {
  UpDownCounter: InstrumentType.OBSERVABLE_UP_DOWN_COUNTER,
  Histogram: InstrumentType.HISTOGRAM,
  Gauge: InstrumentType.OBSERVABLE_GAUGE,
  Counter: InstrumentType.OBSERVABLE_COUNTER,
};

test('the README OpenTelemetry table lists every instrument registerOtel() creates, with its kind and unit', async () => {
  const otel = inMemoryMeter();
  const watch = new memwatch.LeakWatch();
  try {
    watch.registerOtel(otel.meter);
    // After a full GC, so that leakwatch.heap.after_gc has a reading and is exported.
    const recorded = nextFullGcEvent(watch);
    watch.gc();
    await recorded;
    const collected = await otel.collect();
    const rows = readmeTable('OpenTelemetry name');
    assert.deepEqual(rows.flatMap((r) => r.names).sort(), [...collected.keys()].sort());
    for (const { names, type } of rows) {
      const [kind, unit] = type.split(',').map((part) => part.trim());
      for (const name of names) {
        const { descriptor } = collected.get(name);
        assert.equal(descriptor.type, INSTRUMENTS[kind], `${name} is a ${kind}`);
        if (unit !== undefined) assert.equal(descriptor.unit, unit, `${name} is in ${unit}`);
      }
    }
  } finally {
    watch.stop();
    await otel.shutdown();
  }
});
