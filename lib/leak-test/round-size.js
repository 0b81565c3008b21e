// @ts-check
'use strict';
// How many calls a leak test's round makes (assert-no-leak.js), from the time a call took in the
// warm-up. The snapshot that ends a round costs far more than a few milliseconds of calls, so a
// fast function gets more calls a round, up to a cap: a bounded cache or pool then fills within
// the warm-up and the first round, and a leak adds more objects to each round. The cap keeps
// what a leak of big objects piles up within reach of a test's heap.

/** Bounds of a round: its calls' time aimed at, in ms, and its calls, a multiple of `step`. */
const ROUND = { ms: 32, min: 32, max: 128, step: 8 };

/**
 * Calls a round for a function whose calls took `msPerCall` each (NaN when not measured): a
 * multiple of 8, so that a leak on one call in eight adds to every round, from ROUND.min to
 * ROUND.max.
 * @param {number} msPerCall
 * @returns {number}
 */
function callsPerRound(msPerCall) {
  if (Number.isNaN(msPerCall)) return ROUND.min;
  const calls = Math.ceil(ROUND.ms / Math.max(msPerCall, 1e-6) / ROUND.step) * ROUND.step;
  return Math.min(ROUND.max, Math.max(ROUND.min, calls));
}

module.exports = { callsPerRound, ROUND };
