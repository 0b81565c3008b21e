'use strict';
// index.d.ts, compiled with TypeScript against code written for node-memwatch.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { root } = require('../helpers/child');
const { skipOutsideCi } = require('../helpers/ci');

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const NO_TYPESCRIPT = `${tsc} is absent: typescript is a devDependency (npm install)`;

test('index.d.ts types node-memwatch-style code, and rejects misuse', { skip: skipOutsideCi(fs.existsSync(tsc), NO_TYPESCRIPT) }, () => {
  assert.ok(fs.existsSync(tsc), NO_TYPESCRIPT);
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'test', 'types', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
