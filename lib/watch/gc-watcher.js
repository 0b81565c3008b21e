// @ts-check
'use strict';
// Watching GCs: the 'gc' event, one record for every GC, and after every full (mark-sweep-compact)
// GC the heap as that GC left it, for the 'stats' event (stats.js).
//
// A perf_hooks PerformanceObserver on 'gc' entries (Node's own instrument, no V8 C++ hook) hears of
// every GC, with its kind and duration, in a task of its own just after it; the heap is read then,
// once per batch of entries. For a full GC that is close to what the GC left: a full GC leaves the
// young generation empty, and the program's new objects go there, so it is counted as empty; only
// what was allocated straight into the old generation since (large and pretenured objects) is
// counted too (test/stats.test.js bounds the difference). gc() reads the heap as soon as its GC
// returns. v8.GCProfiler, which reads the heap in each GC's epilogue, would hold megabytes of
// malloc'd memory in a busy server.
//
// The observer does not keep the event loop alive, and stop() removes it.

const v8 = require('node:v8');
const { PerformanceObserver, performance, constants } = require('node:perf_hooks');
const { onSnapshot } = require('../snapshot/read');
const { GcStats } = require('./stats');

/**
 * The 'gc' event's kind (prom-client's `kind` label values) and V8's name for the GC, by a gc
 * entry's kind (a V8 GCType).
 */
