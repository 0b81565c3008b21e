// @ts-check
'use strict';
// The readings behind memwatch.metrics(), registerMetrics() and registerOtel(): the heap now, the
// heap after the last full GC, GC durations by kind, and what the leak detector thinks.
//
// Each metric family is read on its own (a prom-client registry asks for one at a time), in a
// neutral form that the Prometheus text writer and the prom-client adapter both turn into their
// own. Names, help texts, label values and histogram buckets are prom-client's wherever
// prom-client has the metric, so dashboards made for prom-client keep working.

const v8 = require('node:v8');
const native = require('../native');

/** prom-client's default buckets for nodejs_gc_duration_seconds, in seconds. */
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

/** The GC kinds prom-client labels (the 'gc' event's 'other' is left out, as prom-client does). */
const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'];

/** prom-client's `space` label: V8's space name without "_space" ("old_space" becomes "old"). */
function spaceLabel(spaceName) {
  const end = spaceName.indexOf('_space');
  return end >= 0 ? spaceName.slice(0, end) : spaceName;
}

/**
 * One sample of the C allocator's figures, picked by `pick`, labelled with the allocator; none
 * where the allocator gives no figures.
 * @param {(stats: {inUse: number, free: number}) => number} pick
 */
function mallocSample(pick) {
  const stats = native.mallocStats();
  return stats ? [{ labels: { allocator: stats.allocator }, value: pick(stats) }] : [];
}

/** Counts of GC durations per kind, cumulative per bucket as Prometheus histograms are. */
class GcDurations {
  constructor() {
    this.byKind = new Map(GC_KINDS.map((kind) => [kind, { buckets: GC_BUCKETS.map(() => 0), sum: 0, count: 0 }]));
  }

  observe(kind, seconds) {
    const series = this.byKind.get(kind);
    if (series === undefined || !(seconds >= 0)) return;
    series.count += 1;
    series.sum += seconds;
    for (let i = 0; i < GC_BUCKETS.length; i++) if (seconds <= GC_BUCKETS[i]) series.buckets[i] += 1;
  }

  /** Prometheus samples: name_bucket{kind, le} (cumulative), name_sum{kind}, name_count{kind}. */
  samples(name) {
    const samples = [];
    for (const [kind, series] of this.byKind) {
      GC_BUCKETS.forEach((le, i) => samples.push({ name: `${name}_bucket`, labels: { le: String(le), kind }, value: series.buckets[i] }));
      samples.push({ name: `${name}_bucket`, labels: { le: '+Inf', kind }, value: series.count });
      samples.push({ name: `${name}_sum`, labels: { kind }, value: series.sum });
      samples.push({ name: `${name}_count`, labels: { kind }, value: series.count });
    }
    return samples;
  }
}

/**
 * Collects the readings of one memwatch object. It counts GC durations from memwatch's 'gc'
 * event from the first attach() on, which starts GC watching; memwatch.stop() stops it like any
 * other watching. The heap after the last full GC comes from memwatch itself (fullGcSeen()), so
 * full GCs seen while memwatch was watching for other reasons count before the first scrape.
 */
