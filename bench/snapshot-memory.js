'use strict';
// What a heap snapshot costs the process that takes it, which lib/snapshot/room.js's estimate
// rests on:
//
//   node bench/snapshot-memory.js
//
// 1. For heaps of different shapes (small objects, Maps, closures, arrays of numbers, long
//    strings), each in a fresh process: the used heap, the snapshot's size and V8's peak native
//    memory while it writes it (VmHWM over RSS before), and the ratios snapshot/heap and
//    peak/snapshot.
// 2. Under a tight --max-old-space-size, whether V8 survives a snapshot of a heap filled to a
//    given share of that size (taken whatever the check says), and what leakwatch's room check
//    decides there. `--tight-only` runs this part alone.
//
// Linux only (it reads /proc/self/status).

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

const SHAPE = `
  const fs = require('node:fs'), v8 = require('node:v8'), os = require('node:os');
  const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  const [n, kind] = [Number(process.argv[1]), process.argv[2]];
  const make = {
    objects: (i) => ({ id: i, name: 'x' + i, tags: [i] }),
    maps: (i) => new Map([[i, { i }], [i + 1, 'z' + i]]),
    closures: (i) => { const c = { i }; return () => c; },
    numbers: (i) => new Array(1000).fill(i),
    strings: (i) => 'y'.repeat(100000) + i,
  }[kind];
  globalThis.kept = Array.from({ length: n }, (_, i) => make(i));
  gc();
  const used = v8.getHeapStatistics().used_heap_size;
  const rss = process.memoryUsage().rss;
  fs.writeFileSync('/proc/self/clear_refs', '5');
  const file = v8.writeHeapSnapshot(os.tmpdir() + '/leakwatch-bench-' + process.pid + '.heapsnapshot');
  const peak = hwm() - rss;
  const size = fs.statSync(file).size;
  fs.unlinkSync(file);
  console.log(JSON.stringify({ used, size, peak }));`;

const TIGHT = `
  const v8 = require('node:v8');
  const room = require('./lib/snapshot/room');
  const [share, oldSpaceMb] = [Number(process.argv[1]), Number(process.argv[2])];
  const usedShare = () => v8.getHeapStatistics().used_heap_size / (oldSpaceMb * 1048576);
  globalThis.kept = [];
  // Arrays of doubles: the heap fills fast, with little for the GC to mark.
  while (usedShare() < share) kept.push(new Array(4096).fill(kept.length + 0.5));
  const verdict = room.lackOfRoomForSnapshot({ parse: true }) === null ? 'take' : 'refuse';
  require('node:fs').writeSync(1, verdict + ' ');
  v8.writeHeapSnapshot('/dev/null');
  console.log('survived');`;

const mb = (bytes) => (bytes / 1048576).toFixed(0).padStart(6);

console.log('shape      count    heap MB  snapshot MB  V8 peak MB  snapshot/heap  peak/snapshot');
if (!process.argv.includes('--tight-only')) for (const [kind, n] of [['objects', 1_000_000], ['objects', 100_000], ['maps', 100_000], ['closures', 200_000], ['numbers', 20_000], ['strings', 1000]]) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '-e', SHAPE, String(n), kind], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`${kind}: failed: ${r.stderr.trim().split('\n').pop()}`);
    continue;
  }
  const { used, size, peak } = JSON.parse(r.stdout);
  console.log(`${kind.padEnd(9)} ${String(n).padStart(8)} ${mb(used)}     ${mb(size)}      ${mb(peak)}        ${(size / used).toFixed(2).padStart(5)}          ${(peak / size).toFixed(2).padStart(5)}`);
}

console.log('\nold space MB  heap used / old space  room check  snapshot');
for (const oldSpace of [64, 512]) {
  for (const share of [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) {
    const r = spawnSync(process.execPath, [`--max-old-space-size=${oldSpace}`, '-e', TIGHT, String(share), String(oldSpace)], { cwd: root, encoding: 'utf8' });
    const [verdict, outcome] = r.stdout.trim().split(' ');
    const crash = /Reached heap limit/.test(r.stderr) ? 'CRASHED (heap limit)' : `exit ${r.status ?? r.signal}`;
    // No verdict: the program itself ran out of heap while filling it, before any snapshot.
    const result = r.status === 0 ? outcome : verdict ? `${crash} in the snapshot` : `${crash} while filling the heap`;
    console.log(`${String(oldSpace).padStart(12)}  ${share.toFixed(2).padStart(17)}  ${(verdict ?? '-').padStart(10)}  ${result}`);
  }
}
