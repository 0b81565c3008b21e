'use strict';
// @airbnb/node-memwatch for the benchmarks that compare with it: installed into bench/out/airbnb
// (not a project dependency) and built against this node's headers.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const airbnbDir = path.join(__dirname, 'out', 'airbnb');
const airbnbModule = path.join(airbnbDir, 'node_modules', '@airbnb', 'node-memwatch');

/** Installs and builds it unless it is there; false when it does not build here. */
function ensureAirbnb() {
  if (fs.existsSync(path.join(airbnbModule, 'build', 'Release', 'memwatch.node'))) return true;
  console.error('installing @airbnb/node-memwatch into bench/out/airbnb ...');
  fs.mkdirSync(airbnbDir, { recursive: true });
  // Its own package.json, so npm does not walk up to the project's.
  fs.writeFileSync(path.join(airbnbDir, 'package.json'), '{"name":"bench-airbnb","private":true}\n');
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '@airbnb/node-memwatch@3.0.0'], {
    cwd: airbnbDir,
    stdio: 'inherit',
  });
  if (npm.status !== 0) return false;
  // node-gyp would download node's headers; use the ones installed beside this node instead.
  const gyp = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const nodedir = path.join(path.dirname(process.execPath), '..');
  if (!fs.existsSync(gyp) || !fs.existsSync(path.join(nodedir, 'include', 'node', 'node.h'))) return false;
  const build = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], { cwd: airbnbModule, stdio: 'ignore' });
  return build.status === 0;
}

module.exports = { airbnbModule, ensureAirbnb };
