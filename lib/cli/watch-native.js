// @ts-check
'use strict';
// `leakwatch watch --native`: preloads the allocator shim (crates/leakwatch-malloc-shim) into
// COMMAND with LD_PRELOAD, keeps a short history of the native stacks report each watched process
// writes, and, at a leak of native memory, names the sampled stacks whose live memory grew,
// symbolized. Linux with glibc only: the shim takes the place of glibc's malloc.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseStacksReport, mergeUnmappedFrames, growingStacks } = require('./watch-native-stacks');
const { Symbolizer } = require('./watch-native-symbols');

/** Where the shim tells the watched processes to write their reports. */
const NATIVE_DIR_ENV = 'LEAKWATCH_NATIVE_DIR';
/** The file name cargo gives the shim. */
const SHIM_FILE = 'libleakwatch_malloc_shim.so';
/** How far back the baseline of a leak's growth may lie. */
const HISTORY_MS = 5 * 60_000;
/** Reports kept per process are at least this far apart. */
const HISTORY_STEP_MS = 5_000;

/** The shim as `npm run build` builds it. */
function shimPath() {
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(__dirname, '..', '..', 'target');
  return path.join(targetDir, 'release', SHIM_FILE);
}

/**
 * Why --native cannot run here (one line), or null when it can: it needs Linux with glibc and
 * the built shim.
 */
function nativeUnavailable() {
  if (process.platform !== 'linux') return `--native is available only on Linux with glibc, not on ${process.platform}`;
  const glibc = /** @type {any} */ (process.report.getReport()).header.glibcVersionRuntime;
  if (!glibc) return '--native is available only on Linux with glibc, not with musl';
  if (!fs.existsSync(shimPath())) return `--native needs the allocator shim, which is not built: ${shimPath()} (npm run build)`;
  return null;
}

/** The native stacks of the processes of one `watch --native` run. */
class NativeStacks {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-native-'));
    /** pid -> [{time, report}], oldest first. @type {Map<number, {time: number, report: import('./watch-native-stacks').StacksReport}[]>} */
    this.history = new Map();
    this.symbolizer = new Symbolizer();
    /** The shim as the watched processes map it: their stacks' own frames to leave out. */
    this.shim = fs.realpathSync(shimPath());
  }

  /** The variables that load the shim into COMMAND and the processes it starts. */
  environment(env = process.env) {
    return { LD_PRELOAD: [shimPath(), env.LD_PRELOAD].filter(Boolean).join(' '), [NATIVE_DIR_ENV]: this.dir };
  }

  /** The latest report of process `pid`, or null when it wrote none (yet). */
  read(pid) {
    try {
      return parseStacksReport(fs.readFileSync(path.join(this.dir, `${pid}.stacks`), 'utf8'));
    } catch {
      return null;
    }
  }

  /** Keeps process `pid`'s report as it is at `time` (at each of its full GCs), for baselines. */
  observe(pid, time) {
    const kept = this.history.get(pid) ?? [];
    if (kept.length > 0 && time - kept[kept.length - 1].time < HISTORY_STEP_MS) return;
    const report = this.read(pid);
    if (report === null) return;
    kept.push({ time, report });
    while (kept.length > 1 && time - kept[1].time >= HISTORY_MS) kept.shift();
    this.history.set(pid, kept);
  }

  /**
   * The leak's native stacks in process `pid`: those whose estimated live bytes grew since the
   * oldest report kept (at most HISTORY_MS ago), the most first, each frame symbolized and the
   * shim's own frames left out; with the sampling mean, or null when the process wrote no report.
   */
  atLeak(pid) {
    const report = this.read(pid);
    if (report === null) return null;
    const mappings = Symbolizer.mappingsOf(pid);
    const inFile = (address) => mappings.some((m) => m.start <= address && address < m.end);
    const baseline = this.history.get(pid)?.[0]?.report ?? null;
    const merged = (stacksReport) => mergeUnmappedFrames(stacksReport, inFile);
    const stacks = growingStacks(baseline && merged(baseline), merged(report)).map(({ addresses, ...totals }) => {
      const frames = this.symbolizer.frames(mappings, addresses);
      const own = frames.findIndex((frame) => frame.file !== this.shim);
      return { ...totals, frames: frames.slice(Math.max(own, 0)) };
    });
    return { samplingMeanBytes: report.samplingMeanBytes, droppedSamples: report.droppedSamples, stacks };
  }

  /** Removes the reports. */
  close() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { NativeStacks, nativeUnavailable, shimPath, SHIM_FILE };
