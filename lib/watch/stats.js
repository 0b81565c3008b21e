// @ts-check
'use strict';
// The 'stats' event's record of a full GC: node-memwatch's fields (its estimated base and usage
// trend, kept in floating point), @airbnb/node-memwatch's GC counters, and leakwatch's additions.

// @airbnb/node-memwatch's per-type GC counters, by the 'gc' event's kind.
const COUNTER_OF = {
  minor: 'Scavenge',
  major: 'MarkSweepCompact',
  incremental: 'IncrementalMarking',
  weakcb: 'ProcessWeakCallbacks',
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

/** The counters and averages of the GCs seen since watching started. */
class GcStats {
  constructor() {
    this.base = new BaseTracker();
    this.fullGcs = 0;
    this.otherGcs = 0;
    this.counts = { Scavenge: 0, MarkSweepCompact: 0, IncrementalMarking: 0, ProcessWeakCallbacks: 0 };
    this.times = { ...this.counts };
  }

  /**
   * Counts one GC (a 'gc' record, with `heap` as GcWatcher read it); returns its 'stats' record
   * if it was a full GC, else null.
   */
  add(gc, heap) {
    const counter = COUNTER_OF[gc.kind];
    if (counter !== undefined) {
      this.counts[counter] += 1;
      this.times[counter] += Math.round(gc.duration_ms * 1e6);
    }
    if (gc.kind === 'major') return this.#record(gc, heap);
    this.otherGcs += 1;
    return null;
  }

  /** The 'stats' record of a full GC. */
  #record(gc, heap) {
    this.fullGcs += 1;
    const base = heap.used;
    this.base.update(base);
    const memory = process.memoryUsage();
    const { counts, times } = this;
    return {
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
    };
  }
}

module.exports = { GcStats, BaseTracker };
