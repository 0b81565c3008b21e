'use strict';
// The calls of a leak test's round (lib/leak-test/round-size.js), from the time a warm-up call took.
const test = require('node:test');
const assert = require('node:assert/strict');
const { callsPerRound, ROUND } = require('../../lib/leak-test/round-size');

test('round size: about ROUND.ms of calls, a multiple of 8', () => {
  assert.equal(callsPerRound(0.5), 64);
  assert.equal(callsPerRound(0.4), 80);
  assert.equal(callsPerRound(0.3), 112);
});

test('round size: a slow function gets the fewest calls, a fast one the most', () => {
  assert.equal(callsPerRound(1), ROUND.min);
  assert.equal(callsPerRound(50), ROUND.min);
  assert.equal(callsPerRound(0.001), ROUND.max);
  assert.equal(callsPerRound(0), ROUND.max);
});

test('round size: without a measured call (no warm-up), the fewest', () => {
  assert.equal(callsPerRound(NaN), ROUND.min);
});

test('round size: always a multiple of 8, so that a leak on one call in eight adds to every round', () => {
  for (let ms = 0.0001; ms < 10; ms *= 1.37) assert.equal(callsPerRound(ms) % 8, 0, String(ms));
  assert.equal(ROUND.min % 8, 0);
  assert.equal(ROUND.max % 8, 0);
});
