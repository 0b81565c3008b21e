'use strict';
// npm's install step: makes sure the native addon is there.
//
// A published release ships prebuilt binaries as optional dependencies (@leakwatch/binding-*),
// so usually there is nothing to do. On a platform without a prebuilt binary the addon is built
// from the Rust sources here with plain cargo, copying the library where the loader looks
// (lib/native.js). A checkout of this repository (@napi-rs/cli installed) leaves it to
// `npm run build`.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function loads() {
  const probe = spawnSync(process.execPath, ['-e', "require('./lib/native')"], { cwd: root, stdio: 'ignore' });
  return probe.status === 0;
}

function run(command, args) {
  console.log(`leakwatch: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
}

/** Whether `command` runs here (cargo and rustc are found through the PATH). */
function found(command) {
  return !spawnSync(command, ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).error;
}

function build() {
  const napi = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi');
  if (fs.existsSync(napi)) {
    // A checkout with its dev dependencies: `npm run build` (which `npm start` and `npm test`
    // run) builds the addon. Building it here too would cost a second compile of the crates:
    // napi-rs' first build of a checkout sets NAPI_FORCE_BUILD_* for their build scripts, and
    // cargo compiles them again when the next build no longer does.
    console.log('leakwatch: a checkout: `npm run build` builds the native addon (npm start and npm test run it)');
    return;
  }
  if (!found('cargo')) {
    // A one-line reason instead of a spawn error's stack: what is missing and what to do.
    console.error(
      `leakwatch: no prebuilt binary for ${require('../lib/platform').suffix()} (@leakwatch/binding-*) and no cargo on the PATH to build ` +
        'one from source: install Rust 1.88+ (https://rustup.rs), then run `node node_modules/leakwatch/scripts/install.js`',
    );
    process.exitCode = 1;
    return;
  }
  run('cargo', ['build', '--release', '-p', 'leakwatch-node']);
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  const names = { linux: 'libleakwatch_node.so', darwin: 'libleakwatch_node.dylib', win32: 'leakwatch_node.dll' };
  const built = path.join(targetDir, 'release', names[process.platform] || names.linux);
  // Where the loader looks: the same name napi build would give.
  const { suffix } = require('../lib/platform');
  fs.copyFileSync(built, path.join(root, `leakwatch.${suffix()}.node`));
}

if (process.env.LEAKWATCH_SKIP_BUILD) {
  console.log('leakwatch: LEAKWATCH_SKIP_BUILD is set, not building the native addon');
} else if (!loads()) {
  if (!fs.existsSync(path.join(root, 'crates', 'leakwatch-node', 'Cargo.toml'))) {
    console.warn('leakwatch: no prebuilt native addon for this platform, and no sources to build one');
  } else {
    build();
  }
}
