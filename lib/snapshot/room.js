// @ts-check
'use strict';
// Whether this process has the memory to take a heap snapshot now, checked before every snapshot
// leakwatch takes (lib/snapshot/read.js's duringSnapshot), so that a snapshot never takes the
// process, or its container, down.
//
// V8 builds the whole graph in native memory before it writes a byte, and that graph is several
// times the snapshot's size, itself up to about twice the used heap: bench/snapshot-memory.js
// measures both ratios on heaps of different shapes. Before the first snapshot only the used heap
// is known, so the worst ratio seen is assumed; each snapshot taken then records its real size,
// and later estimates scale that by how the heap has grown.
//
// The room is the least of: the cgroup's limit minus its usage (cgroup v2, or v1, at every level
// of the hierarchy that sets one) and the machine's available memory. V8 also needs room in the
// heap itself: the snapshot's GCs and its own allocations fail fatally in a heap near its limit.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { heapLimit } = require('../watch/heap-limit');

/** The snapshot's size per byte of used heap assumed before any snapshot was measured. */
const WORST_SIZE_PER_HEAP_BYTE = 2.5;
/** V8's peak native memory while it takes a snapshot, per byte of the snapshot. */
const V8_PER_SNAPSHOT_BYTE = 9;
/** leakwatch's own parser and census, per byte of a snapshot it reads. */
const PARSER_PER_SNAPSHOT_BYTE = 1;
/**
 * The V8 heap must have free the lesser of a share of heap_size_limit and a fixed amount plus a
 * smaller share: small heaps (whose limit is mostly the young generation's reserve) need the
 * first, large ones the second (bench/snapshot-memory.js finds where snapshots start to fail).
 */
const HEAP_HEADROOM_SHARE = 0.45;
const HEAP_HEADROOM_BASE = 48 * 1024 * 1024;
const HEAP_HEADROOM_BASE_SHARE = 0.1;
/** cgroup v1 reports "no limit" as a page-rounded 2^63 - 1. */
const NO_LIMIT = 2 ** 60;

/** The last snapshot's size per byte of used heap when it was taken, or null before any. */
let measuredSizePerHeapByte = null;

/**
 * Records that a snapshot of `bytes` was taken when the used heap was `usedHeap`, so that the
 * next estimate starts from the heap's real shape.
 * @param {number} bytes
 * @param {number} usedHeap
 */
function recordSnapshotSize(bytes, usedHeap) {
  if (bytes > 0 && usedHeap > 0) measuredSizePerHeapByte = bytes / usedHeap;
}

/**
 * The memory a snapshot of this heap needs now: `native` bytes outside the V8 heap, and
 * `heapHeadroom` bytes free inside it. `parse` adds what leakwatch's parser needs to read it.
 * @param {{parse: boolean, usedHeap: number, heapLimit: number}} what
 */
function snapshotNeeds({ parse, usedHeap, heapLimit }) {
  const snapshotBytes = usedHeap * (measuredSizePerHeapByte ?? WORST_SIZE_PER_HEAP_BYTE);
  const perByte = V8_PER_SNAPSHOT_BYTE + (parse ? PARSER_PER_SNAPSHOT_BYTE : 0);
  return {
    snapshotBytes,
    native: snapshotBytes * perByte,
    heapHeadroom: Math.min(heapLimit * HEAP_HEADROOM_SHARE, HEAP_HEADROOM_BASE + heapLimit * HEAP_HEADROOM_BASE_SHARE),
  };
}

/**
 * Reads a file of one number (a cgroup's memory.max and the like); null when it is missing,
 * unreadable or says "max".
 * @param {string} file
 */
