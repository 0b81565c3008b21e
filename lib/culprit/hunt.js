'use strict';
// Naming the culprit of a leak: the 'leak' event's `suspects`.
//
// The hunt starts when the detector finds a leak, and runs while it confirms it (a few seconds),
// so that the report can say where the memory goes:
// - Always (unless `sampling: false`): V8's sampling heap profiler, through an in-process
//   inspector session. It records the stack of about one allocation per `samplingInterval` bytes
//   and forgets the ones the GC frees, so reading it after two full GCs and subtracting gives the
//   allocation sites whose live bytes grew. No heap snapshot, but it slows a program that
//   allocates fast by several percent.
// - When allowed (`heapDiff: true`, or 'auto' while the heap is small enough for the pause to be
//   short): a HeapDiff over the same time, ranked by retained-size growth, with the retainer
//   path of each top class's example object. This names the class and what holds it, but pauses
//   the program for two snapshots.
// Neither runs on a mere suspicion, which a busy program's noise makes every minute or two. A
// hunt whose leak is no longer found for a while is dropped; a baseline snapshot is taken at most
// once per HEAP_DIFF_COOLDOWN_MS unless a leak was reported. A report that finds no hunt running
// (the detector reports a leak again every repeatMs while it lasts) starts one and waits for it.

const path = require('node:path');
const { postNow } = require('../snapshot/inspector');
const { keepHeapProfiler } = require('../snapshot/heap-profiler-state');
const { asideFromProgram } = require('../snapshot/read');
const { dataHeapUsed } = require('../watch/data-heap');

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
 * The hunt ends (last sampling reading, second snapshot) right after a full GC that finds memory
 * near its floor: within FLOOR_SLACK_BYTES, or what the leak adds in FLOOR_RECENT_MS if more, of
 * the lowest full GC of the last FLOOR_RECENT_MS. Ending while a big batch of short-lived objects
 * happens to be alive would make the batch look like the leak. It waits at most FLOOR_WAIT_MS.
 */
const FLOOR_SLACK_BYTES = 1024 * 1024;
const FLOOR_RECENT_MS = 10_000;
const FLOOR_WAIT_MS = 6_000;
/** How many suspects a report lists, and how many retainer paths it looks for. */
const TOP = 5;
const EXPLAINED = 8;

const OWN_DIR = path.join(__dirname, '..') + path.sep;

/** Whether a profile frame is the program's own code, not Node's, V8's or leakwatch's. */
function isUserFrame(frame) {
  return frame.url !== '' && !frame.url.startsWith('node:') && !frame.url.startsWith(`file://${OWN_DIR}`) &&
    !frame.url.startsWith(OWN_DIR);
}

/** Whether a frame allocates memory outside the heap: Node's Buffer code or a typed array's constructor. */
function isBufferFrame(frame) {
  return frame.url === 'node:buffer' || /^(ArrayBuffer|SharedArrayBuffer|(Big)?(Int|Uint|Float)\d+(Clamped)?Array)$/.test(frame.functionName);
}

