// @ts-check
'use strict';
// The culprit hunt: finds the suspects of a leak (the 'leak' event's `suspects`).
//
// It starts when the detector finds a leak and runs while the detector confirms it, so that the
// report can say where the memory goes. Unless `sampling: false`, V8's sampling heap profiler
// (sampler.js) gives the allocation sites whose live bytes grew: no snapshot, but a program that
// allocates fast runs slower while it samples. When allowed (`heapDiff: true`, or 'auto' while
// the heap is small enough for the pause to be short), a HeapDiff over the same time names the
// class that grew and what holds it, for two snapshots' pauses. suspects.js ranks what they found.
//
// Neither runs on a mere suspicion, which a busy program's noise makes every minute or two. A
// hunt whose leak is no longer found for a while is dropped; a baseline snapshot is taken at most
// once per HEAP_DIFF_COOLDOWN_MS unless a leak was reported. A report that finds no hunt running
// (the detector reports a leak again every repeatMs while it lasts) starts one and waits for it.
// When the process lacks the memory for a snapshot (lib/snapshot/room.js), the hunt goes on with
// the sampling profiler's sites alone and a 'warning' says why.

const { countsOf, grownSites } = require('./profile');
const { AllocationSampler } = require('./sampler');
const { suspectsFrom } = require('./suspects');

/** @type {{sampling: boolean, heapDiff: boolean | 'auto', heapDiffMaxHeap: number, samplingInterval: number | 'auto'}} */
const DEFAULTS = {
  sampling: true,
  heapDiff: 'auto',
  heapDiffMaxHeap: 64 * 1024 * 1024,
  // 'auto': 16 KB while the heap rises; 1 KB while external memory does, because then the
  // profiler can only see the small heap objects (a Buffer's ~150 bytes) that hold it.
  samplingInterval: 'auto',
};
const HEAP_SAMPLING_INTERVAL = 16 * 1024;
const EXTERNAL_SAMPLING_INTERVAL = 1024;
/** A hunt lasts at least this long before it reports, so that sampling has seen the leak grow. */
const MIN_HUNT_MS = 4000;
/** A hunt whose detector has not found its leak for this long is dropped. */
const GIVE_UP_MS = 30_000;
const HEAP_DIFF_COOLDOWN_MS = 10 * 60_000;
/**
 * The hunt ends (last sampling reading, second snapshot) right after a full GC that the detector
 * finds near the floor of the leaking memory (`leakStatus().near_floor`): ending while a big batch
 * of short-lived objects happens to be alive would make the batch look like the leak. It waits
 * for one at most FLOOR_WAIT_MS.
 */
const FLOOR_WAIT_MS = 6_000;
/** How many of the suspects' classes get a retainer path. */
const EXPLAINED = 8;

/** One hunt for the culprit of a leak, from its finding to its report. */
class CulpritHunt {
  /** When the hunt started (ms since the epoch), null when none runs. @type {number | null} */
  startedMs;
  /** When the detector last found the leak. @type {number} */
  lastFoundMs;
  /** @type {AllocationSampler | null} */
  sampler;
  /** The sampler's first reading's counts (see countsOf). @type {ReturnType<typeof countsOf> | null} */
  baseline;
  /** @type {import('../snapshot/heap-diff').HeapDiff | null} */
  diff;
  /** Which memory leaks. @type {'heap' | 'external' | 'native' | 'rss' | null} */
  memory;
  /** Whether the last full GC was near the leaking memory's floor, as the detector judged. @type {boolean} */
  nearFloor;
  /** Whether finish() runs. @type {boolean} */
  finishing;

  /**
   * @param {object} options the leak options (sampling, heapDiff, heapDiffMaxHeap, samplingInterval)
   * @param {(warning: Error) => void} warn delivers a 'warning' (a snapshot the hunt did without)
   */
  constructor(options = {}, warn = (warning) => process.emitWarning(warning)) {
    this.warn = warn;
    this.options = { ...DEFAULTS };
    for (const [name, value] of Object.entries(options)) {
      if (name in DEFAULTS && value !== undefined) this.options[name] = value;
    }
    this.lastBaselineMs = -Infinity;
    this.#clear();
  }

  get active() {
    return this.startedMs !== null;
  }

  /** Called after every full GC with the detector's status and the GC's record. */
  update(status, gc) {
    if (status.leak_found) this.lastFoundMs = gc.end_ms;
    if (!this.active) {
      // Not while a leak is reported already: its next report starts its own hunt (finish()).
      // The heap's profiler and snapshots see the heap and Buffers only, not native memory.
      const inV8 = status.memory === 'heap' || status.memory === 'external';
      if (status.leak_found && status.state === 'suspect' && inV8) this.#begin(status.memory, gc.used_after);
    } else if (this.sampler && !this.baseline) {
      // Read right after a full GC, like the final reading: both count only live objects.
      this.baseline = countsOf(this.sampler.read());
    }
    if (!this.active) return;
    this.nearFloor = status.near_floor;
    if (!this.finishing && gc.end_ms - this.lastFoundMs > GIVE_UP_MS) this.cancel();
  }

