'use strict';
// The 'stats' event: one record after every full (mark-sweep-compact) GC, with the heap as that
// GC left it.
//
// Two of Node's own instruments, no V8 C++ hook:
// - v8.GCProfiler records, for every GC, V8's heap statistics taken in the GC's epilogue
//   (afterGC), the GC's type and its cost. Those are the figures reported: exact, not the heap as
//   it stands later when JS runs. It reports only when stopped, so it is polled: stop() gives
//   what it has, start() goes on at once.
// - A perf_hooks PerformanceObserver on 'gc' entries says when each GC ended, and when to poll:
//   at once after a full GC, so that 'stats' follows it closely, and otherwise at most once a
//   second. Each stop() and start() costs about a millisecond, which polled after every scavenge
//   of a busy server took a tenth of its time; the records wait in the profiler meanwhile.
// Neither keeps the event loop alive, and stop() removes both.

const v8 = require('node:v8');
const { PerformanceObserver, performance, constants } = require('node:perf_hooks');
const native = require('./native');
const { onSnapshot } = require('./snapshot');

const FULL = 'MarkSweepCompact';
/** Other GCs' records are fetched from the profiler at most this often. */
const POLL_MS = 1000;
/**
 * After a poll, malloc's free memory is given back to the system at most once a second, and
 * within this share of the time (a trim walks every free block, so with a big native heap it
 * takes longer and comes less often). The profiler writes its records into a growing C++
 * buffer, and glibc keeps what the buffers it frees leave behind: about 1 MB of a busy
 * server's RSS, for 0.6 ms a trim.
 */
const TRIM_MS = 1000;
const TRIM_BUDGET = 0.001;

/** The 'gc' event's kind of a perf_hooks gc entry, by its `kind` (a V8 GCType). */
const ENTRY_KIND = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  2: 'minor', // kGCTypeMinorMarkCompact, which perf_hooks has no constant for
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

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

// @airbnb/node-memwatch's per-type GC counters, by the GCProfiler's gcType.
const COUNTER_OF = {
  Scavenge: 'Scavenge',
  MinorMarkCompact: 'Scavenge',
  MinorMarkSweep: 'Scavenge',
  MarkSweepCompact: 'MarkSweepCompact',
  IncrementalMarking: 'IncrementalMarking',
  ProcessWeakCallbacks: 'ProcessWeakCallbacks',
};

// The 'gc' event's kinds, by the GCProfiler's gcType (prom-client's `kind` label values).
const KIND_OF = {
  Scavenge: 'minor',
  MinorMarkCompact: 'minor',
  MinorMarkSweep: 'minor',
  MarkSweepCompact: 'major',
  IncrementalMarking: 'incremental',
  ProcessWeakCallbacks: 'weakcb',
};

function spaceSizes(heapSpaceStatistics) {
  const spaces = {};
  for (const space of heapSpaceStatistics) spaces[space.spaceName] = space.spaceUsedSize;
  return spaces;
}

/** One 'gc' event: any GC, with the heap before and after it. */
function gcRecord(record, endMs) {
  const before = record.beforeGC.heapStatistics;
  const after = record.afterGC.heapStatistics;
  return {
    kind: KIND_OF[record.gcType] ?? 'other',
    type: record.gcType,
    duration_ms: record.cost / 1000,
    end_ms: endMs,
    used_before: before.usedHeapSize,
    used_after: after.usedHeapSize,
    spaces_after: spaceSizes(record.afterGC.heapSpaceStatistics),
    external_after: after.externalMemory ?? 0,
    heap_size_limit: after.heapSizeLimit,
  };
}

