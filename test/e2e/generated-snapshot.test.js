'use strict';
// bench/generate-snapshot.js writes the files the big-snapshot benchmarks read: the engine must
// find in a small one exactly what the generator put there, or the benchmark's figures would
// be of some other work than reading a real snapshot.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('../helpers/child');

const rustBinary = path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'release', 'leakwatch');

test('leakwatch summary finds the counts, sizes and the leak the generator wrote', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-generated-'));
  try {
    const file = path.join(dir, 'generated.heapsnapshot');
    const made = spawnSync(process.execPath, [path.join(root, 'bench', 'generate-snapshot.js'), '--blocks', '300', file],
      { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const expected = JSON.parse(made.stdout);
    const read = spawnSync(rustBinary, ['summary', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(read.status, 0, read.stderr);
    const summary = JSON.parse(read.stdout);
    assert.equal(summary.node_count, expected.node_count);
    assert.equal(summary.edge_count, expected.edge_count);
    assert.equal(summary.total_size, expected.total_size);
    const leak = summary.classes.find((row) => row.name === expected.leak.name);
    assert.ok(leak, `no ${expected.leak.name} row`);
    const { name, ...figures } = expected.leak;
    assert.deepEqual({ count: leak.count, shallow_size: leak.shallow_size, retained_size: leak.retained_size }, figures);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
