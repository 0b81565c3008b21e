'use strict';
// The leak detector's options, status and what it watches, in this process.
const test = require('node:test');
const assert = require('node:assert/strict');
const { nextFullGcEvent } = require('../helpers/wait');
const memwatch = require('../..');

test('configure() rejects bad leak options with a TypeError naming them', () => {
  assert.throws(() => memwatch.configure({ leak: { minWindowMs: -1 } }), /leak option 'minWindowMs' must be a finite number >= 0/);
  assert.throws(() => memwatch.configure({ leak: { window: 5 } }), /unknown leak option 'window'/);
  assert.throws(() => memwatch.configure({ leak: { heapDiff: 'sometimes' } }), /'heapDiff' must be 'auto', true or false/);
  assert.throws(() => memwatch.configure({ leak: { sampling: 1 } }), /'sampling' must be true or false/);
  assert.throws(() => memwatch.configure({ leek: {} }), /unknown option 'leek'/);
  assert.throws(() => memwatch.configure(5), TypeError);
  assert.equal(memwatch.configure({ leak: { sensitivity: 4, samplingInterval: 'auto' } }), memwatch);
  assert.equal(memwatch.configure({ leak: {} }), memwatch);
});

test("the detector watches the heap less V8's code and bytecode, whose spaces this V8 has", async () => {
  const { CODE_SPACES, dataHeapUsed } = require('../../lib/watch/data-heap');
  const full = nextFullGcEvent(memwatch);
  memwatch.gc();
  const gc = await full;
  const present = CODE_SPACES.filter((name) => name in gc.spaces_after);
  // V8 12 moved bytecode into the trusted space; before, it was in the old space with the data.
  const expected = Number(process.versions.v8.split('.')[0]) >= 12 ? ['code_space', 'trusted_space'] : ['code_space'];
  for (const name of expected) assert.ok(present.includes(name), `${name} in ${Object.keys(gc.spaces_after)}`);
  const code = present.reduce((sum, name) => sum + gc.spaces_after[name], 0);
  assert.ok(code > 0);
  assert.equal(dataHeapUsed(gc), gc.used_after - code);
});

test('leakStatus() starts idle', () => {
  const status = memwatch.leakStatus();
  assert.deepEqual(
    { ...status, confidence: 0 },
    { state: 'idle', memory: null, rate_bytes_per_second: 0, confidence: 0, leak_found: false, near_floor: true, leaks_total: 0, last_leak: null },
  );
});
