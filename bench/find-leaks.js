'use strict';
// `leakwatch find-leaks` on three snapshots of one process beside `leakwatch summary` on each of
// them: the target is three snapshots in about the time of three summaries.
//
// Usage: node bench/find-leaks.js [N]   (default 100000 Sessions: snapshots of some 60 MB)
//
// A child process holding N Sessions writes the baseline, adds N/10 (the action), writes the
// target, drops half of those (the undo), and writes the final snapshot, into bench/out/find-leaks/.
// Each command runs once, after one untimed run that brings the files into the page cache.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(process.env.CARGO_TARGET_DIR || path.join(__dirname, '..', 'target'), 'release', 'leakwatch');
const dir = path.join(__dirname, 'out', 'find-leaks');
const files = ['baseline', 'target', 'final'].map((name) => path.join(dir, `${name}.heapsnapshot`));

function child(n) {
  const v8 = require('node:v8');
  class Session {
    constructor(i) {
      this.id = i;
      this.user = { name: `user${i}`, tags: [i, i + 1] };
      this.cb = () => this.id;
    }
  }
  globalThis.sessions = Array.from({ length: n }, (_, i) => new Session(i));
  v8.writeHeapSnapshot(files[0]);
  globalThis.opened = Array.from({ length: n / 10 }, (_, i) => new Session(n + i));
  v8.writeHeapSnapshot(files[1]);
  globalThis.opened.length = n / 20;
  v8.writeHeapSnapshot(files[2]);
}

function seconds(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`leakwatch ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function main() {
  const n = Number(process.argv[2] || 100_000);
  fs.mkdirSync(dir, { recursive: true });
  const made = spawnSync(process.execPath, ['--max-old-space-size=4096', __filename, '--child', String(n)], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
  const mb = files.map((f) => (fs.statSync(f).size / 1e6).toFixed(0)).join(', ');
  seconds(['find-leaks', ...files, '--json']);
  const summaries = files.reduce((sum, f) => sum + seconds(['summary', f, '--json']), 0);
  const findLeaks = seconds(['find-leaks', ...files, '--json']);
  console.log(`snapshots of ${mb} MB: three summaries ${summaries.toFixed(2)} s, find-leaks ${findLeaks.toFixed(2)} s`);
}

if (process.argv[2] === '--child') child(Number(process.argv[3]));
else main();
