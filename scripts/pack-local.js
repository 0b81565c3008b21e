'use strict';
// npm run pack:local -- DIR: writes into DIR the two tarballs a user on this platform downloads,
// as a release publishes them (napi-rs' optionalDependencies layout):
//  - leakwatch-VERSION.tgz: the main package, whose optionalDependencies name a binary package
//    for every target of package.json's "napi" configuration, at the same version;
//  - leakwatch-binding-PLATFORM-VERSION.tgz: this platform's binary package, npm/PLATFORM/ with
//    the addon built by `npm run build` (leakwatch.PLATFORM.node at the root).
// Prints the two paths, one a line. Nothing in the checkout changes: each package is staged in
// a temporary directory and packed there.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { suffix } = require('../lib/platform');

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function fail(message) {
  console.error(`leakwatch pack:local: ${message}`);
  process.exit(1);
}

/** Runs `npm pack` in `dir` with `args`; returns npm's JSON description of the one package. */
function npmPack(dir, args) {
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out)[0];
}

/** The binary packages of every release target: npm/<platform>/package.json, by platform. */
function bindingPackages() {
  const dirs = fs.readdirSync(path.join(root, 'npm'));
  return new Map(dirs.map((dir) => [dir, JSON.parse(fs.readFileSync(path.join(root, 'npm', dir, 'package.json'), 'utf8'))]));
}

/** Stages and packs this platform's binary package into `dest`; returns the tarball's path. */
function packBinding(dest, stage, platform, manifest) {
  const addon = path.join(root, `leakwatch.${platform}.node`);
  if (!fs.existsSync(addon)) fail(`no ${path.basename(addon)} at the package root: run \`npm run build\` first`);
  const dir = path.join(stage, 'binding');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(root, 'npm', platform, 'README.md'), path.join(dir, 'README.md'));
  fs.copyFileSync(addon, path.join(dir, manifest.main));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return path.join(dest, npmPack(dir, ['--pack-destination', dest]).filename);
}

/** Stages and packs the main package, with its optionalDependencies, into `dest`. */
function packMain(dest, stage, bindings) {
  const dir = path.join(stage, 'main');
  for (const { path: file } of npmPack(root, ['--dry-run']).files) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(dir, file));
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  manifest.optionalDependencies = Object.fromEntries([...bindings.values()].map((b) => [b.name, b.version]).sort());
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return path.join(dest, npmPack(dir, ['--pack-destination', dest]).filename);
}

function main() {
  const [destArg] = process.argv.slice(2);
  if (destArg === undefined) fail('say where to write the tarballs: npm run pack:local -- DIR');
  const dest = path.resolve(destArg);
  fs.mkdirSync(dest, { recursive: true });
  const platform = suffix();
  const bindings = bindingPackages();
  const manifest = bindings.get(platform);
  if (manifest === undefined) fail(`no binary package for ${platform} (npm/ has ${[...bindings.keys()].join(', ')})`);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-pack-'));
  try {
    console.log(packMain(dest, stage, bindings));
    console.log(packBinding(dest, stage, platform, manifest));
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

main();
