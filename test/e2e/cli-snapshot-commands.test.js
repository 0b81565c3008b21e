'use strict';
// The npm package's `leakwatch` command runs summary, diff and retainers with the Rust CLI's own
// code: on real snapshots, its stdout, stderr and exit status are the Rust binary's, byte for byte.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('../helpers/child');

const npmCommand = path.join(root, 'lib', 'cli', 'main.js');
const rustBinary = path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'release', 'leakwatch');
let dir;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-cli-'));
  const made = spawnSync(process.execPath, [path.join(root, 'test', 'fixtures', 'snapshot-program.js'), dir], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function both(args) {
  // No terminal on stderr, so neither shows progress bars.
  const npm = spawnSync(process.execPath, [npmCommand, ...args], { encoding: 'utf8', cwd: dir });
  const rust = spawnSync(rustBinary, args, { encoding: 'utf8', cwd: dir });
  return { npm, rust };
}

const cases = [
  ['summary', ['summary', 'after.heapsnapshot', '--top', '5']],
  ['summary as JSON', ['summary', 'after.heapsnapshot', '--json', '--top', '3']],
  ['diff', ['diff', 'before.heapsnapshot', 'after.heapsnapshot']],
  ['retainers of a class', ['retainers', 'after.heapsnapshot', '--class', 'Foo', '--paths', '2']],
  ['a missing file', ['summary', 'missing.heapsnapshot']],
  ['a usage error', ['retainers', 'after.heapsnapshot']],
  ['help', ['diff', '--help']],
];

for (const [name, args] of cases) {
  test(`${name}: the npm command prints and exits as the Rust binary`, () => {
    const { npm, rust } = both(args);
    assert.equal(npm.stdout, rust.stdout);
    assert.equal(npm.stderr, rust.stderr);
    assert.equal(npm.status, rust.status);
  });
}

test('the reports are real: summary counts the 1500 Foo, a missing file exits 2 on one line', () => {
  const { npm } = both(['summary', 'after.heapsnapshot', '--json']);
  assert.equal(npm.status, 0, npm.stderr);
  const foo = JSON.parse(npm.stdout).classes.find((row) => row.name === 'Foo');
  assert.equal(foo.count, 1500);
  const missing = both(['summary', 'missing.heapsnapshot']).npm;
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^leakwatch: error: missing\.heapsnapshot: cannot open: .*\n$/);
});

test('leakwatch --help names every command; no command at all is an error with the help', () => {
  const help = spawnSync(process.execPath, [npmCommand, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  for (const command of ['watch', 'summary', 'diff', 'retainers']) assert.match(help.stdout, new RegExp(`\\n  ${command} `));
  const none = spawnSync(process.execPath, [npmCommand], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /Usage:/);
  const unknown = spawnSync(process.execPath, [npmCommand, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.equal(unknown.stderr, "leakwatch: error: unknown command 'frobnicate' (see leakwatch --help)\n");
});
