// @ts-check
'use strict';
// The 'leak' event's detection: every GC's figures go to the detector in the addon
// (crates/leakwatch-detector), which watches the heap, external memory and, read after each full
// GC, native memory (malloc's in use and free, RSS) for a floor that rises steadily and
// significantly. This module feeds it, keeps what a report needs (the per-space sizes over the
// window) and words the reports, and the fragmentation warnings.

const native = require('../native');
// How suspects are found: see lib/culprit/.
const { CULPRIT_OPTIONS } = require('../culprit/hunt');
const { dataHeapUsed } = require('./data-heap');
const { nativeMemoryNow, nativeSample, residentSample } = require('./native-memory');
const { HeapLimitWatch, heapLimit, secondsToLimit, DEFAULT_HEAP_LIMIT_WARNING } = require('./heap-limit');
const { SeriesRing } = require('../history/series-ring');
const { ownSnapshots } = require('../snapshot/heap-profiler-state');

// Rows of per-space sizes kept over the longest window: one at most every window/SPACE_ROWS, so
// their memory is fixed whatever the rate of full GCs, and a report's start is found to within
// that spacing.
const SPACE_ROWS = 512;

/** The detector's options, as configure({leak}) takes them: the addon's, named once there. */
const DETECTOR_OPTIONS = Object.keys(native.defaultDetectorOptions());

/** Leak options of this module's own: the share of the heap limit that warns (0: never). */
const LIMIT_OPTIONS = ['heapLimitWarning'];

