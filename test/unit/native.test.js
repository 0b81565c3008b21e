'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const native = require('../../lib/native');

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
  const parser = new native.SnapshotParser();
  parser.discard();
  assert.throws(() => parser.feed(Buffer.from('{')), /already ended or discarded/);
  assert.throws(() => parser.census(), /already ended or discarded/);
});
