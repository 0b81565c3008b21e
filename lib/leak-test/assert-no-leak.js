// @ts-check
'use strict';
// assertNoLeak(fn): calls fn in rounds and fails when a class it makes outlives its calls.
//
//   warm-up calls, snapshot, then rounds of calls, each ended by a snapshot (whose full GCs
//   leave only what the calls kept). Each snapshot's census is compared with the one before by
//   object id (CensusRounds in the addon, so that nothing of this file's grows on the heap with
//   the rounds): per class, the objects a round added and that are still alive, less those of
//   earlier rounds that are gone. verdict.js calls a class that grew in every round a leak.
//
// Snapshots are what a test spends its time on (bench/assert-no-leak.js), so after each round
// verdict.js's nextStep says whether another is needed: a clean function passes as soon as no
// class grew in every round so far, usually after one or two. The last round, run only while a
// class still grew in every round before it, has V8's sampling heap profiler on, to find where
// the objects that survive it are allocated, and its snapshot is analysed in full, to say what
// holds them. The sampling interval is small, as a leak of a few small objects per call must
// show, which is why it runs in that round only.

const { setTimeout, clearTimeout, setImmediate } = require('node:timers');
const native = require('../native');
const { readSnapshot } = require('../snapshot/read');
const { keepHeapProfiler } = require('../snapshot/heap-profiler-state');
const { inspectorSession } = require('../snapshot/inspector');
const { AllocationSampler } = require('../culprit/sampler');
const { grownSites } = require('../culprit/profile');
const { suspectsFrom, siteFor } = require('../culprit/suspects');
const { growthByClass, nextStep } = require('./verdict');
const { callsPerRound } = require('./round-size');
const { LeakError } = require('./leak-error');

/**
 * @typedef {{calls: number | undefined, rounds: number, warmup: number, timeout: number, samplingInterval: number}} LeakTestOptions
 * @typedef {import('../..').LeakSuspect} LeakSuspect
 * @typedef {import('../..').LeakTestReport} LeakTestReport
 */

/** @type {LeakTestOptions} */
const DEFAULTS = {
  // Undefined: from the time a warm-up call takes (round-size.js).
  calls: undefined,
  // A leak grows in three rounds; a clean function passes once no class grew in every round.
  rounds: 3,
  warmup: 32,
  // Generous: a verdict needs several snapshots, and a test runner's worker on a busy CI machine
  // may take seconds for each.
  timeout: 60_000,
  samplingInterval: 256,
};

/** What each option must be. */
const RULES = {
  calls: { test: (/** @type {any} */ n) => Number.isInteger(n) && n >= 1, says: 'an integer of at least 1' },
  rounds: { test: (/** @type {any} */ n) => Number.isInteger(n) && n >= 2, says: 'an integer of at least 2' },
  warmup: { test: (/** @type {any} */ n) => Number.isInteger(n) && n >= 0, says: 'an integer of at least 0' },
  timeout: { test: (/** @type {any} */ n) => typeof n === 'number' && n > 0, says: 'a number of milliseconds above 0' },
  samplingInterval: { test: (/** @type {any} */ n) => Number.isInteger(n) && n >= 1, says: 'a number of bytes, an integer of at least 1' },
};

/**
 * The options with their defaults; a TypeError for any that is unknown or invalid.
 * @param {unknown} options
 * @returns {LeakTestOptions}
 */
function optionsOf(options) {
  if (options === undefined) return { ...DEFAULTS };
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`leakwatch: assertNoLeak's options must be an object, not ${String(options)}`);
  }
  const chosen = { ...DEFAULTS };
  for (const [name, value] of Object.entries(options)) {
    if (!(name in RULES)) {
      throw new TypeError(`leakwatch: assertNoLeak has no option '${name}'; it has ${Object.keys(RULES).join(', ')}`);
    }
    if (value === undefined) continue;
    const rule = RULES[/** @type {keyof LeakTestOptions} */ (name)];
    if (!rule.test(value)) throw new TypeError(`leakwatch: assertNoLeak's '${name}' option must be ${rule.says}, not ${String(value)}`);
    chosen[/** @type {keyof LeakTestOptions} */ (name)] = value;
  }
  return chosen;
}

