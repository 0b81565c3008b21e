// @ts-check
'use strict';
// Loads the native addon (crates/leakwatch-node). It is looked for, in order:
//  1. at $LEAKWATCH_NATIVE, when set (a path to a .node file);
//  2. at the package root as leakwatch.<platform>.node: what `napi build --platform` writes,
//     and so what `npm install` / `npm run build` in a checkout of this repository make;
//  3. in the prebuilt package @leakwatch/binding-<platform>, which npm installs as an optional
//     dependency of a published release (napi-rs' convention; see "napi" in package.json, and
//     `npm run pack:local`, which packs both as a release publishes them).
// The addon uses Node-API only, so one binary serves every Node version from 18.15 on.

const path = require('node:path');
const { suffix: platformSuffix } = require('./platform');

function load() {
  const suffix = platformSuffix();
  const candidates = /** @type {string[]} */ ([
    process.env.LEAKWATCH_NATIVE,
    path.join(__dirname, '..', `leakwatch.${suffix}.node`),
    `@leakwatch/binding-${suffix}`,
  ].filter(Boolean));
  const failures = [];
  for (const candidate of candidates) {
    try {
      return require(candidate);
    } catch (err) {
      failures.push(`  ${candidate}: ${String(err.message).split('\n')[0]}`);
    }
  }
  throw new Error(
    `leakwatch: cannot load its native addon for ${suffix}. Tried:\n${failures.join('\n')}\n` +
      'Install a release that ships a prebuilt binary for this platform, or build it from source ' +
      'with Rust 1.88+ on the PATH: `node node_modules/leakwatch/scripts/install.js` in a project, ' +
      '`npm run build:addon` in a checkout.',
  );
}

/** @type {import('../crates/leakwatch-node/binding')} */
module.exports = load();
