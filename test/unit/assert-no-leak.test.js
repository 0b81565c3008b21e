'use strict';
// assertNoLeak in this process: a leak is caught with its class, allocation site and holder; a
// clean function passes; bad input gets a TypeError or its own error; a spent budget a plain Error.
// The verdict over many labelled functions is bench/assert-no-leak.js's, and verdict.test.js's
// on recorded rounds.
const test = require('node:test');
const assert = require('node:assert/strict');
const { assertNoLeak, LeakError } = require('../..');

class PendingOrder {
  constructor(id) {
    this.id = id;
    // Its lines grow as fast, in more bytes a call: the order holds them, and comes first.
    this.lines = [{ sku: `sku-${id}`, quantity: 1 }];
  }
}
const orders = [];
function placeOrder() {
  orders.push(new PendingOrder(orders.length));
}

class ScratchRow {
  constructor(i) {
    this.i = i;
  }
}
function sumRows() {
  let sum = 0;
  for (let i = 0; i < 50; i++) sum += new ScratchRow(i).i;
  return sum;
}

test('assertNoLeak: one object per call kept in a module-level array is a LeakError naming its class, site and holder', async () => {
  const err = await assertNoLeak(placeOrder).then(
    () => assert.fail('no leak found'),
    (e) => e,
  );
  assert.ok(err instanceof LeakError);
  assert.equal(err.name, 'LeakError');
  const [first] = err.leaks;
  assert.equal(first.class, 'PendingOrder');
  assert.equal(first.per_call.objects, 1);
  // Every round, all of its calls' orders; a leak grows in the default three rounds.
  assert.equal(first.rounds.length, 3);
  assert.equal(err.rounds, 3);
  assert.ok(first.rounds.every((n) => n === err.calls), `${first.rounds} in rounds of ${err.calls} calls`);
  assert.equal(first.site.function, 'placeOrder');
  assert.equal(first.site.file, __filename);
  assert.match(first.path, /orders/);
  assert.match(err.message, /PendingOrder: 1 object \(\d+ bytes\) per call/);
  assert.match(err.message, new RegExp(`allocated by placeOrder \\(${__filename}:\\d+:\\d+\\)`));
});

test('assertNoLeak: temporaries only pass, with a report', async () => {
  const report = await assertNoLeak(sumRows);
  // From the warm-up's calls' time (test/unit/leak-round-size.test.js).
  assert.ok(report.calls >= 32 && report.calls <= 128 && report.calls % 8 === 0, String(report.calls));
  assert.equal(report.warmup, 32);
  assert.ok(report.rounds >= 1 && report.rounds <= 2, String(report.rounds));
  assert.ok(!report.growth.some((g) => g.class === 'ScratchRow'), JSON.stringify(report.growth));
});

test('assertNoLeak: a function that is not one, or bad options, is a TypeError', async () => {
  await assert.rejects(assertNoLeak(42), { name: 'TypeError', message: /needs a function to call, not number/ });
  await assert.rejects(assertNoLeak(sumRows, { calls: 0 }), { name: 'TypeError', message: /'calls' option must be an integer of at least 1, not 0/ });
  await assert.rejects(assertNoLeak(sumRows, { rounds: 1 }), { name: 'TypeError', message: /'rounds' option must be an integer of at least 2, not 1/ });
  await assert.rejects(assertNoLeak(sumRows, { timout: 5 }), { name: 'TypeError', message: /no option 'timout'/ });
  await assert.rejects(assertNoLeak(sumRows, 'fast'), { name: 'TypeError', message: /options must be an object/ });
});

test("assertNoLeak: the function's own error, thrown or rejected, is passed on as it is", async () => {
  const thrown = new RangeError('bad request');
  await assert.rejects(assertNoLeak(() => { throw thrown; }), (err) => err === thrown);
  let calls = 0;
  const rejected = new Error('no backend');
  await assert.rejects(assertNoLeak(async () => { if (++calls === 10) throw rejected; }), (err) => err === rejected);
});

test('assertNoLeak: a time budget spent before a verdict is a plain Error saying what to raise', async () => {
  const slowCall = () => {
    const until = Date.now() + 2;
    while (Date.now() < until);
  };
  const err = await assertNoLeak(slowCall, { timeout: 1, warmup: 1 }).then(
    () => assert.fail('passed'),
    (e) => e,
  );
  assert.equal(err.constructor, Error);
  assert.match(err.message, /ran out of its time budget \(timeout: 1 ms\) after 0 of up to 3 rounds.*raise the 'timeout' option/);
});
