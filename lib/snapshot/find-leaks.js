// @ts-check
'use strict';
// memwatch.findLeaks({action, back, repeat}): memlab's three-snapshot method in this process.
//
// A baseline snapshot, the action, a target snapshot, the undo (`back`), then a final snapshot:
// what the action allocated (in the target, not in the baseline) and the final snapshot still
// holds, grouped by class and retainer-path shape, as `leakwatch find-leaks` groups three files
// (core's find_leaks). The first two snapshots are reduced to their censuses in the background
// while the action runs; only the last one is kept whole, for the paths.

const { setImmediate } = require('node:timers/promises');
const native = require('../native');
const { readSnapshot } = require('./read');
const { keepHeapProfiler } = require('./heap-profiler-state');

/**
 * @typedef {{action: () => unknown, back: () => unknown, repeat?: number}} FindLeaksOptions
 */

/**
 * The options, checked; a TypeError for anything else.
 * @param {unknown} options
 */
function checked(options) {
  const o = /** @type {Partial<FindLeaksOptions>} */ (options ?? {});
  if (typeof o.action !== 'function') throw new TypeError("leakwatch: findLeaks needs an 'action' function (what may leak)");
  if (typeof o.back !== 'function') throw new TypeError("leakwatch: findLeaks needs a 'back' function (what undoes the action)");
  const repeat = o.repeat ?? 0;
  if (!Number.isInteger(repeat) || repeat < 0) {
    throw new TypeError(`leakwatch: findLeaks's 'repeat' option must be an integer of at least 0, not ${String(repeat)}`);
  }
  return { action: o.action, back: o.back, repeat };
}

/** @typedef {import('../../crates/leakwatch-node/binding').HeapCensus} HeapCensus */

/**
 * The censuses of each findLeaks() under way, by a number that its frame keeps instead: held by
 * leakwatch's module, and not by the async function's frame, which the program's promises hold,
 * so that the snapshots leave them out (as lib/snapshot/read.js holds its parser).
 * @type {Map<number, HeapCensus[]>}
 */
const censusesOf = new Map();
let runs = 0;

/**
 * Runs `action`, then `back` (`repeat` more times each, after the first), with a snapshot
 * before, after the first action and at the end; resolves to the groups of objects the first
 * action allocated that the end still holds.
 * @param {FindLeaksOptions} options
 * @returns {Promise<import('../..').FoundLeaks>}
 */
async function findLeaks(options) {
  const { action, back, repeat } = checked(options);
  const release = keepHeapProfiler();
  const run = (runs += 1);
  censusesOf.set(run, []);
  const censuses = () => /** @type {HeapCensus[]} */ (censusesOf.get(run));
  try {
    censuses().push(readSnapshot().censusInBackground());
    await action();
    censuses().push(readSnapshot().censusInBackground());
    await back();
    for (let i = 0; i < repeat; i += 1) {
      await action();
      await back();
    }
    // What the undo left to the next tick (a stream's close, say) is done before the end.
    await setImmediate();
    return JSON.parse(native.findLeaks(censuses()[0], censuses()[1], readSnapshot()));
  } finally {
    for (const census of censuses()) census.release();
    censusesOf.delete(run);
    release();
  }
}

module.exports = { findLeaks };
