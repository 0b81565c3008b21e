'use strict';
// assertNoLeak's verdict (lib/leak-test/verdict.js) on the rounds recorded for the labelled
// functions of test/fixtures/leak-functions/ (record-leak-rounds.js), replayed round by round as
// assertNoLeak runs it, and on made-up rounds for what the labelled set may not show every time.
const test = require('node:test');
const assert = require('node:assert/strict');
const { growthByClass, leakingClasses, nextStep } = require('../../lib/leak-test/verdict');
const recorded = require('../fixtures/leak-rounds.json');

/** assertNoLeak's default: a leak grows in three rounds. */
const ROUNDS = 3;

const names = (growth) => leakingClasses(growth).map((g) => g.class);

/** The steps nextStep takes over `rounds`, one after each round, as assertNoLeak asks for them. */
function replay(rounds, calls, required = ROUNDS) {
  return rounds.map((_, i) => nextStep(growthByClass(rounds.slice(0, i + 1), calls), i + 1, required));
}

for (const [name, { leaks, calls, rounds }] of Object.entries(recorded)) {
  if (leaks === null) {
    test(`verdict: ${name} (clean) passes after the rounds it ran, and asked for each of them`, () => {
      const steps = replay(rounds, calls);
      assert.deepEqual(steps.map((s) => s.verdict), [...rounds.slice(1).map(() => 'more'), 'pass']);
      assert.deepEqual(names(growthByClass(rounds, calls)), []);
    });
  } else {
    test(`verdict: ${name} leaks ${leaks}, found growing in each of the ${ROUNDS} rounds`, () => {
      const steps = replay(rounds, calls);
      assert.deepEqual(steps.map((s) => s.verdict), ['more', 'more', 'leak']);
      assert.deepEqual(steps.map((s) => s.last), [false, true, undefined]);
      const { leaks: found } = /** @type {any} */ (steps[2]);
      assert.ok(found.some((g) => g.class === leaks), found.map((g) => g.class).join(', '));
      // The last round's snapshot is explained for the classes that grew in every round before it.
      assert.ok(steps[1].candidates.includes(leaks), steps[1].candidates.join(', '));
      // V8's compiled code grows in every round too, and is never called a leak.
      assert.ok(!found.some((g) => g.class === 'Code'));
    });
  }
}

/** Rounds of growth for one class, as CensusRounds.growth() gives them. */
const rounds = (what, counts, size = 32) => counts.map((n) => [{ what, added: Math.max(n, 0), removed: Math.max(-n, 0), size_bytes: n * size }]);
const verdicts = (what, counts, required) => replay(rounds(what, counts), 32, required).map((s) => s.verdict);

test('verdict: growth per round and per call, over every round', () => {
  const [g] = growthByClass(rounds('Order', [32, 32, 32, 32]), 32);
  assert.deepEqual(g, { class: 'Order', rounds: [32, 32, 32, 32], per_call: { objects: 1, bytes: 32 } });
});

test('verdict: a leak on one call in eight leaks; a cache that fills, then evicts, does not', () => {
  assert.deepEqual(verdicts('Retry', [4, 4, 4]), ['more', 'more', 'leak']);
  assert.deepEqual(verdicts('Entry', [32, 18, 0]), ['more', 'more', 'pass']);
  assert.deepEqual(verdicts('Entry', [32, 32, -4]), ['more', 'more', 'pass']);
});

test('verdict: what the first round alone added (a warm-up the calls still finished) passes after the second', () => {
  assert.deepEqual(verdicts('String', [15, 0]), ['more', 'pass']);
  assert.deepEqual(verdicts('Config', [1, -1]), ['more', 'pass']);
});

test('verdict: a round where nothing of the program grew passes at once', () => {
  assert.deepEqual(verdicts('Entry', [0]), ['pass']);
  assert.deepEqual(replay([[]], 32).map((s) => s.verdict), ['pass']);
});

test('verdict: the rounds a leak must grow in, and which round is the last', () => {
  assert.deepEqual(verdicts('Order', [32, 32], 2), ['more', 'leak']);
  assert.deepEqual(replay(rounds('Order', [32]), 32, 2)[0], { verdict: 'more', candidates: ['Order'], last: true });
  assert.deepEqual(verdicts('Order', [32, 32, 32, 32], 4), ['more', 'more', 'more', 'leak']);
  assert.deepEqual(replay(rounds('Order', [32, 32, 32]), 32, 4).map((s) => s.last), [false, false, true]);
});

test("verdict: V8's own classes never leak, whatever they do", () => {
  for (const what of ['Code', 'system / Context', '(compiled code)']) {
    assert.deepEqual(verdicts(what, [5, 5, 5]), ['pass', 'pass', 'pass'], what);
  }
});

test('verdict: no rounds, no leak', () => {
  assert.deepEqual(names(growthByClass([], 32)), []);
});
