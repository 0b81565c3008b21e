'use strict';
// The detector's classification of native memory, on what it was fed while the native-memory
// programs ran (test/fixtures/native-series.json, recorded by record-native-series.js): the
// malloc leak is a 'native' leak, the fragmenting arenas fragmentation and no leak, the program
// freeing what it allocates nothing at all.
const test = require('node:test');
const assert = require('node:assert/strict');
const native = require('../../lib/native');
const { fragmentationWarning } = require('../../lib/watch/leak');
const recorded = require('../fixtures/native-series.json');

/** Replays a recorded series into a fresh detector: its findings, each with the seconds since the start. */
function replay(samples) {
  const detector = new native.LeakDetector();
  const start = samples[0].timeMs;
  const found = [];
  for (const sample of samples) {
    for (const finding of detector.observe(sample)) found.push({ ...finding, seconds: (sample.timeMs - start) / 1000 });
  }
  return found;
}

// How soon it is found depends on how often probes' full GCs came while it was recorded, which a
// loaded machine slows: e2e/native-memory.test.js holds the claim of time.
test('a malloc leak is a native leak', () => {
  const found = replay(recorded.leaky);
  assert.ok(found.length > 0, 'nothing found');
  assert.deepEqual(
    found.map((f) => [f.kind, f.memory]),
    [['leak', 'native']],
  );
  assert.ok(found[0].rate > 90e3, `rate ${found[0].rate}`);
});

test('arenas holding ever more free memory are fragmentation, not a leak', () => {
  const found = replay(recorded.fragmenting);
  assert.deepEqual(
    found.map((f) => [f.kind, f.memory]),
    [['fragmentation', 'native']],
  );
  const warning = fragmentationWarning(found[0]);
  assert.equal(warning.code, 'LEAKWATCH_FRAGMENTATION');
  assert.match(warning.message, /MALLOC_ARENA_MAX/);
  assert.match(warning.message, /another allocator/);
});

test('native work that frees what it allocates is nothing', () => {
  assert.deepEqual(replay(recorded.freeing), []);
});
