'use strict';
// The 'gc' event, one record for every GC, and the 'stats' event, one record after every full
// (mark-sweep-compact) GC with the heap as that GC left it.
//
// Two of Node's own instruments, no V8 C++ hook:
// - A perf_hooks PerformanceObserver on 'gc' entries hears of every GC, with its kind and
//   duration, in a task of its own just after the GC (within a tenth of a millisecond in a busy
//   server, whose requests are short). For GCs other than full ones, the heap is read then: what
//   the GC left, plus what the program allocated since.
// - v8.GCProfiler records V8's heap statistics in each GC's epilogue: the exact figures that
//   'stats' reports. It records every GC while started, and each record costs (3 KB of JSON in a
//   C++ buffer, parsed in JS): for the scavenges of a busy server that was megabytes of RSS. So it
//   runs only while a full GC is on its way: from when V8 starts incremental marking (an
//   'incremental' entry, a few milliseconds before the GC in a server) or leakwatch starts a full
//   GC itself, until that GC's entry comes (its records are fetched every second meanwhile, and
//   after 10 s it stops waiting). V8 starts nearly every full GC of a running program
//   incrementally; one it does not (the program's own global.gc(), say) is reported with the heap
//   as read when its entry comes.
// Neither keeps the event loop alive, and stop() removes both.

const v8 = require('node:v8');
const { PerformanceObserver, performance, constants } = require('node:perf_hooks');
const { onSnapshot } = require('./snapshot');

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

// @airbnb/node-memwatch's per-type GC counters, by the 'gc' event's kind.
const COUNTER_OF = {
  minor: 'Scavenge',
  major: 'MarkSweepCompact',
  incremental: 'IncrementalMarking',
  weakcb: 'ProcessWeakCallbacks',
};

/**
 * While a full GC is on its way, the profiler's records are fetched at least this often, which
 * empties its buffer: marking a big heap takes a while, and scavenges go on meanwhile.
 */
const RUN_MS = 1000;
/** A full GC awaited for this long is given up on: it will be reported with the heap as read. */
const AWAIT_MS = 10_000;

/**
 * Spans of time (of snapshots, of the profiler's runs) are kept this long after they end, for the
 * entries of their GCs to come: an entry waits for the task that the GC interrupted to end.
 */
const SPAN_KEPT_MS = 60_000;

// node-memwatch's averaging periods, in full GCs.
const RECENT_PERIOD = 10;
const ANCIENT_PERIOD = 120;

/**
 * node-memwatch's estimated_base and usage_trend, in floating point: its C++ kept them in
 * unsigned 32-bit integers, so `base_recent * 9` overflowed above ~477 MB and a shrinking heap
 * showed a huge positive trend.
 */
class BaseTracker {
  constructor() {
    this.count = 0;
    this.recent = 0;
    this.ancient = 0;
    this.min = 0;
    this.max = 0;
  }

  update(base) {
    this.count += 1;
    const n = this.count;
    if (n === 1) {
      // Starting from zero, as node-memwatch did, would bias the first averages low.
      this.recent = this.ancient = this.min = this.max = base;
      return;
    }
    if (n < RECENT_PERIOD) {
      // The first few GCs weigh little, damping the swings of a starting program.
      const recentWeight = (n / RECENT_PERIOD) ** 2.5 * n;
      const ancientWeight = (n / RECENT_PERIOD) ** 2.4 * n;
      this.recent = (this.recent * recentWeight + base) / (recentWeight + 1);
      this.ancient = (this.ancient * ancientWeight + base) / (ancientWeight + 1);
    } else {
      this.recent = (this.recent * (RECENT_PERIOD - 1) + base) / RECENT_PERIOD;
      const period = Math.min(ANCIENT_PERIOD, n);
      this.ancient = (this.ancient * (period - 1) + base) / period;
    }
    this.min = Math.min(this.min, base);
    this.max = Math.max(this.max, base);
  }

  /** Percent by which the recent average is above the long-run one, one decimal; signed. */
  get trend() {
    if (!this.ancient) return 0;
    // `+ 0` turns the -0 of a flat heap into 0.
    return Math.round(((this.recent - this.ancient) / this.ancient) * 1000) / 10 + 0;
  }
}

