'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('./helpers/child');
const { waitFor } = require('./helpers/wait');
const memwatch = require('..');

test('after stop() a watching process exits on its own', async () => {
  const r = await runNode(
    `const memwatch = require('.');
     let stats = 0;
     memwatch.on('stats', () => { stats += 1; });
     memwatch.on('leak', () => {});
     memwatch.configure({ leak: { minWindowMs: 1000 } });
     const keep = [];
     const timer = setInterval(() => {
       for (let i = 0; i < 10000; i++) keep.push({ i });
       memwatch.gc();
     }, 20);
     setTimeout(() => {
       clearInterval(timer);
       memwatch.stop();
       console.log('stopped after', stats, 'stats');
       process.on('exit', () => console.log('exit'));
     }, 300);`,
    { timeoutMs: 10_000 },
  );
  assert.equal(r.timedOut, false, 'the process did not exit within 10 s');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /stopped after [1-9]\d* stats\nexit\n/);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test('after stop() no stats are emitted; listening again restarts', async () => {
  const seen = [];
  const onStats = (s) => seen.push(s);
  memwatch.on('stats', onStats);
  memwatch.gc();
  await waitFor(() => seen.length >= 1);

  memwatch.stop();
  const count = seen.length;
  memwatch.gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(seen.length, count, 'nothing after stop()');

  const again = [];
  memwatch.on('stats', (s) => again.push(s));
  memwatch.gc();
  await waitFor(() => again.length >= 1 && seen.length > count);
  assert.equal(again[0].num_full_gc, 1, 'counting starts over');
  memwatch.removeAllListeners('stats');
});

test('removing the last listener stops watching', async () => {
  const seen = [];
  memwatch.once('stats', (s) => seen.push(s));
  memwatch.gc();
  await waitFor(() => seen.length >= 1);
  const later = [];
  // A listener on another event does not start GC watching.
  memwatch.on('error', (e) => later.push(e));
  memwatch.gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  memwatch.removeAllListeners('error');
  memwatch.on('stats', (s) => later.push(s));
  memwatch.gc();
  await waitFor(() => later.length >= 1);
  assert.equal(later[0].num_full_gc, 1, 'the once() listener stopped the first watch when it was removed');
  memwatch.removeAllListeners();
});
