'use strict';
// Runs under the newest Node only: the TypeScript compiler's verdict on the sources does not
// depend on the Node version that runs it.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
// typescript is a devDependency: a checkout without it fails here rather than skipping.
const tsc = require.resolve('typescript/bin/tsc');

function compile(project) {
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}

test('index.d.ts types node-memwatch-style code, and rejects misuse', () => {
  compile(path.join(root, 'test', 'types', 'tsconfig.json'));
});

test("lib/ and dashboard/ type-check against index.d.ts and the addon's generated binding.d.ts", () => {
  compile(path.join(root, 'tsconfig.json'));
});