/** Drops the spans of time (`{from, to}`, oldest first) that ended over SPAN_KEPT_MS ago. */
function forgetOldSpans(spans) {
  if (spans.length === 0) return;
  const old = performance.now() - SPAN_KEPT_MS;
  while (spans.length > 0 && spans[0].to !== null && spans[0].to < old) spans.shift();
}

/** The span that `time` lies in, if any; one whose `to` is null has not ended. */
function spanAt(spans, time) {
  return spans.find((span) => time >= span.from && (span.to === null || time <= span.to));
}

function spaceSizes(heapSpaceStatistics) {
  const spaces = {};
  for (const space of heapSpaceStatistics) spaces[space.spaceName] = space.spaceUsedSize;
  return spaces;
}

/** The heap after a GC, from a GCProfiler record. */
function heapAfter(record) {
  const h = record.afterGC.heapStatistics;
  return {
    used: h.usedHeapSize,
    total: h.totalHeapSize,
    executable: h.totalHeapSizeExecutable,
    physical: h.totalPhysicalSize,
    available: h.totalAvailableSize,
    limit: h.heapSizeLimit,
    malloced: h.mallocedMemory,
    peakMalloced: h.peakMallocedMemory,
    external: h.externalMemory,
    spaces: spaceSizes(record.afterGC.heapSpaceStatistics),
  };
}