class MetricsCollector {
  #memwatch;
  #durations = new GcDurations();
  #heapAfterGc = null;
  #onGc = (gc) => {
    this.#durations.observe(gc.kind, gc.duration_ms / 1000);
  };

  constructor(memwatch) {
    this.#memwatch = memwatch;
  }

  /** Starts listening to 'gc' events unless listening already (even after removeAllListeners()). */
  attach() {
    if (this.#memwatch.rawListeners('gc').includes(this.#onGc)) return;
    this.#memwatch.on('gc', this.#onGc);
  }

  /** Records the used heap after a full GC, in bytes. */
  fullGcSeen(usedAfter) {
    this.#heapAfterGc = usedAfter;
  }

  /** Used heap after the last full GC seen, in bytes; null before the first. */
  get heapAfterGc() {
    return this.#heapAfterGc;
  }

  /**
   * The metric families, each `{name, help, type, read()}`; read() returns samples
   * `{name, labels, value}` (a histogram's samples carry their _bucket, _sum, _count names).
   */
  families() {
    const memwatch = this.#memwatch;
    const single = (value) => [{ labels: {}, value }];
    return [
      {
        name: 'nodejs_heap_size_total_bytes',
        help: 'Process heap size from Node.js in bytes.',
        type: 'gauge',
        read: () => single(process.memoryUsage().heapTotal),
      },
      {
        name: 'nodejs_heap_size_used_bytes',
        help: 'Process heap size used from Node.js in bytes.',
        type: 'gauge',
        read: () => single(process.memoryUsage().heapUsed),
      },
      {
        name: 'nodejs_external_memory_bytes',
        help: 'Node.js external memory size in bytes.',
        type: 'gauge',
        read: () => single(process.memoryUsage().external),
      },
      {
        name: 'nodejs_heap_space_size_used_bytes',
        help: 'Process heap space size used from Node.js in bytes.',
        type: 'gauge',
        read: () => v8.getHeapSpaceStatistics().map((s) => ({ labels: { space: spaceLabel(s.space_name) }, value: s.space_used_size })),
      },
      {
        name: 'nodejs_heap_size_limit_bytes',
        help: 'The V8 heap size limit (--max-old-space-size and friends) in bytes.',
        type: 'gauge',
        read: () => single(v8.getHeapStatistics().heap_size_limit),
      },
      {
        name: 'nodejs_gc_duration_seconds',
        help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
        type: 'histogram',
        read: () => this.#durations.samples('nodejs_gc_duration_seconds'),
      },
      {
        // prom-client's name and help (collectDefaultMetrics registers it too, on Linux).
        name: 'process_resident_memory_bytes',
        help: 'Resident memory size in bytes.',
        type: 'gauge',
        read: () => single(process.memoryUsage.rss()),
      },
      {
        name: 'leakwatch_malloc_in_use_bytes',
        help: "Bytes the C allocator (glibc's malloc, jemalloc) has handed out and not taken back; absent where it does not say (musl).",
        type: 'gauge',
        read: () => mallocSample((stats) => stats.inUse),
      },
      {
        name: 'leakwatch_malloc_free_bytes',
        help: 'Bytes the C allocator holds free and has not returned to the system: rising while in-use bytes stay flat, fragmentation.',
        type: 'gauge',
        read: () => mallocSample((stats) => stats.free),
      },
      {
        name: 'leakwatch_heap_after_gc_bytes',
        help: 'Used V8 heap right after the last full GC, in bytes: the floor a leak raises.',
        type: 'gauge',
        // No sample before the first full GC: an absent series, not a false zero.
        read: () => (this.#heapAfterGc === null ? [] : single(this.#heapAfterGc)),
      },
      {
        name: 'leakwatch_heap_growth_bytes_per_second',
        help: "The leak detector's current growth estimate of the memory that grows fastest, in bytes per second.",
        type: 'gauge',
        read: () => single(memwatch.leakStatus().rate_bytes_per_second),
      },
      {
        name: 'leakwatch_leak_suspected',
        help: '1 while the leak detector reports a leak and memory still rises, else 0.',
        type: 'gauge',
        read: () => single(memwatch.leakStatus().state === 'leak' ? 1 : 0),
      },
      {
        name: 'leakwatch_leaks_total',
        help: 'Leaks reported by the leak detector.',
        type: 'counter',
        read: () => single(memwatch.leakStatus().leaks_total),
      },
    ].map((family) => ({ ...family, read: () => family.read().map((s) => ({ name: family.name, ...s })) }));
  }
}

/** The names of every metric family leakwatch exports (for dashboards and alert rules). */
const METRIC_NAMES = new MetricsCollector(null).families().map((f) => f.name);

module.exports = { MetricsCollector, GC_KINDS, METRIC_NAMES };