/** Watches GCs while started and calls `onStats(stats)` after each full GC. */
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
    this.profiler = null;
    this.observer = null;
    this.unhook = null;
  }

  get running() {
    return this.profiler !== null;
  }

  start() {
    if (this.running) return;
    this.base = new BaseTracker();
    this.fullGcs = 0;
    this.otherGcs = 0;
    this.counts = { Scavenge: 0, MarkSweepCompact: 0, IncrementalMarking: 0, ProcessWeakCallbacks: 0 };
    this.times = { ...this.counts };
    // Per kind of GC, how many each instrument has seen (the snapshot's own GCs included), to
    // pair an observer entry with the profiler record of the same GC; and the end times of
    // entries not yet paired.
    this.records = {};
    this.entries = {};
    this.endTimes = {};
    this.lastPollMs = 0;
    this.nextTrimMs = 0;
    this.queue = [];
    this.draining = false;
    if (typeof v8.GCProfiler !== 'function') {
      throw new Error(`leakwatch: 'stats' and 'leak' need v8.GCProfiler (Node 18.15 or newer), not in Node ${process.version}`);
    }
    this.profiler = new v8.GCProfiler();
    this.profiler.start();
    this.observer = new PerformanceObserver((list) => this.#onEntries(list));
    this.observer.observe({ entryTypes: ['gc'] });
    this.unhook = onSnapshot({ before: () => this.#poll(false), after: () => this.#poll(true) });
  }

  stop() {
    if (!this.running) return;
    this.unhook();
    this.observer.disconnect();
    this.profiler.stop();
    this.profiler = this.observer = this.unhook = null;
    this.endTimes = {};
    this.queue = [];
  }

  /** Reports what the profiler recorded so far, without waiting for the next GC to end. */
  poll() {
    this.#poll(false);
  }

  #onEntries(list) {
    try {
      let full = false;
      for (const entry of list.getEntries()) {
        const kind = ENTRY_KIND[entry.detail ? entry.detail.kind : entry.kind] ?? 'other';
        full ||= kind === 'major';
        const seen = (this.entries[kind] = (this.entries[kind] ?? 0) + 1);
        // An entry whose record was already reported (or was the snapshot's) is late: drop it.
        if (seen > (this.records[kind] ?? 0)) {
          (this.endTimes[kind] ??= []).push(performance.timeOrigin + entry.startTime + entry.duration);
        }
      }
      if (full || Date.now() - this.lastPollMs >= POLL_MS) this.#poll(false);
    } catch (err) {
      this.onError(err);
    }
  }

  /**
   * Takes what the profiler recorded so far and reports it in order, or drops it when `discard`.
   * A listener may take a snapshot (node-memwatch allowed a HeapDiff in a 'stats' listener), which
   * polls again from inside this loop: those records join the queue behind the ones still to be
   * reported, so every record is reported once and in the order of the GCs.
   */
  #poll(discard) {
    if (!this.running) return;
    this.lastPollMs = Date.now();
    const data = this.profiler.stop();
    this.profiler.start();
    if (this.lastPollMs >= this.nextTrimMs) {
      const started = performance.now();
      native.releaseFreeMemory();
      this.nextTrimMs = this.lastPollMs + Math.max(TRIM_MS, (performance.now() - started) / TRIM_BUDGET);
    }
    for (const record of (data && data.statistics) || []) this.queue.push({ record, discard });
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.running && this.queue.length > 0) {
        const { record, discard: drop } = this.queue.shift();
        this.#take(record, drop);
      }
    } finally {
      this.draining = false;
    }
  }

  #take(record, discard) {
    const kind = KIND_OF[record.gcType] ?? 'other';
    const taken = (this.records[kind] = (this.records[kind] ?? 0) + 1);
    const ms = taken <= (this.entries[kind] ?? 0) ? this.endTimes[kind]?.shift() : undefined;
    if (discard) return;
    const endMs = ms === undefined ? Date.now() : ms;
    this.onGc(gcRecord(record, endMs));
    if (record.gcType === FULL) {
      this.#report(record, endMs);
    } else {
      this.otherGcs += 1;
      this.#count(record);
    }
  }

  #count(record) {
    const counter = COUNTER_OF[record.gcType];
    if (counter === undefined) return;
    this.counts[counter] += 1;
    this.times[counter] += Math.round(record.cost * 1000);
  }

  #report(record, endMs) {
    this.fullGcs += 1;
    this.#count(record);
    const heap = record.afterGC.heapStatistics;
    const base = heap.usedHeapSize;
    this.base.update(base);
    const spaces = spaceSizes(record.afterGC.heapSpaceStatistics);
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
      used_heap_size: heap.usedHeapSize,
      total_heap_size: heap.totalHeapSize,
      total_heap_size_executable: heap.totalHeapSizeExecutable,
      total_physical_size: heap.totalPhysicalSize,
      total_available_size: heap.totalAvailableSize,
      heap_size_limit: heap.heapSizeLimit,
      malloced_memory: heap.mallocedMemory,
      peak_malloced_memory: heap.peakMallocedMemory,
      gcScavengeCount: counts.Scavenge,
      gcScavengeTime: times.Scavenge,
      gcMarkSweepCompactCount: counts.MarkSweepCompact,
      gcMarkSweepCompactTime: times.MarkSweepCompact,
      gcIncrementalMarkingCount: counts.IncrementalMarking,
      gcIncrementalMarkingTime: times.IncrementalMarking,
      gcProcessWeakCallbacksCount: counts.ProcessWeakCallbacks,
      gcProcessWeakCallbacksTime: times.ProcessWeakCallbacks,
      gc_time: Math.round(record.cost * 1000),
      gc_ts: Math.round(endMs * 1000),
      // leakwatch
      heap_spaces: spaces,
      external_memory: heap.externalMemory ?? memory.external,
      array_buffers: memory.arrayBuffers,
    });
  }
}

module.exports = { GcWatcher, BaseTracker };
