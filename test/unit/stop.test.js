'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { waitFor, nextFullGcEntry } = require('../helpers/wait');
const memwatch = require('../..');

test('after stop() no stats are emitted; listening again restarts', async () => {
  const seen = [];
  const onStats = (s) => seen.push(s);
  memwatch.on('stats', onStats);
  memwatch.gc();
  await waitFor(() => seen.length >= 1);

  memwatch.stop();
  const count = seen.length;
  const collected = nextFullGcEntry();
  memwatch.gc();
  await collected;
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
  const collected = nextFullGcEntry();
  memwatch.gc();
  await collected;
  memwatch.removeAllListeners('error');
  memwatch.on('stats', (s) => later.push(s));
  memwatch.gc();
  await waitFor(() => later.length >= 1);
  assert.equal(later[0].num_full_gc, 1, 'the once() listener stopped the first watch when it was removed');
  memwatch.removeAllListeners();
});
