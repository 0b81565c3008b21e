// @ts-check
'use strict';
// leakwatch's readings as OpenTelemetry instruments on a Meter that the program passes in.
//
// @opentelemetry/api is the program's own optional dependency, never leakwatch's: nothing here
// requires it. Names follow the OpenTelemetry semantic conventions for V8 (v8js.*); the leak
// detector's readings are leakwatch.*. Observable instruments are read in one batch callback, so
// a collection reads V8's statistics once; GC durations are recorded as 'gc' events arrive.

const v8 = require('node:v8');
const { GC_KINDS } = require('./metrics');

// The semantic conventions' advised buckets for v8js.gc.duration, in seconds.
const GC_DURATION_BUCKETS = [0.01, 0.1, 1, 10];

// The observed instruments: how each is made, its name, description and unit.
const OBSERVED = {
  heapUsed: ['createObservableUpDownCounter', 'v8js.memory.heap.used', 'Heap Memory size allocated.', 'By'],
  heapLimit: ['createObservableUpDownCounter', 'v8js.memory.heap.limit', 'Total heap memory size pre-allocated.', 'By'],
  sizeLimit: ['createObservableGauge', 'leakwatch.heap.size_limit', 'The V8 heap size limit (--max-old-space-size and friends).', 'By'],
  afterGc: ['createObservableGauge', 'leakwatch.heap.after_gc', 'Used V8 heap right after the last full GC.', 'By'],
  growthRate: ['createObservableGauge', 'leakwatch.heap.growth_rate', "The leak detector's growth estimate of the memory that grows fastest.", 'By/s'],
  suspected: ['createObservableGauge', 'leakwatch.leak.suspected', '1 while the leak detector reports a leak and memory still rises, else 0.', '1'],
  leaks: ['createObservableCounter', 'leakwatch.leaks', 'Leaks reported by the leak detector.', '{leak}'],
};

function checkMeter(meter) {
  const methods = ['createHistogram', 'createObservableGauge', 'createObservableUpDownCounter', 'createObservableCounter', 'addBatchObservableCallback'];
  if (meter === null || typeof meter !== 'object' || methods.some((m) => typeof meter[m] !== 'function')) {
    throw new TypeError('leakwatch: registerOtel() takes an OpenTelemetry Meter (such as metrics.getMeter("my-service"))');
  }
}

/**
 * Creates leakwatch's instruments on `meter`, fed by `memwatch` ('gc' events and leakStatus())
 * and `collector` (the heap after the last full GC). Returns a function that stops feeding them.
 */
function registerInstruments(meter, memwatch, collector) {
  checkMeter(meter);
  const observed = {};
  for (const [key, [create, name, description, unit]] of Object.entries(OBSERVED)) {
    observed[key] = meter[create](name, { description, unit });
  }
  const { heapUsed, heapLimit, sizeLimit, afterGc, growthRate, suspected, leaks } = observed;
  const gcDuration = meter.createHistogram('v8js.gc.duration', {
    description: 'Garbage collection duration.',
    unit: 's',
    advice: { explicitBucketBoundaries: GC_DURATION_BUCKETS },
  });

  const observables = Object.values(observed);
  const observe = (result) => {
    for (const space of v8.getHeapSpaceStatistics()) {
      const attributes = { 'v8js.heap.space.name': space.space_name };
      result.observe(heapUsed, space.space_used_size, attributes);
      result.observe(heapLimit, space.space_size, attributes);
    }
    result.observe(sizeLimit, v8.getHeapStatistics().heap_size_limit);
    if (collector.heapAfterGc !== null) result.observe(afterGc, collector.heapAfterGc);
    const status = memwatch.leakStatus();
    result.observe(growthRate, status.rate_bytes_per_second);
    result.observe(suspected, status.state === 'leak' ? 1 : 0);
    result.observe(leaks, status.leaks_total);
  };
  const onGc = (gc) => {
    if (GC_KINDS.includes(gc.kind)) gcDuration.record(gc.duration_ms / 1000, { 'v8js.gc.type': gc.kind });
  };

  meter.addBatchObservableCallback(observe, observables);
  collector.attach();
  memwatch.on('gc', onGc);
  return function unregister() {
    memwatch.off('gc', onGc);
    if (typeof meter.removeBatchObservableCallback === 'function') meter.removeBatchObservableCallback(observe, observables);
  };
}

module.exports = { registerInstruments };