/** The heap now, in the same shape. */
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
    this.observer = null;
    this.profiler = null;
    this.unhook = null;
  }

  get running() {
    return this.observer !== null;
  }

  start() {
    if (this.running) return;
    if (typeof v8.GCProfiler !== 'function') {
      throw new Error(`leakwatch: 'stats' and 'leak' need v8.GCProfiler (Node 18.15 or newer), not in Node ${process.version}`);
    }
    this.base = new BaseTracker();
    this.fullGcs = 0;
    this.otherGcs = 0;
    this.counts = { Scavenge: 0, MarkSweepCompact: 0, IncrementalMarking: 0, ProcessWeakCallbacks: 0 };
    this.times = { ...this.counts };
    /**
     * The profiler's runs, oldest first: `{from, to, records, taken}`, with the times on the gc
     * entries' clock, `to` null and `records` null while it runs, then the full GCs it recorded
     * and how many of them have been paired with their entries. A full GC's entry is paired with
     * the next record of the run that its start lies in.
     */
    this.runs = [];
    /** When leakwatch began to await the full GC that the profiler runs for. */
    this.awaitedSince = 0;
    /** Snapshots under way, and the spans of those taken: their GCs are not the program's. */
    this.snapshotDepth = 0;
    this.snapshotFrom = 0;
    this.snapshotSpans = [];
    this.profiler = new v8.GCProfiler();
    this.observer = new PerformanceObserver((list) => this.#onEntries(list));
    this.observer.observe({ entryTypes: ['gc'] });
    this.unhook = onSnapshot({ before: () => this.#snapshotBefore(), after: () => this.#snapshotAfter() });
  }

  stop() {
    if (!this.running) return;
    this.unhook();
    this.observer.disconnect();
    if (this.#profiling) this.profiler.stop();
    this.observer = this.profiler = this.unhook = null;
    this.runs = [];
  }

  /**
   * Says that a full GC is on its way (leakwatch is about to start one): its figures are then
   * recorded exactly.
   */
  expectFullGc() {
    if (!this.running || this.#profiling) return;
    this.awaitedSince = performance.now();
    this.#startProfiler();
  }

  #startProfiler() {
    this.profiler.start();
    this.runs.push({ from: performance.now(), to: null, records: null, taken: 0 });
  }

  get #profiling() {
    return this.runs.length > 0 && this.runs[this.runs.length - 1].to === null;
  }

  /** Stops the profiler, keeping the full GCs it recorded in its run. */
  #stopProfiler() {
    const run = this.runs[this.runs.length - 1];
    run.to = performance.now();
    const data = this.profiler.stop();
    run.records = ((data && data.statistics) || []).filter((record) => record.gcType === 'MarkSweepCompact');
  }

  /** The profiler's record of the full GC that `entry` is of, if it was running then. */
  #recordOf(entry) {
    forgetOldSpans(this.runs);
    const run = spanAt(this.runs, entry.startTime);
    if (run === undefined) return undefined;
    if (run.records === null) this.#stopProfiler();
    return run.records[run.taken++];
  }

  #onEntries(list) {
    try {
      // The heap as it stands now, read once for the entries that have no record.
      let now = null;
      for (const entry of list.getEntries()) {
        if (!this.running) return;
        if (this.#bySnapshot(entry)) continue;
        const [kind, type] = ENTRY_KINDS[entry.detail ? entry.detail.kind : entry.kind] ?? ['other', 'Other'];
        if (kind === 'incremental') this.expectFullGc();
        const record = kind === 'major' ? this.#recordOf(entry) : undefined;
        const heap = record ? heapAfter(record) : (now ??= heapNow());
        const endMs = performance.timeOrigin + entry.startTime + entry.duration;
        this.#take({
          kind,
          type,
          duration_ms: entry.duration,
          end_ms: endMs,
          used_before: record ? record.beforeGC.heapStatistics.usedHeapSize : null,
          used_after: heap.used,
          spaces_after: heap.spaces,
          external_after: heap.external ?? 0,
          heap_size_limit: heap.limit,
        }, heap);
      }
      if (this.running && this.#profiling) this.#keepBufferSmall();
    } catch (err) {
      this.onError(err);
    }
  }

  /**
   * Fetches the profiler's records once its run is RUN_MS old, and starts a new run unless the
   * full GC has been awaited for AWAIT_MS.
   */
  #keepBufferSmall() {
    const now = performance.now();
    if (now - this.runs[this.runs.length - 1].from < RUN_MS) return;
    this.#stopProfiler();
    if (now - this.awaitedSince < AWAIT_MS) this.#startProfiler();
  }

  /** Whether an entry is of a GC that a heap snapshot made. */
  #bySnapshot(entry) {
    forgetOldSpans(this.snapshotSpans);
    return spanAt(this.snapshotSpans, entry.startTime) !== undefined;
  }

  #snapshotBefore() {
    if (this.snapshotDepth++ > 0) return;
    // The snapshot's GCs are not recorded: the profiler's run ends before them.
    if (this.#profiling) this.#stopProfiler();
    this.snapshotFrom = performance.now();
  }

  #snapshotAfter() {
    if (--this.snapshotDepth > 0) return;
    this.snapshotSpans.push({ from: this.snapshotFrom, to: performance.now() });
  }

  #take(gc, heap) {
    this.onGc(gc);
    const counter = COUNTER_OF[gc.kind];
    if (counter !== undefined) {
      this.counts[counter] += 1;
      this.times[counter] += Math.round(gc.duration_ms * 1e6);
    }
    if (gc.kind === 'major') this.#report(gc, heap);
    else this.otherGcs += 1;
  }

  #report(gc, heap) {
    this.fullGcs += 1;
    const base = heap.used;
    this.base.update(base);
    const memory = process.memoryUsage();
    const { counts, times } = this;
    this.onStats({
      // node-memwatch
      num_full_gc: this.fullGcs,
      num_inc_gc: this.otherGcs,
      heap_compactions: this.fullGcs,
      usage_trend: this.base.trend,
      estimated_base: Math.round(this.base.recent),
      current_base: base,
      min: this.base.min,
      max: this.base.max,
      // @airbnb/node-memwatch
      used_heap_size: heap.used,
      total_heap_size: heap.total,
      total_heap_size_executable: heap.executable,
      total_physical_size: heap.physical,
      total_available_size: heap.available,
      heap_size_limit: heap.limit,
      malloced_memory: heap.malloced,
      peak_malloced_memory: heap.peakMalloced,
      gcScavengeCount: counts.Scavenge,
      gcScavengeTime: times.Scavenge,
      gcMarkSweepCompactCount: counts.MarkSweepCompact,
      gcMarkSweepCompactTime: times.MarkSweepCompact,
      gcIncrementalMarkingCount: counts.IncrementalMarking,
      gcIncrementalMarkingTime: times.IncrementalMarking,
      gcProcessWeakCallbacksCount: counts.ProcessWeakCallbacks,
      gcProcessWeakCallbacksTime: times.ProcessWeakCallbacks,
      gc_time: Math.round(gc.duration_ms * 1e6),
      gc_ts: Math.round(gc.end_ms * 1000),
      // leakwatch
      heap_spaces: heap.spaces,
      external_memory: heap.external ?? memory.external,
      array_buffers: memory.arrayBuffers,
    });
  }
}

module.exports = { GcWatcher, BaseTracker };