/** Checks leak options as given to configure(): a TypeError names the first bad one. */
function checkLeakOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError('leakwatch: the leak options must be an object');
  }
  const known = [...DETECTOR_OPTIONS, ...CULPRIT_OPTIONS, ...LIMIT_OPTIONS];
  for (const [name, value] of Object.entries(options)) {
    if (!known.includes(name)) {
      throw new TypeError(`leakwatch: unknown leak option '${name}' (known: ${known.join(', ')})`);
    }
    if (value === undefined) continue;
    if (name === 'sampling' && typeof value !== 'boolean') {
      throw new TypeError(`leakwatch: leak option 'sampling' must be true or false, not ${String(value)}`);
    } else if (name === 'heapDiff' && value !== 'auto' && typeof value !== 'boolean') {
      throw new TypeError(`leakwatch: leak option 'heapDiff' must be 'auto', true or false, not ${String(value)}`);
    } else if (name === 'samplingInterval' && value !== 'auto' && !(Number.isInteger(value) && value >= 64)) {
      throw new TypeError(`leakwatch: leak option 'samplingInterval' must be 'auto' or an integer >= 64, not ${String(value)}`);
    } else if (name === 'heapLimitWarning' && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new TypeError(`leakwatch: leak option 'heapLimitWarning' must be a share of the heap limit from 0 (off) to 1, not ${String(value)}`);
    } else if (!['sampling', 'heapDiff', 'samplingInterval'].includes(name) && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
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

/** What each memory is called in a reason, and what growing there most likely is. */
const MEMORY_WORDS = {
  heap: { name: 'heap', likely: '' },
  external: { name: 'external memory', likely: '' },
  native: { name: 'native memory (malloc in use beyond Buffers)', likely: '; a native addon or library allocates and does not free' },
  rss: { name: 'resident memory outside the heap and malloc', likely: '; likely mmap, thread stacks or code' },
};

/**
 * The 'leak' event's `reason`: node-memwatch's sentence, with the window's full GCs and the
 * detector's confidence, for the heap how long its limit is away at this rate, and for native
 * memory and RSS what it most likely is.
 * @param {import('../../crates/leakwatch-node/binding').Finding} finding
 * @param {{limitBytes: number, seconds: number | null} | null} [toLimit]
 */
function leakReason(finding, toLimit = null) {
  const ratePerHour = Math.round(finding.rate) * 3600;
  const limit =
    toLimit && toLimit.seconds !== null
      ? `; the ${native.niceSize(toLimit.limitBytes)} heap limit is ${niceDelta(toLimit.seconds * 1000)} away at this rate`
      : '';
  return (
    `${MEMORY_WORDS[finding.memory].name} grew ${native.niceSize(finding.growth)} over ` +
    `${niceDelta(finding.endMs - finding.startMs)} (${finding.fullGcs} full GCs) - ` +
    `${native.niceSize(ratePerHour)}/hr, a steady rise (confidence ${(finding.confidence * 100).toFixed(1)}%)` +
    `${limit}${MEMORY_WORDS[finding.memory].likely}`
  );
}

/**
 * The 'warning' for a fragmentation finding: malloc holds ever more free memory while what it
 * hands out stays flat. Not a leak: the growth levels off, and the remedies are the allocator's.
 * @param {import('../../crates/leakwatch-node/binding').Finding} finding
 */
function fragmentationWarning(finding) {
  const warning = /** @type {Error & {code?: string, growth?: number}} */ (
    new Error(
      `malloc's free memory grew ${native.niceSize(finding.growth)} over ${niceDelta(finding.endMs - finding.startMs)} ` +
        `(${finding.fullGcs} full GCs) while its memory in use stayed flat: the allocator's arenas fragment ` +
        '(typically many threads allocating and freeing mixed sizes), which is not a leak. Remedies: ' +
        'MALLOC_ARENA_MAX=2 (fewer glibc arenas), or another allocator (LD_PRELOAD jemalloc or mimalloc)',
    )
  );
  warning.name = 'LeakwatchWarning';
  warning.code = 'LEAKWATCH_FRAGMENTATION';
  warning.growth = Math.round(finding.growth);
  return warning;
}

/** Feeds GCs to the detector and turns its findings into 'leak' reports. */
class LeakTracker {
  /** @type {import('../../crates/leakwatch-node/binding').LeakDetector} */
  detector;
  /** @type {SeriesRing} each full GC's `spaces_after`, at its end time */
  spaces;
  /** @type {object | null} */
  lastLeak;
  /** @type {number} leakwatch's own snapshots so far, as of the last GC fed */
  ownSnapshotsSeen = 0;

  constructor(options = {}) {
    this.options = checkLeakOptions(options);
    const detectorOptions = {};
    for (const name of DETECTOR_OPTIONS) {
      if (this.options[name] !== undefined) detectorOptions[name] = this.options[name];
    }
    this.detector = new native.LeakDetector(detectorOptions);
    // Per-space sizes are kept as long as the longest window, to say which spaces grew over one.
    this.spaceHistoryMs = this.detector.options.maxWindowMs;
    this.limitWatch = new HeapLimitWatch(this.options.heapLimitWarning ?? DEFAULT_HEAP_LIMIT_WARNING);
    this.reset();
  }

  /**
   * Called with each full GC's record: a warning's message when the heap has just come near its
   * limit (leak option heapLimitWarning), else null.
   * @param {{used_after: number, heap_size_limit: number}} gc
   */
  nearHeapLimit(gc) {
    return this.limitWatch.observe(gc, heapLimit(gc.heap_size_limit));
  }

  /** Forgets every GC and report; a recent leakStatus() read still keeps probes going. */
  reset() {
    this.detector.reset();
    this.ownSnapshotsSeen = ownSnapshots();
    this.spaces = new SeriesRing(SPACE_ROWS);
    this.lastLeak = null;
  }

  /**
   * Feeds one 'gc' record; returns the leak reports and fragmentation warnings it completes
   * (usually none). After a full GC, reads the memory outside V8 too.
   */
  observe(gc) {
    const full = gc.kind === 'major';
    if (full) {
      const { spaces } = this;
      if (spaces.length === 0 || gc.end_ms - spaces.timeAt(spaces.length - 1) >= this.spaceHistoryMs / SPACE_ROWS) {
        spaces.push(gc.spaces_after, gc.end_ms);
      }
      while (spaces.length > 1 && spaces.timeAt(0) < gc.end_ms - this.spaceHistoryMs) spaces.shift();
    }
    // A snapshot leakwatch took since the last GC moved resident and free memory by itself.
    if (ownSnapshots() !== this.ownSnapshotsSeen) {
      this.ownSnapshotsSeen = ownSnapshots();
      this.detector.ownSnapshotTaken();
    }
    const findings = this.detector.observe({
      timeMs: gc.end_ms,
      full,
      heapUsed: dataHeapUsed(gc),
      external: gc.external_after,
      durationMs: gc.duration_ms,
      native: full ? nativeSample(nativeMemoryNow()) : residentSample(),
    });
    const leaks = findings.filter((f) => f.kind === 'leak').map((finding) => this.#report(finding, gc));
    const warnings = findings.filter((f) => f.kind === 'fragmentation').map(fragmentationWarning);
    if (leaks.length > 0) this.lastLeak = leaks[leaks.length - 1];
    return { leaks, warnings };
  }

  /** What to do about probes now: {action: 'probe' | 'askAgain' | 'wait', atMs} (see ProbeAnswer). */
  probe(nowMs, listening) {
    return this.detector.probe(nowMs, listening);
  }

  /** Says that a probe has started a full GC: the next one is not V8's own. */
  probeStarted(nowMs) {
    this.detector.probeStarted(nowMs);
  }

  /** Says that leakStatus() was read: probes keep the detector fed for a while. */
  statusRead(nowMs) {
    this.detector.statusRead(nowMs);
  }

  /** The detector's current view (see LeakWatch#leakStatus). */
  status() {
    const s = this.detector.status();
    return {
      state: s.state,
      memory: s.memory ?? null,
      rate_bytes_per_second: Math.round(s.rate),
      confidence: s.confidence,
      leak_found: s.leakFound,
      near_floor: s.nearFloor,
      leaks_total: this.detector.reports,
      last_leak: this.lastLeak,
    };
  }

  #report(finding, gc) {
    const heap = finding.memory === 'heap';
    const ratePerHour = Math.round(finding.rate) * 3600;
    const limit = heapLimit(gc.heap_size_limit);
    const seconds = heap ? secondsToLimit(gc.used_after, limit, finding.rate) : null;
    const report = {
      start: new Date(finding.startMs),
      end: new Date(finding.endMs),
      growth: Math.round(finding.growth),
      reason: leakReason(finding, heap ? { limitBytes: limit, seconds } : null),
      memory: finding.memory,
      rate_per_hour: Math.round(ratePerHour),
      confidence: finding.confidence,
      samples: finding.fullGcs,
      start_bytes: finding.startBytes,
      end_bytes: finding.endBytes,
      suspects: [],
    };
    if (heap) {
      const first = this.#spacesAtOrAfter(finding.startMs);
      const spaces = {};
      for (const [name, used] of Object.entries(gc.spaces_after)) {
        const delta = used - (first?.[name] ?? 0);
        if (delta !== 0) spaces[name] = delta;
      }
      report.heap_spaces = spaces;
      report.heap_limit_bytes = limit;
      report.seconds_to_limit = seconds === null ? null : Math.round(seconds);
      report.space = Object.keys(spaces).reduce((a, b) => (spaces[b] > (spaces[a] ?? -Infinity) ? b : a), /** @type {string | null} */ (null));
    }
    return report;
  }

  /** The per-space sizes of the first full GC kept at or after `timeMs` (else the newest kept). */
  #spacesAtOrAfter(timeMs) {
    const { spaces } = this;
    if (spaces.length === 0) return undefined;
    let i = 0;
    while (i < spaces.length - 1 && spaces.timeAt(i) < timeMs) i += 1;
    return /** @type {Record<string, number>} */ (spaces.at(i));
  }
}

module.exports = { LeakTracker, leakReason, fragmentationWarning };
