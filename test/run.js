'use strict';
// Runs the JS test suite (test/**/*.test.js) under every Node.js binary test/helpers/node-binaries.js
// finds (this one, those .ci/run installs under test/out/, those in $LEAKWATCH_TEST_NODES), one
// after the other, and fails if any run fails.
// Extra arguments go to `node --test` (e.g. --test-name-pattern=stats).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { nodeBinaries } = require('./helpers/node-binaries');

const root = path.join(__dirname, '..');

function testFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'out' && entry.name !== 'fixtures') found.push(...testFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const files = testFiles(__dirname).map((f) => path.relative(root, f));
const results = [];
for (const bin of nodeBinaries()) {
  const version = versionOf(bin);
  if (!version) {
    console.log(`# skipping ${bin}: it does not run`);
    continue;
  }
  console.log(`\n# node ${version} (${bin}): ${files.length} test files`);
  const run = spawnSync(bin, ['--test', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit' });
  results.push({ version, ok: run.status === 0 });
}

console.log('');
for (const r of results) console.log(`# node ${r.version}: ${r.ok ? 'passed' : 'FAILED'}`);
const failed = results.filter((r) => !r.ok).length;
if (results.length === 0) console.log('# no node binary could run the tests');
process.exitCode = failed || results.length === 0 ? 1 : 0;
