'use strict';
// leakwatch in worker threads: each worker its own isolate with its own stats, detector and
// HeapDiffs, beside the main thread's; workers terminated in the middle of a HeapDiff or of a
// culprit hunt, and a process that exits during an async HeapDiff, crash nothing and leak nothing.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode, jsonLines } = require('../helpers/child');

// A worker that watches its own heap, takes HeapDiffs in a loop (blocking and async, so that a
// terminate() lands inside one), and reports what its first diff found.
const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const memwatch = require('.');
  let stats = 0;
  memwatch.on('stats', () => stats++);
  memwatch.on('leak', () => {});
  class WorkerThing { constructor(i) { this.i = i; } }
  globalThis.kept = [];
  parentPort.postMessage('ready');
  (async () => {
    for (let round = 0; ; round++) {
      const hd = new memwatch.HeapDiff();
      for (let i = 0; i < 2000; i++) kept.push(new WorkerThing(i));
      const diff = round % 2 === 0 ? hd.end() : await hd.endAsync();
      memwatch.gc();
      const row = diff.change.details.find((d) => d.what === 'WorkerThing');
      if (round === 0) parentPort.postMessage({ id: workerData.id, added: row && row['+'], stats });
    }
  })();`;

const PROGRAM = `
  const { Worker } = require('node:worker_threads');
  const memwatch = require('.');
  const WORKER = ${JSON.stringify(WORKER)};
  let mainStats = 0;
  memwatch.on('stats', () => mainStats++);
  const start = (id) => new Worker(WORKER, { eval: true, workerData: { id } });
  const message = (w, wanted) => new Promise((resolve, reject) => {
    w.on('message', (m) => wanted(m) && resolve(m));
    w.once('error', reject);
  });
  const firstDiff = (w) => message(w, (m) => m !== 'ready');
  // A worker's cycle: terminated 0 to 9 ms after it starts its HeapDiffs, so that terminate()
  // lands in a snapshot, a census on a background thread or a comparison on the thread pool.
  async function cycle(i) {
    const w = start(i);
    await message(w, (m) => m === 'ready');
    await new Promise((resolve) => setTimeout(resolve, i % 10));
    await w.terminate();
  }
  (async () => {
    // Four at once, beside the main thread's own watching and HeapDiff.
    const workers = [0, 1, 2, 3].map(start);
    const hd = new memwatch.HeapDiff();
    const firsts = await Promise.all(workers.map(firstDiff));
    hd.end();
    await Promise.all(workers.map((w) => w.terminate()));
    memwatch.gc();
    // RSS once the allocator has handed back what is free (malloc_trim): each thread's malloc
    // arena keeps freed memory, which is not a leak. Sampled after every cycle: the floor of the
    // last five against the floor of the first five, since a leak raises the floor while a
    // page the allocator or V8 happens to hold at one moment only raises a sample.
    const rss = () => { memwatch.gc(); require('./lib/native').releaseFreeMemory(); return process.memoryUsage().rss; };
    const samples = [];
    for (let i = 0; i < 55; i++) { await cycle(i); samples.push(rss()); }
    const floorMb = (from, to) => Math.min(...samples.slice(from, to)) / 1048576;
    const growthMb = floorMb(50, 55) - floorMb(0, 5);
    const trailMb = samples.map((s) => +(s / 1048576 - floorMb(0, 5)).toFixed(1));
    console.log(JSON.stringify({ firsts, mainStats, growthMb, trailMb }));
    // Exiting while an async HeapDiff is being compared on the thread pool.
    const last = new memwatch.HeapDiff();
    last.endAsync();
    process.exit(0);
  })();`;

test('workers each watch their own heap; 50 worker cycles cut short in HeapDiffs leave RSS flat', async () => {
  const r = await runNode(PROGRAM, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const [result] = jsonLines(r.stdout);
  assert.ok(result, r.stdout + r.stderr);
  assert.equal(result.firsts.length, 4);
  for (const first of result.firsts) assert.equal(first.added, 2000, JSON.stringify(first));
  assert.ok(result.mainStats > 0, 'the main thread saw its own full GCs');
  assert.equal(result.trailMb.length, 55);
  assert.ok(result.growthMb < 5, `RSS grew ${result.growthMb.toFixed(1)} MB over 50 worker cycles (MB after each: ${result.trailMb})`);
});