function readNumber(file) {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/**
 * The memory this process's cgroups leave it: the least of limit minus usage over every level of
 * its hierarchy (v2, and v1's memory controller) that sets a limit, with where it was read; null
 * when no cgroup limits it. `root` is the file system root to read /proc and /sys under (a
 * directory of fake files in tests).
 * @param {string} root
 * @returns {{bytes: number, source: string} | null}
 */
function cgroupRoom(root) {
  let membership;
  try {
    membership = fs.readFileSync(path.join(root, 'proc/self/cgroup'), 'utf8');
  } catch {
    return null;
  }
  /** @type {{bytes: number, source: string} | null} */
  let least = null;
  const consider = (/** @type {string} */ dir, /** @type {string} */ limitFile, /** @type {string} */ usageFile) => {
    const limit = readNumber(path.join(dir, limitFile));
    const usage = readNumber(path.join(dir, usageFile));
    if (limit === null || usage === null || limit >= NO_LIMIT) return;
    const bytes = Math.max(0, limit - usage);
    const file = `/${path.relative(root, path.join(dir, limitFile))}`;
    if (least === null || bytes < least.bytes) least = { bytes, source: `cgroup limit in ${file}` };
  };
  for (const line of membership.split('\n')) {
    // "hierarchy-id:controllers:path"; v2's line is "0::/path".
    const [, controllers, cgroupPath] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (cgroupPath === undefined) continue;
    const v2 = controllers === '';
    if (!v2 && !controllers.split(',').includes('memory')) continue;
    const base = path.join(root, v2 ? 'sys/fs/cgroup' : 'sys/fs/cgroup/memory');
    // Every level from the process's own cgroup up to the root can set a limit.
    for (let dir = path.join(base, cgroupPath); dir.startsWith(base); dir = path.dirname(dir)) {
      if (v2) consider(dir, 'memory.max', 'memory.current');
      else consider(dir, 'memory.limit_in_bytes', 'memory.usage_in_bytes');
      if (dir === base) break;
    }
  }
  return least;
}

/**
 * The machine's available memory (/proc/meminfo's MemAvailable under `root`, else what the
 * operating system calls free).
 * @param {string} root
 */
function machineRoom(root) {
  try {
    const meminfo = fs.readFileSync(path.join(root, 'proc/meminfo'), 'utf8');
    const kb = meminfo.match(/^MemAvailable:\s+(\d+) kB$/m);
    if (kb) return { bytes: Number(kb[1]) * 1024, source: 'available memory' };
  } catch {
    // Not Linux: the operating system's own figure.
  }
  return { bytes: os.freemem(), source: 'free memory' };
}

/**
 * The memory this process can still take outside the V8 heap, and what limits it.
 * @param {string} [root] the file system root to read /proc and /sys under
 */
function memoryRoom(root = '/') {
  const machine = machineRoom(root);
  const cgroup = cgroupRoom(root);
  return cgroup !== null && cgroup.bytes < machine.bytes ? cgroup : machine;
}

/**
 * Why a heap snapshot must not be taken now, or null when there is room for it. `parse` says
 * whether leakwatch reads it (a HeapDiff, the culprit hunt) rather than V8 writing it to a file.
 * @param {{parse: boolean, root?: string}} options
 */
function lackOfRoomForSnapshot({ parse, root = '/' }) {
  const heap = v8.getHeapStatistics();
  // Where V8 ends the process: see heapLimit (the young generation's reserve does not count).
  const limit = heapLimit(heap.heap_size_limit);
  const needs = snapshotNeeds({ parse, usedHeap: heap.used_heap_size, heapLimit: limit });
  const heapFree = limit - heap.used_heap_size;
  if (heapFree < needs.heapHeadroom) {
    return `the V8 heap has ${mb(heapFree)} left of its ${mb(limit)} limit, and a snapshot needs ${mb(needs.heapHeadroom)} free in it`;
  }
  const room = memoryRoom(root);
  if (room.bytes < needs.native) {
    return `it would need about ${mb(needs.native)} of memory for a ${mb(heap.used_heap_size)} heap, and the process has ${mb(room.bytes)} left (${room.source})`;
  }
  return null;
}

/**
 * Throws a clear error, with code LEAKWATCH_NO_ROOM, when a heap snapshot must not be taken now
 * (see lackOfRoomForSnapshot).
 * @param {{parse: boolean}} options
 */
function assertRoomForSnapshot(options) {
  const reason = lackOfRoomForSnapshot(options);
  if (reason === null) return;
  const err = /** @type {Error & {code?: string}} */ (new Error(`leakwatch: not taking a heap snapshot: ${reason}`));
  err.code = 'LEAKWATCH_NO_ROOM';
  throw err;
}

/** @param {number} bytes */
function mb(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

module.exports = {
  assertRoomForSnapshot,
  lackOfRoomForSnapshot,
  memoryRoom,
  recordSnapshotSize,
  snapshotNeeds,
  mb,
};