/** Calls `fn` `n` times, one after the other, awaiting what it returns when that is a promise. @param {Function} fn @param {number} n */
async function callTimes(fn, n) {
  for (let i = 0; i < n; i += 1) {
    const result = fn();
    if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof result.then === 'function') {
      await result;
    }
  }
}

/**
 * A snapshot of the heap now, fed to a new parser. It first lets the event loop turn, so that
 * what the previous snapshot's stream left to Node's next-tick queue (its clean-up) is done and
 * does not pass for a round's survivor.
 */
async function snapshot() {
  await new Promise((resolve) => setImmediate(resolve));
  return readSnapshot();
}

/** The time budget of one run. */
class Budget {
  /** @param {LeakTestOptions} options */
  constructor(options) {
    this.options = options;
    this.ends = Date.now() + options.timeout;
  }

  /** Throws the budget's Error if it ran out. @param {number} done rounds done */
  check(done) {
    if (Date.now() >= this.ends) throw this.exceeded(done);
  }

  /** The plain Error of a run that ran out of time. @param {number} done rounds done */
  exceeded(done) {
    const { timeout, rounds, calls } = this.options;
    const of = calls === undefined ? '' : ` of ${calls} calls`;
    return new Error(
      `leakwatch: assertNoLeak ran out of its time budget (timeout: ${timeout} ms) after ${done} of up to ${rounds} rounds${of}, ` +
        `before a verdict: raise the 'timeout' option, or lower 'calls' if the function is slow`,
    );
  }