const ENTRY_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: ['minor', 'Scavenge'],
  2: ['minor', 'MinorMarkSweep'], // kGCTypeMinorMarkSweep, which perf_hooks has no constant for
  [constants.NODE_PERFORMANCE_GC_MAJOR]: ['major', 'MarkSweepCompact'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: ['incremental', 'IncrementalMarking'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: ['weakcb', 'ProcessWeakCallbacks'],
};

/** The heap spaces of V8's young generation, which a full GC leaves empty. */
const YOUNG_SPACES = ['new_space', 'new_large_object_space'];

/**
 * Spans of time (of snapshots, of gc() calls) are kept this long after they end, for the entries
 * of their GCs to come: an entry waits for the task that the GC interrupted to end.
 */
const SPAN_KEPT_MS = 60_000;

/** Drops the spans of time (`{from, to}`, oldest first) that ended over SPAN_KEPT_MS ago. */
function forgetOldSpans(spans) {
  if (spans.length === 0) return;
  const old = performance.now() - SPAN_KEPT_MS;
  while (spans.length > 0 && spans[0].to < old) spans.shift();
}

/** The span that `time` lies in, if any. */
function spanAt(spans, time) {
  return spans.find((span) => time >= span.from && time <= span.to);
}

/**
 * The heap now: `{used, total, executable, physical, available, limit, malloced, peakMalloced,
 * external, spaces}`, with `spaces` the used bytes of each heap space.
 */
function heapNow() {
  const h = v8.getHeapStatistics();
  const spaces = {};
  for (const space of v8.getHeapSpaceStatistics()) spaces[space.space_name] = space.space_used_size;
  return {
    used: h.used_heap_size,
    total: h.total_heap_size,
    executable: h.total_heap_size_executable,
    physical: h.total_physical_size,
    available: h.total_available_size,
    limit: h.heap_size_limit,
    malloced: h.malloced_memory,
    peakMalloced: h.peak_malloced_memory,
    external: h.external_memory,
    spaces,
  };
}

/**
 * The heap as a full GC left it, from a reading taken since: the young generation empty, and the
 * used total the sum of the other spaces (V8's used_heap_size is the sum over its spaces).
 */
function afterFullGc(heap) {
  const spaces = {};
  let used = 0;
  for (const [name, size] of Object.entries(heap.spaces)) {
    spaces[name] = YOUNG_SPACES.includes(name) ? 0 : size;
    used += spaces[name];
  }
  return { ...heap, used, spaces };
}

/** Watches GCs while started: calls `onGc(gc)` for each and `onStats(stats)` after each full GC. */
class GcWatcher {
  /**
   * @param {(stats: object) => void} onStats called for each full GC, in order
   * @param {(err: Error) => void} onError called if watching itself fails
   * @param {(gc: object) => void} [onGc] called for every GC (full or not), in order, before onStats
   */
  constructor(onStats, onError, onGc = () => {}) {
    this.onStats = onStats;
    this.onError = onError;
    this.onGc = onGc;
    /** @type {PerformanceObserver | null} */
    this.observer = null;
    /** @type {(() => void) | null} */
    this.unhook = null;
    this.stats = new GcStats();
    /**
     * The gc() calls made while watching, oldest first: `{from, to, usedBefore, heap, taken?}`,
     * with the times on the gc entries' clock and the heap read just before and after. The entry
     * of a full GC that starts in one of them takes its figures, once.
     * @type {{from: number, to: number, usedBefore: number, heap: ReturnType<typeof heapNow>, taken?: boolean}[]}
     */
    this.forced = [];
    /** Snapshots under way, and the spans of those taken: their GCs are not the program's. */
    this.snapshotDepth = 0;
    this.snapshotFrom = 0;
    /** @type {{from: number, to: number}[]} */
    this.snapshotSpans = [];
  }

  get running() {
    return this.observer !== null;
  }

  start() {
    if (this.running) return;
    this.stats = new GcStats();
    this.forced = [];
    this.snapshotDepth = 0;
    this.snapshotFrom = 0;
    this.snapshotSpans = [];
    this.observer = new PerformanceObserver((list) => this.#onEntries(list));
    this.observer.observe({ entryTypes: ['gc'] });
    this.unhook = onSnapshot({ before: () => this.#snapshotBefore(), after: () => this.#snapshotAfter() });
  }

  stop() {
    if (!this.running) return;
    this.unhook?.();
    this.observer?.disconnect();
    this.observer = this.unhook = null;
    this.forced = [];
  }

  /** Runs `collect`, a full GC, reading the heap just before and after it, for that GC's figures. */
  collectNow(collect) {
    if (!this.running) {
      collect();
      return;
    }
    const usedBefore = v8.getHeapStatistics().used_heap_size;
    const from = performance.now();
    collect();
    this.forced.push({ from, to: performance.now(), usedBefore, heap: afterFullGc(heapNow()) });
  }

  /** The gc() call that the full GC of `entry` ran in, if any and if no other entry took it. */
  #forcedBy(entry) {
    forgetOldSpans(this.forced);
    const forced = spanAt(this.forced, entry.startTime);
    if (forced === undefined || forced.taken) return undefined;
    forced.taken = true;
    return forced;
  }

  #onEntries(list) {
    try {
      // The heap as it stands now, read once for the batch.
      let now = null;
      for (const entry of list.getEntries()) {
        if (!this.running) return;
        if (this.#bySnapshot(entry)) continue;
        const [kind, type] = ENTRY_KINDS[entry.detail ? entry.detail.kind : entry.kind] ?? ['other', 'Other'];
        const forced = kind === 'major' ? this.#forcedBy(entry) : undefined;
        now ??= heapNow();
        const heap = forced ? forced.heap : kind === 'major' ? afterFullGc(now) : now;
        const endMs = performance.timeOrigin + entry.startTime + entry.duration;
        this.#take({
          kind,
          type,
          duration_ms: entry.duration,
          end_ms: endMs,
          used_before: forced ? forced.usedBefore : null,
          used_after: heap.used,
          spaces_after: heap.spaces,
          external_after: heap.external ?? 0,
          heap_size_limit: heap.limit,
        }, heap);
      }
    } catch (err) {
      this.onError(err);
    }
  }

  /** Whether an entry is of a GC that a heap snapshot made. */
  #bySnapshot(entry) {
    forgetOldSpans(this.snapshotSpans);
    return spanAt(this.snapshotSpans, entry.startTime) !== undefined;
  }

  #snapshotBefore() {
    if (this.snapshotDepth++ > 0) return;
    this.snapshotFrom = performance.now();
  }

  #snapshotAfter() {
    if (--this.snapshotDepth > 0) return;
    this.snapshotSpans.push({ from: this.snapshotFrom, to: performance.now() });
  }

  #take(gc, heap) {
    this.onGc(gc);
    const stats = this.stats.add(gc, heap);
    if (stats !== null) this.onStats(stats);
  }
}

module.exports = { GcWatcher };
