// @ts-check
'use strict';
// leakwatch's readings as OpenTelemetry instruments on a Meter that the program passes in.
//
// @opentelemetry/api is the program's own optional dependency, never leakwatch's: nothing here
// requires it. Names follow the current OpenTelemetry semantic conventions for V8 (v8js.*); the
// leak detector's readings are leakwatch.*. Observable instruments are read in one batch
// callback, so a collection reads V8's statistics once; GC durations are recorded as 'gc' events
// arrive.
//
// The conventions once used v8js.memory.heap.limit for each space's size; that reading is now
// v8js.memory.heap.space.size, and v8js.memory.heap.limit is the whole heap's limit. The option
// `heapLimit: 'per-space'` keeps the old meaning for dashboards built on it.

const v8 = require('node:v8');
const { GC_KINDS } = require('./metrics');

// The semantic conventions' advised buckets for v8js.gc.duration, in seconds.
const GC_DURATION_BUCKETS = [0.01, 0.1, 1, 10];

/** The attribute naming a heap space, and the one naming a GC's type. */
const SPACE_ATTRIBUTE = 'v8js.heap.space.name';
const GC_TYPE_ATTRIBUTE = 'v8js.gc.type';

/** What `heapLimit` may be: the current meaning (the heap's limit) or the old one (each space's size). */
const HEAP_LIMIT_MEANINGS = ['heap', 'per-space'];

// Readings of each heap space (v8.getHeapSpaceStatistics()): instrument name, description, and
// the field read. All are UpDownCounters, as the conventions define them.
const PER_SPACE = [
  ['v8js.memory.heap.used', 'Heap Memory size allocated.', 'space_used_size'],
  ['v8js.memory.heap.space.size', 'Total heap memory size pre-allocated for a heap space.', 'space_size'],
  ['v8js.memory.heap.space.available_size', 'Heap space available size.', 'space_available_size'],
  ['v8js.memory.heap.space.physical_size', 'Committed size of a heap space.', 'physical_space_size'],
];

const HEAP_LIMIT = 'v8js.memory.heap.limit';

// leakwatch's own observed instruments: how each is made, its name, description and unit.
const LEAKWATCH_OBSERVED = {
  afterGc: ['createObservableGauge', 'leakwatch.heap.after_gc', 'Used V8 heap right after the last full GC.', 'By'],
  growthRate: ['createObservableGauge', 'leakwatch.heap.growth_rate', "The leak detector's growth estimate of the memory that grows fastest.", 'By/s'],
  suspected: ['createObservableGauge', 'leakwatch.leak.suspected', '1 while the leak detector reports a leak and memory still rises, else 0.', '1'],
  leaks: ['createObservableCounter', 'leakwatch.leaks', 'Leaks reported by the leak detector.', '{leak}'],
};

/** The names of every instrument registerOtel() creates (for dashboards and the README). */
const OTEL_METRIC_NAMES = [
  ...PER_SPACE.map(([name]) => name),
  HEAP_LIMIT,
  'v8js.gc.duration',
  ...Object.values(LEAKWATCH_OBSERVED).map(([, name]) => name),
];

function checkMeter(meter) {
  const methods = ['createHistogram', 'createObservableGauge', 'createObservableUpDownCounter', 'createObservableCounter', 'addBatchObservableCallback'];
  if (meter === null || typeof meter !== 'object' || methods.some((m) => typeof meter[m] !== 'function')) {
    throw new TypeError('leakwatch: registerOtel() takes an OpenTelemetry Meter (such as metrics.getMeter("my-service"))');
  }
}

/** The `heapLimit` option, checked: 'heap' unless asked otherwise. */
function heapLimitMeaning(options) {
  if (options === undefined) return 'heap';
  if (options === null || typeof options !== 'object') throw new TypeError('leakwatch: registerOtel() options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'heapLimit') throw new TypeError(`leakwatch: unknown registerOtel() option '${key}' (known: heapLimit)`);
  }
  const meaning = options.heapLimit ?? 'heap';
  if (!HEAP_LIMIT_MEANINGS.includes(meaning)) {
    throw new TypeError(`leakwatch: registerOtel() heapLimit must be 'heap' or 'per-space', not ${JSON.stringify(meaning)}`);
  }
  return meaning;
}

/**
 * Creates leakwatch's instruments on `meter`, fed by `memwatch` ('gc' events and leakStatus())
 * and `collector` (the heap after the last full GC). Returns a function that stops feeding them.
 */
function registerInstruments(meter, memwatch, collector, options) {
  checkMeter(meter);
  const limitPerSpace = heapLimitMeaning(options) === 'per-space';
  const perSpace = PER_SPACE.map(([name, description, field]) => ({
    instrument: meter.createObservableUpDownCounter(name, { description, unit: 'By' }),
    field,
  }));
  const limit = meter.createObservableUpDownCounter(HEAP_LIMIT, {
    description: limitPerSpace ? 'Total heap memory size pre-allocated (per space, the former meaning).' : 'Total heap memory size limit.',
    unit: 'By',
  });
  const own = {};
  for (const [key, [create, name, description, unit]] of Object.entries(LEAKWATCH_OBSERVED)) {
    own[key] = meter[create](name, { description, unit });
  }
  const gcDuration = meter.createHistogram('v8js.gc.duration', {
    description: 'Garbage collection duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: GC_DURATION_BUCKETS },
  });

  const observables = [...perSpace.map((p) => p.instrument), limit, ...Object.values(own)];
  const observe = (result) => {
    for (const space of v8.getHeapSpaceStatistics()) {
      const attributes = { [SPACE_ATTRIBUTE]: space.space_name };
      for (const { instrument, field } of perSpace) result.observe(instrument, space[field], attributes);
      if (limitPerSpace) result.observe(limit, space.space_size, attributes);
    }
    if (!limitPerSpace) result.observe(limit, v8.getHeapStatistics().heap_size_limit);
    if (collector.heapAfterGc !== null) result.observe(own.afterGc, collector.heapAfterGc);
    const status = memwatch.leakStatus();
    result.observe(own.growthRate, status.rate_bytes_per_second);
    result.observe(own.suspected, status.state === 'leak' ? 1 : 0);
    result.observe(own.leaks, status.leaks_total);
  };
  const onGc = (gc) => {
    if (GC_KINDS.includes(gc.kind)) gcDuration.record(gc.duration_ms / 1000, { [GC_TYPE_ATTRIBUTE]: gc.kind });
  };

  meter.addBatchObservableCallback(observe, observables);
  collector.attach();
  memwatch.on('gc', onGc);
  return function unregister() {
    memwatch.off('gc', onGc);
    if (typeof meter.removeBatchObservableCallback === 'function') meter.removeBatchObservableCallback(observe, observables);
  };
}

module.exports = { registerInstruments, OTEL_METRIC_NAMES };
