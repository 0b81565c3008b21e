'use strict';
// configure({ snapshotOnLeak }): real leaking child processes write heap snapshots when their
// 'leak' event fires, and the leakwatch command compares two consecutive ones.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { runNode, jsonLines, root } = require('../helpers/child');
const { FILE_PATTERN } = require('../../lib/snapshot/on-leak');

const CLI = path.join(root, 'target', 'release', process.platform === 'win32' ? 'leakwatch.exe' : 'leakwatch');

// A program that keeps 4 MB a second of LeakedRecords (each holding a 20 KB array of doubles, so
// the heap grows fast while the snapshots stay small), runs a full GC every 250 ms, and prints
// each 'leak' and 'warning' event as a JSON line; it exits after `leaks` leak events.
// The detector keeps its default thresholds; only the wait before the same memory can be
// reported again is shortened.
function leakingProgram({ dir, maxFiles, leaks, removeDir = false }) {
  return `
    const fs = require('node:fs');
    const memwatch = require('.');
    memwatch.configure({ snapshotOnLeak: { dir: ${JSON.stringify(dir)}, maxFiles: ${maxFiles} } });
    if (${removeDir}) fs.rmSync(${JSON.stringify(dir)}, { recursive: true });
    memwatch.configure({ leak: { repeatMs: 5000 } });
    let seen = 0;
    memwatch.on('leak', (info) => {
      console.log(JSON.stringify({ event: 'leak', snapshot: info.snapshot, memory: info.memory }));
      if (++seen >= ${leaks}) process.exit(0);
    });
    memwatch.on('warning', (w) => console.log(JSON.stringify({ event: 'warning', message: w.message, code: w.code })));
    class LeakedRecord { constructor(i) { this.i = i; this.payload = new Array(2500).fill(i + 0.5); } }
    globalThis.leaked = [];
    setInterval(() => { for (let i = 0; i < 40; i++) globalThis.leaked.push(new LeakedRecord(i)); }, 200);
    setInterval(() => memwatch.gc(), 250);`;
}

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-snapshots-'));
}

test('a leaking process writes a snapshot per leak report, keeps maxFiles, and `leakwatch diff` reads two', { timeout: 95_000 }, async () => {
  const dir = tempDir();
  try {
    // One of leakwatch's from earlier (oldest, to be pruned) and a file of someone else's.
    const stale = path.join(dir, 'leakwatch-20000101T000000000-1-1.heapsnapshot');
    fs.writeFileSync(stale, '{}');
    fs.utimesSync(stale, new Date(2000, 0, 1), new Date(2000, 0, 1));
    const foreign = path.join(dir, 'mine.heapsnapshot');
    fs.writeFileSync(foreign, '{}');

    const r = await runNode(leakingProgram({ dir, maxFiles: 2, leaks: 2 }), { timeoutMs: 85_000 });
    const events = jsonLines(r.stdout);
    assert.equal(r.code, 0, `exit ${r.code} ${r.signal ?? ''} after ${r.ms} ms: ${r.stdout}${r.stderr}`);
    const leaks = events.filter((e) => e.event === 'leak');
    assert.equal(leaks.length, 2, r.stdout);
    for (const leak of leaks) {
      assert.equal(path.dirname(leak.snapshot), dir);
      assert.match(path.basename(leak.snapshot), FILE_PATTERN);
    }
    const [before, after] = leaks.map((l) => l.snapshot);
    assert.notEqual(before, after);
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(before), path.basename(after), 'mine.heapsnapshot'].sort(), 'the oldest of ours was removed; nothing else');

    const diff = JSON.parse(execFileSync(CLI, ['diff', before, after, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
    const row = diff.change.details.find((d) => d.what === 'LeakedRecord');
    // Object ids must have survived between the two snapshots: new LeakedRecords count as added.
    assert.ok(row && row['+'] > 0 && row['-'] === 0, `LeakedRecord row ${JSON.stringify(row)}; ${diff.change.allocated_nodes} allocated for ${diff.change.size}`);
    assert.ok(diff.change.size_bytes > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('when a snapshot cannot be written the leak event still comes, with a warning saying why', { timeout: 95_000 }, async () => {
  const dir = tempDir();
  const r = await runNode(leakingProgram({ dir, maxFiles: 2, leaks: 1, removeDir: true }), { timeoutMs: 85_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.code, 0, `exit ${r.code} ${r.signal ?? ''} after ${r.ms} ms: ${r.stdout}${r.stderr}`);
  const events = jsonLines(r.stdout);
  const warning = events.find((e) => e.event === 'warning');
  assert.ok(warning, r.stdout);
  assert.equal(warning.code, 'LEAKWATCH_SNAPSHOT_SKIPPED');
  assert.match(warning.message, /^snapshot on leak failed: .*ENOENT/);
  const leak = events.find((e) => e.event === 'leak');
  assert.equal(leak.snapshot, null);
  assert.ok(events.indexOf(warning) < events.indexOf(leak), 'the warning comes before the leak event it belongs to');
});
