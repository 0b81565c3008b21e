// @ts-check
'use strict';
// The verdict of a leak test (assert-no-leak.js): from how each class changed in each round of
// calls, which classes leak. Pure functions of those figures, tested on recorded rounds.
//
// A leak is a class whose live objects grow in every round, each round measured after full GCs
// by object id (the objects of the round that are still alive, less those of earlier rounds now
// gone). What is not a leak grows for a while and then stops: a warm-up, a cache or a pool that
// fills, memoised results, code V8 optimises. Growing in every one of several rounds is what
// tells them apart: a filling cache stops within a round or two once it is full, and a leak of
// one call in eight still adds objects to every round of eight calls or more.

/**
 * @typedef {{what: string, added: number, removed: number, size_bytes: number}} ClassGrowth
 *   how one class changed in one round (CensusRounds.growth()'s rows)
 * @typedef {ClassGrowth[]} RoundGrowth every class that changed in one round
 * @typedef {{class: string, rounds: number[], per_call: {objects: number, bytes: number}}} Growth
 *   a class's net growth in objects per round, and per call over every round
 */

/**
 * Classes that V8 makes for itself, which grow as it compiles, optimises and caches code for
 * the function under test: never a leak of the program's own, whose objects also show.
 * @param {string} what
 */
const isEngineClass = (what) => what === 'Code' || what.startsWith('system / ') || what.startsWith('(');

/**
 * Every class's net growth in every round, and per call: `calls` calls a round.
 * @param {RoundGrowth[]} rounds
 * @param {number} calls
 * @returns {Growth[]} classes whose objects grew over all the rounds, most per call first
 */
function growthByClass(rounds, calls) {
  /** @type {Map<string, {rounds: number[], bytes: number}>} */
  const classes = new Map();
  rounds.forEach((round, i) => {
    for (const row of round) {
      let seen = classes.get(row.what);
      if (!seen) {
        seen = { rounds: new Array(rounds.length).fill(0), bytes: 0 };
        classes.set(row.what, seen);
      }
      seen.rounds[i] += row.added - row.removed;
      seen.bytes += row.size_bytes;
    }
  });
  const total = calls * rounds.length;
  return [...classes]
    .map(([what, { rounds: counts, bytes }]) => ({
      class: what,
      rounds: counts,
      per_call: { objects: counts.reduce((a, b) => a + b, 0) / total, bytes: bytes / total },
    }))
    .filter((g) => g.per_call.objects > 0)
    .sort((a, b) => b.per_call.bytes - a.per_call.bytes || a.class.localeCompare(b.class));
}

/**
 * The classes that leak: those of the program (not V8's own, see isEngineClass) whose objects
 * grew in every round.
 * @param {Growth[]} growth growthByClass's
 * @returns {Growth[]} in growth's order
 */
function leakingClasses(growth) {
  return growth.filter((g) => !isEngineClass(g.class) && g.rounds.length > 0 && g.rounds.every((n) => n > 0));
}

/**
 * @typedef {{verdict: 'pass'} | {verdict: 'leak', leaks: Growth[]} | {verdict: 'more', candidates: string[], last: boolean}} Step
 *   what a leak test does after a round: pass, fail with the leaks, or run another round (the
 *   last one when `last`), the classes that may still leak being `candidates`
 */

/**
 * What to do after `done` rounds. A class is a leak once it grew in `rounds` rounds, every one;
 * as soon as no class of the program's grew in every round so far, none can, and the function
 * passes: a leak of one object per call, or per call in eight over rounds of a multiple of eight
 * calls, adds to every round. So a clean function needs only the rounds that its warm-up's
 * after-effects last (usually one or two), and only a class still growing round after round
 * costs the full count.
 * @param {Growth[]} growth growthByClass's over the rounds done
 * @param {number} done rounds done, at least 1
 * @param {number} rounds rounds a class must grow in to be a leak
 * @returns {Step}
 */
function nextStep(growth, done, rounds) {
  const leaking = leakingClasses(growth);
  if (leaking.length === 0) return { verdict: 'pass' };
  if (done >= rounds) return { verdict: 'leak', leaks: leaking };
  return { verdict: 'more', candidates: leaking.map((g) => g.class), last: done + 1 >= rounds };
}

module.exports = { growthByClass, leakingClasses, isEngineClass, nextStep };
