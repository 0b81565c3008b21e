// @ts-check
'use strict';
// Snapshot on leak: when a 'leak' is reported, write a .heapsnapshot into a directory, so two
// consecutive ones can be compared with `leakwatch diff` after the fact.
//
// Writing a snapshot pauses the program (V8 serializes on the JS thread) and needs many times the
// heap in extra memory, and the file takes up to about twice the heap on disk. So a snapshot is
// taken only when lib/snapshot/room.js finds the memory for it and the disk has room for the
// file; otherwise the report goes out without one and a warning says why. Snapshots are written under a temporary name and
// renamed when complete, one at a time, and the oldest of leakwatch's files in the directory are
// removed beyond `maxFiles`.
//
// `leakwatch diff` matches objects across two files by V8's object ids, which V8 keeps stable only
// while something holds them (lib/snapshot/heap-profiler-state.js). So from its first snapshot on, and
// until turned off, snapshot on leak holds them: a process that leaked pays for V8's tracking of
// moved objects from then on, in exchange for files that compare.

const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { duringSnapshot } = require('./read');
const { keepHeapProfiler } = require('./heap-profiler-state');
const { lackOfRoomForSnapshot, snapshotNeeds, recordSnapshotSize, mb } = require('./room');

/** The names of the snapshot files this module writes (and the only ones it ever removes). */
const FILE_PATTERN = /^leakwatch-\d{8}T\d{9}-\d+-\d+\.heapsnapshot$/;

const DEFAULT_MAX_FILES = 5;

/**
 * Checks configure()'s `snapshotOnLeak` option; returns `{dir, maxFiles}` (dir absolute and
 * created if missing) or null when turned off. Throws a one-line TypeError naming a bad option.
 */
function checkSnapshotOptions(options) {
  if (options === undefined || options === null || options === false) return null;
  if (typeof options !== 'object') {
    throw new TypeError('leakwatch: snapshotOnLeak must be an object like { dir, maxFiles }, or null to turn it off');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'dir' && key !== 'maxFiles') {
      throw new TypeError(`leakwatch: unknown snapshotOnLeak option '${key}' (known: dir, maxFiles)`);
    }
  }
  const { dir, maxFiles = DEFAULT_MAX_FILES } = options;
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`leakwatch: snapshotOnLeak.dir must be a directory path, not ${String(dir)}`);
  }
  if (!Number.isInteger(maxFiles) || maxFiles < 1) {
    throw new TypeError(`leakwatch: snapshotOnLeak.maxFiles must be an integer >= 1, not ${String(maxFiles)}`);
  }
  const absolute = path.resolve(dir);
  try {
    fs.mkdirSync(absolute, { recursive: true });
    fs.accessSync(absolute, fs.constants.W_OK);
  } catch (err) {
    throw new TypeError(`leakwatch: snapshotOnLeak.dir ${absolute} is not a writable directory (${err.code || err.message})`);
  }
  return { dir: absolute, maxFiles };
}

/**
 * Why a snapshot should not be written into `dir` now, or null when there is room: the memory V8
 * needs to take it (lib/snapshot/room.js), and free disk for it.
 * @param {string} dir
 */
function lackOfRoom(dir) {
  const memory = lackOfRoomForSnapshot({ parse: false });
  if (memory !== null) return memory;
  const heap = v8.getHeapStatistics();
  const { snapshotBytes } = snapshotNeeds({ parse: false, usedHeap: heap.used_heap_size, heapLimit: heap.heap_size_limit });
  const disk = fs.statfsSync(dir);
  const free = disk.bavail * disk.bsize;
  if (free < snapshotBytes) return `free disk space in ${dir} (${mb(free)}) is less than the snapshot's estimated ${mb(snapshotBytes)}`;
  return null;
}

/** A sortable local-independent time stamp for file names: 20240131T235959123. */
function stamp(date) {
  return date.toISOString().replace(/[-:]/g, '').replace('.', '').slice(0, 18);
}

/** Writes heap snapshots for leak reports into one directory (see the top of this file). */
class LeakSnapshots {
  #dir;
  #maxFiles;
  #writing = false;
  #written = 0;
  /** @type {(() => void) | null} Stops holding V8's object ids; null until the first snapshot. */
  #releaseIds = null;

  /** @param {{dir: string, maxFiles: number}} options as checkSnapshotOptions() returns them */
  constructor({ dir, maxFiles }) {
    this.#dir = dir;
    this.#maxFiles = maxFiles;
  }

  /**
   * Writes a snapshot for `report` and sets `report.snapshot` to its path, or to null when none
   * was written, in which case `warn(error)` is called with the reason. Never throws.
   */
  take(report, warn) {
    report.snapshot = null;
    this.#releaseIds ??= keepHeapProfiler();
    if (this.#writing) {
      warn(skipped('snapshot on leak skipped: another one is being written'));
      return;
    }
    this.#writing = true;
    try {
      const reason = lackOfRoom(this.#dir);
      if (reason !== null) {
        warn(skipped(`snapshot on leak skipped: ${reason}`));
        return;
      }
      report.snapshot = this.#write();
      this.#prune();
    } catch (err) {
      warn(skipped(`snapshot on leak failed: ${err.message}`));
    } finally {
      this.#writing = false;
    }
  }

  /** Turns snapshot on leak off: V8 may forget its object ids. */
  close() {
    this.#releaseIds?.();
    this.#releaseIds = null;
  }

  #write() {
    this.#written += 1;
    const name = `leakwatch-${stamp(new Date())}-${process.pid}-${this.#written}.heapsnapshot`;
    const file = path.join(this.#dir, name);
    const partial = `${file}.partial`;
    try {
      const usedHeap = v8.getHeapStatistics().used_heap_size;
      duringSnapshot({ parse: false }, () => v8.writeHeapSnapshot(partial));
      recordSnapshotSize(fs.statSync(partial).size, usedHeap);
      fs.renameSync(partial, file);
    } catch (err) {
      fs.rmSync(partial, { force: true });
      throw err;
    }
    return file;
  }

  /** Removes the oldest of leakwatch's snapshots beyond maxFiles. */
  #prune() {
    const ours = [];
    for (const name of fs.readdirSync(this.#dir)) {
      if (!FILE_PATTERN.test(name)) continue;
      const file = path.join(this.#dir, name);
      try {
        ours.push({ file, mtimeMs: fs.statSync(file).mtimeMs });
      } catch {
        // Removed meanwhile (another process sharing the directory): nothing to prune.
      }
    }
    ours.sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file));
    for (const { file } of ours.slice(0, Math.max(0, ours.length - this.#maxFiles))) fs.rmSync(file, { force: true });
  }
}

function skipped(message) {
  const warning = /** @type {Error & {code?: string}} */ (new Error(message));
  warning.name = 'LeakwatchWarning';
  warning.code = 'LEAKWATCH_SNAPSHOT_SKIPPED';
  return warning;
}

module.exports = { LeakSnapshots, checkSnapshotOptions, lackOfRoom, FILE_PATTERN };