  /** Stops the hunt and frees what it holds. */
  cancel() {
    try {
      this.sampler?.stop();
      // A diff that finish() ended is ended already; one dropped with the hunt is not compared.
      if (this.diff) require('../snapshot/heap-diff').abandonHeapDiff(this.diff);
    } finally {
      this.#clear();
    }
  }

  /**
   * The suspects for `report`, best first: waits until the hunt has run MIN_HUNT_MS (and seen a
   * full GC since its baseline), then reads the profiler and ends the HeapDiff if there is one.
   * The hunt is over afterwards.
   * @param {() => Promise<void>} nextFullGc resolves after the next full GC
   * @param {{memory: 'heap' | 'external'}} report the leak report
   */
  async finish(nextFullGc, report) {
    this.finishing = true;
    try {
      if (!this.active) this.#begin(report.memory, process.memoryUsage().heapUsed);
      while (Date.now() - /** @type {number} */ (this.startedMs) < MIN_HUNT_MS || (this.sampler && !this.baseline)) {
        await nextFullGc();
        if (this.sampler && !this.baseline) this.baseline = countsOf(this.sampler.read());
      }
      const waitUntil = Date.now() + FLOOR_WAIT_MS;
      while (!this.nearFloor && Date.now() < waitUntil) await nextFullGc();
      const last = this.sampler ? this.sampler.read() : null;
      const sites = last && this.baseline ? grownSites(this.baseline, last) : [];
      const diff = this.diff ? await this.#endDiff(this.diff) : null;
      this.lastBaselineMs = -Infinity;
      return suspectsFrom(sites, diff, last);
    } finally {
      this.cancel();
    }
  }

  /** Starts the sampler and, if the options allow one now, the HeapDiff. */
  #begin(memory, usedHeap) {
    this.startedMs = Date.now();
    this.memory = memory;
    const o = this.options;
    if (o.sampling) {
      const auto = memory === 'external' ? EXTERNAL_SAMPLING_INTERVAL : HEAP_SAMPLING_INTERVAL;
      const interval = o.samplingInterval === 'auto' ? auto : o.samplingInterval;
      this.sampler = new AllocationSampler(interval, memory === 'external');
    }
    const small = usedHeap <= o.heapDiffMaxHeap;
    const rested = Date.now() - this.lastBaselineMs >= HEAP_DIFF_COOLDOWN_MS;
    if (o.heapDiff === true || (o.heapDiff === 'auto' && small && rested)) {
      this.lastBaselineMs = Date.now();
      // Loaded by the first hunt that takes a HeapDiff: a program that never leaks never does.
      const { HeapDiff } = require('../snapshot/heap-diff');
      try {
        this.diff = new HeapDiff();
      } catch (err) {
        this.#withoutSnapshot(err);
      }
    }
  }

  /**
   * The hunt's HeapDiff, ended; null when the process has no room for its second snapshot.
   * @param {import('../snapshot/heap-diff').HeapDiff} diff
   */
  async #endDiff(diff) {
    try {
      return await diff.endAsync({ retainers: EXPLAINED });
    } catch (err) {
      this.#withoutSnapshot(err);
      return null;
    }
  }

  /**
   * Goes on without the HeapDiff when `err` says the process lacks the memory for a snapshot,
   * with a warning that says so; rethrows any other error.
   * @param {unknown} err
   */
  #withoutSnapshot(err) {
    const error = /** @type {Error & {code?: string}} */ (err);
    if (error?.code !== 'LEAKWATCH_NO_ROOM') throw err;
    const warning = /** @type {Error & {code?: string}} */ (
      new Error(`the leak's suspects are named by allocation site only: ${error.message.replace(/^leakwatch: /, '')}`)
    );
    warning.name = 'LeakwatchWarning';
    warning.code = 'LEAKWATCH_NO_ROOM';
    this.warn(warning);
  }

  #clear() {
    this.startedMs = null;
    this.lastFoundMs = -Infinity;
    this.sampler = null;
    this.baseline = null;
    this.diff = null;
    this.memory = null;
    this.nearFloor = true;
    this.finishing = false;
  }
}

/** The leak options that tune the hunt (configure({leak})). */
const CULPRIT_OPTIONS = Object.keys(DEFAULTS);

module.exports = { CulpritHunt, CULPRIT_OPTIONS };
