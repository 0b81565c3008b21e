'use strict';
// The 'leak' event, first version: a steady rise of memory measured after full GCs.
//
// The rule itself is in the addon (crates/leakwatch-node/src/detector.rs): a least-squares line
// through the post-GC samples of a time window, reported when its growth is large enough, its
// slope is clearly above zero and both halves of the window rise (so a flat heap that wobbles,
// or a cache filled once, is not a leak). It is watched on two series: the V8 heap used after
// each full GC, and the external memory (ArrayBuffers, Buffers, native objects) V8 accounts for.

const native = require('./native');

const OPTION_NAMES = ['windowMs', 'minSamples', 'minSpanMs', 'minGrowth', 'minT'];

/** Checks leak options as given to configure(): a TypeError names the first bad one. */
function checkLeakOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError('leakwatch: the leak options must be an object');
  }
  for (const [name, value] of Object.entries(options)) {
    if (!OPTION_NAMES.includes(name)) {
      throw new TypeError(`leakwatch: unknown leak option '${name}' (known: ${OPTION_NAMES.join(', ')})`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`leakwatch: leak option '${name}' must be a finite number >= 0, not ${String(value)}`);
    }
  }
  return { ...options };
}

/** Durations as node-memwatch wrote them: "45s", "4m 10s", "2h 5m". */
function niceDelta(ms) {
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

/** Turns post-GC stats into 'leak' reports. */
class LeakTracker {
  constructor(options = {}) {
    this.options = checkLeakOptions(options);
    this.reset();
  }

  reset() {
    this.heap = new native.LeakDetector(this.options);
    this.external = new native.LeakDetector(this.options);
    // Per-space sizes of recent samples, to say which heap spaces grew over a reported window.
    this.recent = [];
  }

  /** The detector's current view (see LeakWatch#leakStatus). */
  status() {
    return { state: 'idle', memory: null, rate_bytes_per_second: 0, leaks_total: this.leaksTotal ?? 0, last_leak: this.lastLeak ?? null };
  }

  /** Feeds one 'stats' record; returns the reports it triggers (usually none). */
  observe(stats) {
    const t = stats.gc_ts / 1000;
    this.recent.push({ t, spaces: stats.heap_spaces });
    const oldest = t - (this.options.windowMs ?? 10 * 60_000);
    while (this.recent.length > 4096 || (this.recent.length > 1 && this.recent[0].t < oldest)) this.recent.shift();

    const reports = [];
    const heap = this.heap.observe(t, stats.current_base);
    if (heap) reports.push(this.#report('heap', heap, stats));
    const external = this.external.observe(t, stats.external_memory);
    if (external) reports.push(this.#report('external', external, stats));
    return reports;
  }

  #report(memory, finding, stats) {
    const what = memory === 'heap' ? 'heap' : 'external memory';
    const report = {
      start: new Date(finding.startMs),
      end: new Date(finding.endMs),
      growth: finding.growth,
      reason:
        `${what} grew ${native.niceSize(finding.growth)} over ${finding.samples} full GCs ` +
        `(${niceDelta(finding.endMs - finding.startMs)}) - ${native.niceSize(finding.ratePerHour)}/hr, ` +
        'a steady rise',
      memory,
      rate_per_hour: finding.ratePerHour,
      samples: finding.samples,
      start_bytes: finding.startBytes,
      end_bytes: finding.endBytes,
    };
    if (memory === 'heap') {
      const first = this.recent.find((s) => s.t >= finding.startMs) || this.recent[0];
      const spaces = {};
      for (const [name, used] of Object.entries(stats.heap_spaces)) {
        const delta = used - (first.spaces[name] ?? 0);
        if (delta !== 0) spaces[name] = delta;
      }
      report.heap_spaces = spaces;
    }
    return report;
  }
}

module.exports = { LeakTracker, checkLeakOptions, niceDelta };