function frameText(frame) {
  const file = frame.url.startsWith('file://') ? frame.url.slice(7) : frame.url;
  const where = file ? `${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : 'native';
  return `${frame.functionName || '(anonymous)'} (${where})`;
}

/** What tells a function apart in a sampling profile's stacks. */
const frameKey = (frame) => `${frame.functionName}@${frame.url}:${frame.lineNumber}:${frame.columnNumber}`;

/**
 * Live bytes and objects per allocation site in a sampling profile, estimated from the samples
 * the way V8 scales them (each sample of `size` bytes stands for 1/(1-e^(-size/interval)) objects);
 * the names of the program's own functions on the samples' stacks; and the URL of each script
 * on the profile's stacks, by V8's script id.
 */
function liveBySite(profile, interval, { buffersOnly = false } = {}) {
  const stackOf = new Map();
  const scriptUrls = new Map();
  const visit = (node, parentStack) => {
    const stack = node.callFrame.functionName === '(root)' ? parentStack : [node.callFrame, ...parentStack];
    stackOf.set(node.id, stack);
    scriptUrls.set(Number(node.callFrame.scriptId), node.callFrame.url);
    for (const child of node.children) visit(child, stack);
  };
  visit(profile.head, []);
  const sites = new Map();
  const ownFunctions = new Set();
  for (const sample of profile.samples) {
    const stack = stackOf.get(sample.nodeId);
    // Allocations with no frame of the program's own are Node's or leakwatch's (this very
    // profile, say): not the program's leak.
    const at = stack ? stack.findIndex(isUserFrame) : -1;
    if (at < 0 || (buffersOnly && !stack.some(isBufferFrame))) continue;
    const frame = stack[at];
    const key = frameKey(frame);
    const scale = 1 / (1 - Math.exp(-sample.size / interval));
    let site = sites.get(key);
    if (!site) {
      site = { frame, stack, stackWith: new Map(), callsNode: null, bytes: 0, ownBytes: 0, count: 0 };
      sites.set(key, site);
    }
    for (const f of stack) {
      // One stack per function seen above the site, so that a class can be matched to the site
      // whose samples show its constructor, whichever of them came first.
      if (!site.stackWith.has(f.functionName)) site.stackWith.set(f.functionName, stack);
      if (isUserFrame(f)) ownFunctions.add(f.functionName);
    }
    // A stack on which the site called Node's code, which allocated (a setInterval's Timeout);
    // else the site allocated the object itself.
    if (at > 0 && stack[at - 1].url.startsWith('node:')) site.callsNode ??= stack;
    else site.ownBytes += sample.size * scale;
    site.bytes += sample.size * scale;
    site.count += scale;
  }
  return { sites, ownFunctions, scriptUrls };
}

/** The sites whose live bytes grew from reading `before` to reading `after`, most first. */
function grownSites(before, after) {
  const grown = [];
  for (const [key, site] of after.sites) {
    const was = before.sites.get(key);
    const bytes = site.bytes - (was?.bytes ?? 0);
    const count = site.count - (was?.count ?? 0);
    const ownBytes = site.ownBytes - (was?.ownBytes ?? 0);
    if (bytes > 0) grown.push({ ...site, bytes, ownBytes, count });
  }
  return grown.sort((a, b) => b.bytes - a.bytes);
}

/**
 * What grownSites needs of the reading a hunt starts from: bytes and objects per site. A hunt
 * holds it until it ends, and the whole reading (every site's stacks) would add enough to the
 * heap for the detector to see.
 */
function countsOf(reading) {
  const sites = new Map();
  for (const [key, { bytes, ownBytes, count }] of reading.sites) sites.set(key, { bytes, ownBytes, count });
  return { sites };
}

/** A suspect's `site`: the allocating function of the program, where it is, and its stack. */
function siteOf(grown) {
  const { frame, stack } = grown;
  const file = frame.url.startsWith('file://') ? frame.url.slice(7) : frame.url;
  return {
    function: frame.functionName || '(anonymous)',
    file,
    line: frame.lineNumber + 1,
    column: frame.columnNumber + 1,
    // From the site down: the frames above it are Node's or V8's code that it called.
    stack: stack.slice(Math.max(0, stack.indexOf(frame))).map(frameText),
  };
}

/**
 * V8's sampling heap profiler, on leakwatch's inspector session. Stopping it leaves the session
 * connected: disconnecting would make V8 forget the object ids a running HeapDiff relies on.
 */
class AllocationSampler {
  /** @param {number} interval @param {boolean} buffersOnly count only allocations of Buffers and ArrayBuffers */
  constructor(interval, buffersOnly) {
    this.interval = interval;
    this.buffersOnly = buffersOnly;
    this.release = keepHeapProfiler();
    try {
      postNow('HeapProfiler.startSampling', { samplingInterval: interval });
    } catch (err) {
      this.release();
      throw err;
    }
  }

  /** Live bytes per allocation site now, and the program's functions seen (see liveBySite). */
  read() {
    // The reading runs a full GC, thorough as a forced one is: the detector does not see it, as
    // its floor would then dip below the floors of V8's own full GCs.
    const { profile } = asideFromProgram(() => postNow('HeapProfiler.getSamplingProfile'));
    return liveBySite(profile, this.interval, { buffersOnly: this.buffersOnly });
  }

  stop() {
    try {
      postNow('HeapProfiler.stopSampling');
    } finally {
      this.release();
    }
  }
}

/** One hunt for the culprit of a leak, from its finding to its report. */
class CulpritHunt {
  /** @param {object} options the leak options (sampling, heapDiff, heapDiffMaxHeap, samplingInterval) */
  constructor(options = {}) {
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
      if (status.leak_found && status.state === 'suspect') this.#begin(status.memory, gc.used_after);
    } else if (this.sampler && !this.baseline) {
      // Read right after a full GC, like the final reading: both count only live objects.
      this.baseline = countsOf(this.sampler.read());
    }
    if (!this.active) return;
    this.#record(gc, status);
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
      while (Date.now() - this.startedMs < MIN_HUNT_MS || (this.sampler && !this.baseline)) {
        await nextFullGc();
        if (this.sampler && !this.baseline) this.baseline = countsOf(this.sampler.read());
      }
      const waitUntil = Date.now() + FLOOR_WAIT_MS;
      while (!this.#nearFloor() && Date.now() < waitUntil) await nextFullGc();
      const last = this.sampler ? this.sampler.read() : null;
      const sites = last ? grownSites(this.baseline, last) : [];
      const diff = this.diff ? await this.diff.endAsync({ retainers: EXPLAINED }) : null;
      this.lastBaselineMs = -Infinity;
      return suspectsFrom(sites, diff, last);
    } finally {
      this.cancel();
    }
  }

  /** Remembers the full GCs of the last FLOOR_RECENT_MS, and the leak's rate. */
  #record(gc, status) {
    if (status.state !== 'idle') this.rate = status.rate_bytes_per_second;
    this.fullGcs.push({ t: gc.end_ms, bytes: this.memory === 'external' ? gc.external_after : dataHeapUsed(gc) });
    while (this.fullGcs[0].t < gc.end_ms - FLOOR_RECENT_MS) this.fullGcs.shift();
  }

  /** Whether the last full GC found memory near its floor (see FLOOR_SLACK_BYTES). */
  #nearFloor() {
    if (this.fullGcs.length === 0) return true;
    const lowest = Math.min(...this.fullGcs.map((g) => g.bytes));
    const slack = Math.max(FLOOR_SLACK_BYTES, (this.rate * FLOOR_RECENT_MS) / 1000);
    return this.fullGcs[this.fullGcs.length - 1].bytes <= lowest + slack;
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
      this.diff = new HeapDiff();
    }
  }

  #clear() {
    this.startedMs = null;
    this.lastFoundMs = -Infinity;
    this.sampler = null;
    this.baseline = null;
    this.diff = null;
    this.memory = null;
    this.rate = 0;
    this.fullGcs = [];
    this.finishing = false;
  }
}

/**
 * node-memwatch's names for what the engine itself makes (and V8's internal objects): they hold
 * a leak more often than they are one, so a class of the program's that grew comparably (a
 * quarter as much or more) is the better suspect.
 */
const GENERIC = new Set(['Array', 'Object', 'Closure', 'String', 'Code', 'Native', 'RegExp', 'Number', 'Map', 'Set']);
const isGeneric = (what) => GENERIC.has(what) || what.startsWith('system / ') || what.startsWith('(');

/** Diff rows that grew, best suspects first. */
function grownClasses(diff) {
  const rows = diff.change.details.filter((row) => row.retained_size_bytes > 0 && row['+'] > row['-']);
  const best = (row) => {
    if (!isGeneric(row.what)) return row.retained_size_bytes;
    const rival = rows.find((r) => !isGeneric(r.what) && r.retained_size_bytes * 4 >= row.retained_size_bytes);
    return rival ? rival.retained_size_bytes - 1 : row.retained_size_bytes;
  };
  return rows.map((row) => ({ row, score: best(row) })).sort((a, b) => b.score - a.score).map((r) => r.row);
}

/**
 * Whether class `name` is Node's rather than the program's: by the script its constructor is
 * defined in, when the profile's stacks show that script; else by its name, when no function of
 * the program's has it. (A class of the program's whose constructor V8 inlined everywhere shows
 * on no stack, so its name alone would make it look like Node's.)
 */
function isNodeClass(name, definedAt, profile) {
  const url = definedAt ? profile.scriptUrls.get(definedAt.script_id) : undefined;
  return url === undefined ? !profile.ownFunctions.has(name) : url.startsWith('node:');
}

/**
 * The nearest grown site on `site`'s stack that calls it, else `site`. When V8 inlined Node's
 * code into the program's, no stack shows which site made Node's objects; the caller ran both.
 */
function callerSite(site, sites) {
  const byKey = new Map(sites.map((s) => [frameKey(s.frame), s]));
  const callers = site.stack.slice(site.stack.indexOf(site.frame) + 1);
  return callers.map((frame) => byKey.get(frameKey(frame))).find(Boolean) ?? site;
}

/** The grown site that made objects of class `name`, with the stack that shows it (see siteFor). */
function siteMaking(name, definedAt, sites, profile) {
  const made = sites.find((s) => s.stackWith.has(name));
  if (made) return { ...made, stack: made.stackWith.get(name) };
  // Node's code that a site calls makes Node's objects, never the program's: for a class of
  // Node's, what a site allocated through Node's code counts (a few samples at most, so a tie,
  // even at none since the hunt began, goes to the site that grew most); for the program's, what
  // it allocated itself.
  const byNode = isNodeClass(name, definedAt, profile);
  const counted = (s) => (byNode ? s.bytes - s.ownBytes : s.ownBytes);
  const candidates = byNode ? sites.filter((s) => s.callsNode) : sites;
  if (candidates.length === 0) return callerSite(sites[0], sites);
  const best = candidates.reduce((top, s) => (counted(s) > counted(top) ? s : top));
  return byNode ? { ...best, stack: best.callsNode } : best;
}

/**
 * The site that allocates objects of class `name`, defined at `definedAt` (a diff row's): the
 * grown site with the class's constructor on its stack (when V8 did not inline it); else, for a
 * class of Node's (see isNodeClass), of the sites that called Node's code, the one that grew most
 * by what that code allocated (setInterval's Timeout), rather than a bigger site of what the
 * objects hold, or, when no stack shows Node's code, the top site's nearest grown caller; for a
 * class of the program's, the site that grew most by what it allocated itself.
 * When that site is the constructor itself (allocating its fields), the function that called
 * `new`. `profile` is the last reading of the sampling profiler.
 */
function siteFor(name, definedAt, sites, profile) {
  if (sites.length === 0) return null;
  const site = siteMaking(name, definedAt, sites, profile);
  if (site.frame.functionName !== name) return siteOf(site);
  const caller = site.stack.findIndex((frame, i) => i > 0 && isUserFrame(frame) && frame.functionName !== name);
  return caller < 0 ? siteOf(site) : siteOf({ frame: site.stack[caller], stack: site.stack.slice(caller) });
}

/**
 * Suspects from the grown allocation sites and the HeapDiff (if one was taken): with a diff, one
 * per class that grew, the top one with the top site; without, one per site, class unknown.
 * `profile` is the sampling profiler's last reading, null if it did not run.
 */
function suspectsFrom(sites, diff, profile) {
  if (!diff) {
    return sites.slice(0, TOP).map((s) => ({
      class: null,
      site: siteOf(s),
      bytes: Math.round(s.bytes),
      count: Math.round(s.count),
      path: null,
    }));
  }
  return grownClasses(diff).slice(0, TOP).map((row, rank) => ({
    class: row.what,
    site: rank === 0 ? siteFor(row.what, row.defined_at, sites, profile) : null,
    bytes: row.retained_size_bytes,
    count: row['+'] - row['-'],
    path: row.retainers ?? null,
  }));
}

/** The leak options that tune the hunt (configure({leak})). */
const CULPRIT_OPTIONS = Object.keys(DEFAULTS);

module.exports = { CulpritHunt, CULPRIT_OPTIONS };