  /**
   * Calls `fn` `n` times within the time left; the budget's Error if it runs out first.
   * @param {Function} fn @param {number} n @param {number} done rounds done before these calls
   */
  async call(fn, n, done) {
    this.check(done);
    const left = this.ends - Date.now();
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const outOfTime = new Promise((_, reject) => {
      timer = setTimeout(() => reject(this.exceeded(done)), left);
    });
    try {
      await Promise.race([callTimes(fn, n), outOfTime]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The leaks found in the confirming rounds as the library's suspects, with their figures over
 * every round.
 * @param {import('./verdict').Growth[]} leaks
 * @param {import('../..').HeapDiffResult} diff the last snapshot against the first confirming round's, rows of `leaks` explained
 * @param {import('../culprit/profile').Reading | null} reading the sampling profiler's, over the confirming rounds
 * @returns {LeakSuspect[]}
 */
function leakSuspects(leaks, diff, reading) {
  const named = new Set(leaks.map((l) => l.class));
  const rows = diff.change.details.filter((row) => named.has(row.what));
  const sites = reading ? grownSites({ sites: new Map() }, reading) : [];
  const ranked = suspectsFrom(sites, { ...diff, change: { ...diff.change, details: rows } }, reading);
  // The ranking lists the classes that grew over the last rounds, a few at most: every leak
  // still gets its entry, after those.
  const unranked = leaks
    .filter((l) => !ranked.some((s) => s.class === l.class))
    .map((l) => ({ class: l.class, site: null, bytes: 0, count: 0, path: null, held_by: null }));
  return [...ranked, ...unranked].map((suspect) => {
    const row = rows.find((r) => r.what === suspect.class);
    const growth = /** @type {import('./verdict').Growth} */ (leaks.find((l) => l.class === suspect.class));
    return {
      ...suspect,
      site: suspect.site ?? (row ? siteFor(row.what, row.defined_at, sites, reading) : null),
      path: suspect.path ?? row?.retainers ?? null,
      rounds: growth.rounds,
      per_call: growth.per_call,
    };
  });
}

/**
 * Calls `fn` `n` times within the budget and returns how long a call took on average, in ms.
 * @param {Budget} budget @param {Function} fn @param {number} n
 */
async function timedWarmUp(budget, fn, n) {
  const started = process.hrtime.bigint();
  await budget.call(fn, n, 0);
  return n === 0 ? NaN : Number(process.hrtime.bigint() - started) / 1e6 / n;
}

/**
 * Runs, before the first snapshot, what the rounds run between snapshots for the first time:
 * V8 compiles a function when first called and keeps the strings of its code, which would
 * otherwise show as new in a round. So: the sampling heap profiler started and stopped, and the
 * verdict on a made-up round of two classes (every function of verdict.js, callbacks included).
 * @param {number} interval the profiler's
 */
function primeRoundsCode(interval) {
  new AllocationSampler(interval, false).stop();
  const made = JSON.stringify([[{ what: 'Code', added: 2, removed: 0, size_bytes: 2 }, { what: 'Entry', added: 1, removed: 0, size_bytes: 1 }]]);
  nextStep(growthByClass(JSON.parse(made), 1), 1, 2);
}

// What comes after a round. The rounds' loop holds only this number from one round to the next:
// any object or string it held (the classes that may leak, say) would be new in the next
// snapshot, and pass for what the calls left behind.
const NEXT_ROUND = 0;
const LAST_ROUND = 1;
const VERDICT = 2;

/**
 * What comes after `done` rounds (verdict.js's nextStep), as a phase.
 * @param {InstanceType<typeof native.CensusRounds>} series @param {number} calls @param {number} done @param {number} rounds
 */
function phaseAfter(series, calls, done, rounds) {
  const step = nextStep(growthByClass(JSON.parse(series.growth()), calls), done, rounds);
  if (step.verdict !== 'more') return VERDICT;
  return step.last ? LAST_ROUND : NEXT_ROUND;
}

/**
 * Adds the last round's snapshot, analysed in full, and returns the diff (JSON) that explains the
 * classes that grew in every round before it: those that may leak.
 * @param {InstanceType<typeof native.CensusRounds>} series @param {any} parser @param {number} calls @param {number} rounds
 */
function finishRounds(series, parser, calls, rounds) {
  const before = JSON.parse(series.growth());
  const step = nextStep(growthByClass(before, calls), before.length, rounds);
  return series.finish(parser, step.verdict === 'more' ? step.candidates : []);
}

/**
 * Calls `fn` (sync or async) in rounds and rejects with a LeakError if a class it makes
 * outlives its calls round after round; resolves with a report otherwise.
 * @param {() => unknown} fn
 * @param {Partial<LeakTestOptions>} [options]
 * @returns {Promise<LeakTestReport>}
 */
async function assertNoLeak(fn, options) {
  if (typeof fn !== 'function') throw new TypeError(`leakwatch: assertNoLeak needs a function to call, not ${typeof fn}`);
  const o = optionsOf(options);
  const started = Date.now();
  const budget = new Budget(o);
  const msPerCall = await timedWarmUp(budget, fn, o.warmup);
  o.calls ??= callsPerRound(msPerCall);
  const calls = o.calls;
  // Object ids must outlive each snapshot; and the inspector session the profiler needs is made
  // now, not during the rounds.
  const releaseIds = keepHeapProfiler();
  inspectorSession();
  const series = new native.CensusRounds();
  /** @type {AllocationSampler | null} */
  let sampler = null;
  try {
    primeRoundsCode(o.samplingInterval);
    budget.check(0);
    series.add(await snapshot());
    /** @type {string | null} the last round's analysis: the diff that explains the leaks */
    let diff = null;
    let done = 0;
    let phase = NEXT_ROUND;
    while (phase !== VERDICT) {
      if (phase === LAST_ROUND) sampler = new AllocationSampler(o.samplingInterval, false);
      await budget.call(fn, calls, done);
      if (phase === LAST_ROUND) diff = finishRounds(series, await snapshot(), calls, o.rounds);
      else series.add(await snapshot());
      done += 1;
      phase = phaseAfter(series, calls, done, o.rounds);
    }
    const growth = growthByClass(JSON.parse(series.growth()), calls);
    const step = nextStep(growth, done, o.rounds);
    const run = { calls, rounds: done, warmup: o.warmup };
    if (step.verdict === 'leak' && diff !== null) {
      const reading = sampler ? sampler.read() : null;
      throw new LeakError(leakSuspects(step.leaks, JSON.parse(diff), reading), { ...run, growth });
    }
    return { ...run, ms: Date.now() - started, growth };
  } finally {
    sampler?.stop();
    series.release();
    releaseIds();
  }
}

module.exports = { assertNoLeak, LeakError, DEFAULTS };
