'use strict';
// Snapshot on leak's checks before it writes: room for the snapshot, and its options.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const memwatch = require('../..');
const { lackOfRoom } = require('../../lib/snapshot/on-leak');

test('room for a snapshot on leak: this small test heap has it, in memory and on disk', () => {
  // The memory rule itself is tested on fake cgroup files in room.test.js.
  assert.equal(lackOfRoom(os.tmpdir()), null);
});

test('configure({ snapshotOnLeak }) rejects bad options with a one-line TypeError naming the option', () => {
  const file = path.join(os.tmpdir(), `leakwatch-not-a-dir-${process.pid}`);
  fs.writeFileSync(file, '');
  try {
    assert.throws(() => memwatch.configure({ snapshotOnLeak: { dir: file } }), /^TypeError: leakwatch: snapshotOnLeak\.dir .* is not a writable directory/);
    assert.throws(() => memwatch.configure({ snapshotOnLeak: { dir: 5 } }), /snapshotOnLeak\.dir must be a directory path/);
    assert.throws(() => memwatch.configure({ snapshotOnLeak: { dir: os.tmpdir(), maxFiles: 0 } }), /snapshotOnLeak\.maxFiles must be an integer >= 1/);
    assert.throws(() => memwatch.configure({ snapshotOnLeak: { directory: os.tmpdir() } }), /unknown snapshotOnLeak option 'directory'/);
    assert.throws(() => memwatch.configure({ snapshotOnLeak: 'yes' }), TypeError);
    for (const bad of [{ dir: file }, { dir: 5 }, 'yes']) {
      try {
        memwatch.configure({ snapshotOnLeak: bad });
      } catch (err) {
        assert.equal(err.message.includes('\n'), false, 'one line');
      }
    }
    assert.equal(memwatch.configure({ snapshotOnLeak: { dir: os.tmpdir(), maxFiles: 3 } }), memwatch);
    assert.equal(memwatch.configure({ snapshotOnLeak: null }), memwatch);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
