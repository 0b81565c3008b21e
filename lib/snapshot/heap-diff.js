// @ts-check
'use strict';
// HeapDiff: node-memwatch's class, on leakwatch-core.
//
// `new HeapDiff()` takes the "before" snapshot at once, streaming it into the native parser
// (lib/snapshot/read.js), and returns as soon as V8 has written it: parsing ends and the census is
// taken on a background thread while the program goes on. `end()` takes the "after" snapshot the
// same way, waits for both censuses and returns node-memwatch's object; `endAsync()` takes the
// snapshot now too (V8 can only write it on this thread) but parses and compares on libuv's
// thread pool. Only the censuses (a few bytes per object) outlive a snapshot; the graphs are
// dropped as soon as each is analysed.

const native = require('../native');
const { readSnapshot } = require('./read');
const { keepHeapProfiler } = require('./heap-profiler-state');

/** A HeapDiff dropped without end() stops holding V8's object ids when it is collected. */
const abandoned = new FinalizationRegistry((release) => release());

const ALREADY_ENDED = 'attempt to end() a HeapDiff that was already ended';

/** The `retainers` option of end()/endAsync(): how many rows get a retainer path. */
function retainerRows(options) {
  const n = options?.retainers ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > 1000) {
    throw new TypeError(`leakwatch: HeapDiff's 'retainers' option must be an integer from 0 to 1000, not ${String(n)}`);
  }
  return n;
}

/**
 * Drops a HeapDiff's first snapshot and lets V8 stop tracking object ids now, rather than when
 * the HeapDiff is collected: for leakwatch's own HeapDiffs, which are not part of the public API.
 * Set in HeapDiff's static block, which can reach its private fields.
 */
let abandonHeapDiff;

class HeapDiff {
  /** @type {import("../../crates/leakwatch-node/binding").HeapCensus | null} */
  #before;
  #ended = false;
  #method;
  /** Stops holding V8's object ids, which the second snapshot needs to match the first's. */
  #releaseIds;

  /**
   * @param {{method?: 'stream' | 'inspector'}} [options] how to read V8's snapshot; the default
   *   is the snapshot stream, with the inspector as a fallback.
   */
  constructor(options = {}) {
    this.#method = options.method;
    const release = keepHeapProfiler();
    try {
      this.#before = readSnapshot({ method: this.#method }).censusInBackground();
    } catch (err) {
      release();
      throw err;
    }
    this.#releaseIds = release;
    abandoned.register(this, release, this);
  }

  /**
   * Takes the second snapshot and returns what changed since the first. Throws if called twice.
   * With `{retainers: N}`, each of the first N rows that grew also gets `retainers`: the shortest
   * retainer path of its added object that retains the most.
   */
  end(options = {}) {
    const explain = retainerRows(options);
    const before = this.#take();
    if (explain > 0) {
      try {
        return JSON.parse(this.#snapshot().diffAgainst(before, explain));
      } finally {
        this.#dropBefore();
      }
    }
    try {
      const after = this.#snapshot().census();
      try {
        return JSON.parse(native.heapDiff(before, after));
      } finally {
        after.release();
      }
    } finally {
      this.#dropBefore();
    }
  }

  /**
   * Like end() (with the same options), but only V8's writing of the snapshot happens on this thread; parsing, analysis
   * and the comparison run on libuv's thread pool. Rejects if the diff was already ended.
   */
  async endAsync(options = {}) {
    const explain = retainerRows(options);
    const before = this.#take();
    if (explain > 0) {
      try {
        return JSON.parse(await this.#snapshot().diffAgainstAsync(before, explain));
      } finally {
        this.#dropBefore();
      }
    }
    try {
      const after = await this.#snapshot().censusAsync();
      try {
        return JSON.parse(await native.heapDiffAsync(before, after));
      } finally {
        after.release();
      }
    } finally {
      this.#dropBefore();
    }
  }

  /** The second snapshot, after which the object ids are no longer needed. */
  #snapshot() {
    try {
      return readSnapshot({ method: this.#method });
    } finally {
      this.#letGoOfIds();
    }
  }

  #letGoOfIds() {
    abandoned.unregister(this);
    this.#releaseIds();
  }

  static {
    abandonHeapDiff = (diff) => {
      if (diff.#ended) return;
      diff.#take();
      diff.#dropBefore();
      diff.#letGoOfIds();
    };
  }

  /**
   * The first census, for the one end(). This HeapDiff holds it until #dropBefore(), so that
   * the second snapshot finds it held by leakwatch's object and leaves it out of the diff.
   */
  #take() {
    if (this.#ended) throw new Error(ALREADY_ENDED);
    this.#ended = true;
    // Set by the constructor, and dropped only after #ended is set.
    return /** @type {import("../../crates/leakwatch-node/binding").HeapCensus} */ (this.#before);
  }

  /** Frees the first census. */
  #dropBefore() {
    this.#before?.release();
    this.#before = null;
  }
}

module.exports = { HeapDiff, abandonHeapDiff };
