'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('./helpers/child');
const native = require('../lib/native');

test('a malformed snapshot is a JS error, not a crash', () => {
  assert.throws(() => {
    const parser = new native.SnapshotParser();
    parser.feed(Buffer.from('{"snapshot": {"meta": 17}, "nodes": [1, 2'));
    parser.census();
  }, /leakwatch|snapshot/);
  // The addon still works afterwards.
  assert.equal(native.niceSize(2048), '2 kb');
});

test('a spent snapshot parser says so', () => {
  let parser;
  try {
    parser = new native.SnapshotParser();
    parser.discard();
  } catch {
    return; // the engine cannot start a parser yet: nothing to spend
  }
  assert.throws(() => parser.feed(Buffer.from('{')), /already ended or discarded/);
  assert.throws(() => parser.census(), /already ended or discarded/);
});

test('a throwing listener with no error listener is an uncaught exception of the program', async () => {
  const r = await runNode(
    `const memwatch = require('.');
     memwatch.on('stats', () => { throw new Error('listener bug'); });
     memwatch.gc();
     setTimeout(() => {}, 2000);`,
    { timeoutMs: 10_000 },
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Error: listener bug/);
  // Rethrown from leakwatch's process.nextTick, not from inside the GC observer.
  assert.match(r.stderr.split('\n')[0], /lib[\\/]memwatch\.js:\d+$/);
});
