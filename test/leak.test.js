'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('./helpers/child');
const memwatch = require('..');

// A program that runs a full GC every 50 ms for up to `seconds`, keeping `keepPerTick` new
// objects each time (0 = a flat heap), and prints each 'leak' report as a JSON line.
function program(keepPerTick, seconds) {
  return `
    const memwatch = require('.');
    memwatch.configure({ leak: { windowMs: 4000, minSpanMs: 1000, minSamples: 8, minGrowth: 2 * 1024 * 1024 } });
    memwatch.on('leak', (info) => {
      console.log(JSON.stringify({ ...info, isDate: info.start instanceof Date && info.end instanceof Date }));
      if (${keepPerTick} > 0) process.exit(0);
    });
    const kept = [];
    const timer = setInterval(() => {
      for (let i = 0; i < ${keepPerTick}; i++) kept.push({ i, name: 'session ' + i });
      let garbage = [];
      for (let i = 0; i < 20000; i++) garbage.push({ i, text: 'temporary ' + i });
      garbage = null;
      memwatch.gc();
    }, 50);
    setTimeout(() => { clearInterval(timer); memwatch.stop(); }, ${seconds * 1000});`;
}

test('a leaking program gets a leak event', async () => {
  const r = await runNode(program(5000, 20), { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const [info] = jsonLines(r.stdout);
  assert.ok(info, `no leak reported within 20 s: ${r.stdout}${r.stderr}`);
  assert.equal(info.isDate, true, 'start and end are Dates');
  assert.equal(info.memory, 'heap');
  assert.ok(info.growth >= 2 * 1024 * 1024, `growth ${info.growth}`);
  assert.ok(info.rate_per_hour > 0);
  assert.ok(new Date(info.end) - new Date(info.start) >= 1000);
  assert.match(info.reason, /^heap grew [\d.]+ mb over \d+ full GCs \(\d+s\) - [\d.]+ (mb|gb)\/hr, a steady rise$/);
  assert.ok(info.heap_spaces.old_space > 0, 'old space grew');
});

test('a flat heap gets no leak event', async () => {
  const r = await runNode(program(0, 6), { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), []);
});

test('configure() rejects bad options with a TypeError', () => {
  assert.throws(() => memwatch.configure({ leak: { windowMs: -1 } }), TypeError);
  assert.throws(() => memwatch.configure({ leak: { window: 5 } }), /unknown leak option 'window'/);
  assert.throws(() => memwatch.configure({ leek: {} }), /unknown option 'leek'/);
  assert.throws(() => memwatch.configure(5), TypeError);
  assert.equal(memwatch.configure({ leak: {} }), memwatch);
});
