// @ts-check
'use strict';
// The heap's limit: how long a leak leaves before the heap reaches heap_size_limit (where V8
// kills the process), and a warning when the heap after a full GC comes near it, while there is
// still time to act.

/**
 * The heap size at which V8 ends the process. heap_size_limit also counts the young generation's
 * reserve (48 MB on Node 20 and 22, 192 MB on Node 24), which a small heap never fills: a process
 * started with --max-old-space-size=64 dies with about 64 MB used, barely half its
 * heap_size_limit. So the old generation's size, when the process set it (in its arguments or
 * NODE_OPTIONS), is the limit; else heap_size_limit, of which that reserve is then a small part.
 * @param {number} heapSizeLimit V8's heap_size_limit
 * @param {string[]} [execArgv]
 * @param {string} [nodeOptions]
 */
function heapLimit(heapSizeLimit, execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  let oldSpaceMb = null;
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = arg.match(/^--max[-_]old[-_]space[-_]size=(\d+)$/);
    if (m) oldSpaceMb = Number(m[1]);
  }
  const oldSpace = oldSpaceMb === null ? Infinity : oldSpaceMb * 1024 * 1024;
  return Math.min(heapSizeLimit, oldSpace);
}

/** The share of the heap limit at which the warning fires, unless configured. */
const DEFAULT_HEAP_LIMIT_WARNING = 0.9;
/** Once fired, the warning fires again only after the heap fell this far below the share. */
const REARM_BELOW = 0.05;

/**
 * Seconds until a heap of `usedBytes` growing by `bytesPerSecond` reaches `limitBytes`; null when
 * it does not grow.
 * @param {number} usedBytes
 * @param {number} limitBytes
 * @param {number} bytesPerSecond
 */
function secondsToLimit(usedBytes, limitBytes, bytesPerSecond) {
  if (!(bytesPerSecond > 0)) return null;
  return Math.max(0, (limitBytes - usedBytes) / bytesPerSecond);
}

/** Watches full GCs for a heap near its limit. */
class HeapLimitWatch {
  #armed = true;

  /** @param {number} share the share of heap_size_limit that warns; 0 turns the warning off */
  constructor(share = DEFAULT_HEAP_LIMIT_WARNING) {
    this.share = share;
  }

  /**
   * Called with each full GC's record and the heap limit (see heapLimit); returns a warning's
   * message when the heap after it has just come within the share of its limit, else null.
   * @param {{used_after: number}} gc
   * @param {number} limit
   */
  observe(gc, limit) {
    if (this.share <= 0 || !(limit > 0)) return null;
    const used = gc.used_after / limit;
    if (!this.#armed) {
      if (used < this.share - REARM_BELOW) this.#armed = true;
      return null;
    }
    if (used < this.share) return null;
    this.#armed = false;
    return `the heap after a full GC is ${(used * 100).toFixed(0)}% of its ${mib(limit)} limit; V8 ends the process when a GC cannot bring it below that`;
  }
}

/**
 * The 'warning' for a heap near its limit, with the suspects of the last leak report (none when
 * no leak was reported): what to look at while there is still time.
 * @param {string} message from HeapLimitWatch.observe()
 * @param {{suspects: object[]} | null} lastLeak
 */
function nearLimitWarning(message, lastLeak) {
  const warning = /** @type {Error & {code?: string, suspects?: object[]}} */ (new Error(message));
  warning.name = 'LeakwatchWarning';
  warning.code = 'LEAKWATCH_NEAR_HEAP_LIMIT';
  warning.suspects = lastLeak?.suspects ?? [];
  return warning;
}

/** @param {number} bytes */
function mib(bytes) {
  return `${(bytes / 1048576).toFixed(0)} MB`;
}

module.exports = { HeapLimitWatch, heapLimit, secondsToLimit, nearLimitWarning, DEFAULT_HEAP_LIMIT_WARNING };
