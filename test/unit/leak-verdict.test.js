'use strict';
// assertNoLeak's verdict (lib/leak-test/verdict.js) on the growth recorded for the labelled
// functions of test/fixtures/leak-functions/ (record-leak-rounds.js), and on made-up rounds for
// what the labelled set may not show every time.
const test = require('node:test');
const assert = require('node:assert/strict');
const { growthByClass, leakingClasses } = require('../../lib/leak-test/verdict');
const recorded = require('../fixtures/leak-rounds.json');

const names = (growth) => leakingClasses(growth).map((g) => g.class);

for (const [name, { leaks, growth }] of Object.entries(recorded)) {
  if (leaks === null) {
    test(`verdict: ${name} (clean) does not leak`, () => {
      assert.deepEqual(names(growth), []);
    });
  } else {
    test(`verdict: ${name} leaks ${leaks}, found among the classes that grew in every round`, () => {
      assert.ok(names(growth).includes(leaks), names(growth).join(', '));
      // V8's compiled code grows in every round too, and is never called a leak.
      assert.ok(!names(growth).includes('Code'));
    });
  }
}

/** Rounds of growth for one class, as CensusRounds.growth() gives them. */
const rounds = (what, counts, size = 32) => counts.map((n) => [{ what, added: Math.max(n, 0), removed: Math.max(-n, 0), size_bytes: n * size }]);

test('verdict: growth per round and per call, over every round', () => {
  const [g] = growthByClass(rounds('Order', [32, 32, 32, 32]), 32);
  assert.deepEqual(g, { class: 'Order', rounds: [32, 32, 32, 32], per_call: { objects: 1, bytes: 32 } });
});

test('verdict: a leak on one call in eight leaks; a cache that fills, then evicts, does not', () => {
  assert.deepEqual(names(growthByClass(rounds('Retry', [4, 4, 4, 4]), 32)), ['Retry']);
  assert.deepEqual(names(growthByClass(rounds('Entry', [32, 18, 0, 0]), 32)), []);
  assert.deepEqual(names(growthByClass(rounds('Entry', [32, 32, 32, -4]), 32)), []);
});

test("verdict: V8's own classes never leak, whatever they do", () => {
  for (const what of ['Code', 'system / Context', '(compiled code)']) {
    assert.deepEqual(names(growthByClass(rounds(what, [5, 5, 5, 5]), 32)), [], what);
  }
});

test('verdict: no rounds, no leak', () => {
  assert.deepEqual(names(growthByClass([], 32)), []);
});
