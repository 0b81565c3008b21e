'use strict';
// A user's install on this platform: `npm run pack:local` writes the main package and this
// platform's binary package, as a release publishes them; both are installed into an empty
// project by a PATH that has node and npm but no cargo, rustc or @napi-rs/cli; the library then
// works there from the prebuilt binary. The tarballs hold what the package needs and nothing else.
// Runs under the newest Node only: what it tests, the tarballs and the install from them, is
// the same whichever Node runs npm; the library itself is tested under each version.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { suffix } = require('../../lib/platform');

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const platform = suffix();

// What the main package may hold: the library, the dashboard, the install script, and the Rust
// sources building from source needs (a crate's manifest, build script and src/, tests left out).
const MAIN_PACKAGE_FILES = /^(index\.js|index\.d\.ts|package\.json|README\.md|LICENSE|Cargo\.(toml|lock)|scripts\/install\.js|lib\/.+\.js|dashboard\/.+|crates\/[^/]+\/(Cargo\.toml|build\.rs|binding\.d\.ts|src\/.+\.rs))$/;

/** The paths in a .tgz, without npm's leading "package/". */
async function tarballFiles(tarball) {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  return stdout.split('\n').filter(Boolean).map((line) => line.replace(/^package\//, ''));
}

/** Every file under `dir` of the checkout, relative to the root. */
function checkoutFiles(dir) {
  return fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)));
}

/**
 * A directory for PATH with node, npm, npx and sh only: the node running this test, npm and npx
 * as this machine has them. No cargo, rustc or napi can be found through it.
 */
function bareBin(dir) {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  for (const tool of ['npm', 'npx', 'sh']) {
    const found = process.env.PATH.split(path.delimiter).map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    assert.ok(found, `${tool} is on the PATH`);
    fs.symlinkSync(fs.realpathSync(found), path.join(bin, tool));
  }
  return bin;
}

/** The environment of a user's shell: PATH as given, nothing of npm's or leakwatch's own. */
function userEnv(bin) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|LEAKWATCH_|NODE_OPTIONS$|NODE_PATH$)/i.test(key)));
  return { ...env, PATH: bin };
}

// What the program in the user's project checks: the addon it loaded, a 'stats' event after a
// full GC, and a HeapDiff over 20,000 objects of a class of its own.
const USE_LEAKWATCH = `
  const memwatch = require('leakwatch');
  const addon = Object.keys(require.cache).find((file) => file.endsWith('.node'));
  memwatch.once('stats', (stats) => {
    const hd = new memwatch.HeapDiff();
    class PackedThing {}
    globalThis.things = Array.from({ length: 20000 }, () => new PackedThing());
    const diff = hd.end();
    const row = diff.change.details.find((d) => d.what === 'PackedThing');
    console.log(JSON.stringify({ addon, usedHeap: stats.used_heap_size, added: row && row['+'] }));
    memwatch.stop();
  });
  memwatch.gc();`;

test(`pack:local, then install into an empty project without Rust: the library works from the ${platform} binary`, async (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-pack-test-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const tarballs = path.join(work, 'tarballs');
  const { stdout } = await run(process.execPath, [path.join(root, 'scripts', 'pack-local.js'), tarballs], { cwd: root });
  const [mainTarball, bindingTarball] = stdout.trim().split('\n');
  assert.equal(path.basename(mainTarball), `leakwatch-${require('../../package.json').version}.tgz`);
  assert.match(path.basename(bindingTarball), new RegExp(`^leakwatch-binding-${platform}-`));

  // The binary package: its manifest, its README and the addon, nothing else.
  assert.deepEqual((await tarballFiles(bindingTarball)).sort(), ['README.md', `leakwatch.${platform}.node`, 'package.json']);

  // The main package: the library, the dashboard, and what building from source needs; no tests,
  // benches, examples, docs or binaries.
  const main = await tarballFiles(mainTarball);
  for (const needed of [...checkoutFiles('lib'), ...checkoutFiles('dashboard'), 'index.js', 'index.d.ts', 'package.json', 'scripts/install.js', 'Cargo.toml', 'Cargo.lock', 'crates/leakwatch-node/src/lib.rs']) {
    assert.ok(main.includes(needed), `the main package has ${needed}`);
  }
  const unwanted = main.filter((file) => !MAIN_PACKAGE_FILES.test(file) || /_tests\.rs$/.test(file));
  assert.deepEqual(unwanted, []);

  // The user's project: an empty package.json, then `npm install` of both tarballs.
  const project = path.join(work, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "user-app", "version": "1.0.0", "private": true }\n');
  const env = userEnv(bareBin(work));
  for (const tool of ['cargo', 'rustc', 'napi']) {
    await assert.rejects(run('sh', ['-c', `command -v ${tool}`], { env }), `${tool} is not on the user's PATH`);
  }
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', mainTarball, bindingTarball], { cwd: project, env });

  const used = await run('node', ['-e', USE_LEAKWATCH], { cwd: project, env });
  const result = JSON.parse(used.stdout);
  assert.equal(result.addon, path.join(fs.realpathSync(project), 'node_modules', '@leakwatch', `binding-${platform}`, `leakwatch.${platform}.node`));
  assert.ok(result.usedHeap > 0, `stats: ${used.stdout}`);
  assert.ok(result.added >= 20000, `HeapDiff: ${used.stdout}`);

  // The MCP server's SDK is an optional peer dependency: without it, one line says what to add.
  const mcp = await run('node', ['node_modules/leakwatch/lib/mcp/server.js'], { cwd: project, env }).catch((err) => err);
  assert.equal(mcp.code, 2);
  assert.match(mcp.stderr, /^leakwatch mcp needs the MCP SDK: npm install @modelcontextprotocol\/sdk \(.*\)\n$/);

  // The `leakwatch` command, once the package declares it (package.json "bin").
  const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'leakwatch', 'package.json'), 'utf8'));
  await t.test('npx leakwatch summary FILE prints the summary', { skip: !installed.bin?.leakwatch && 'the package declares no `leakwatch` command (package.json "bin") yet' }, async () => {
    const snapshot = path.join(work, 'app.heapsnapshot');
    await run('node', ['-e', `require('node:v8').writeHeapSnapshot(${JSON.stringify(snapshot)})`], { cwd: project, env });
    const summary = await run('npx', ['--no-install', 'leakwatch', 'summary', snapshot, '--json'], { cwd: project, env });
    const report = JSON.parse(summary.stdout);
    assert.ok(report.node_count > 1000 && report.total_size > 0 && report.classes.length > 0, summary.stdout.slice(0, 300));
  });

  // Without the binary package (a platform with no prebuilt binary) and without Rust, building
  // from source says what is missing, in one line, and so does require().
  fs.rmSync(path.join(project, 'node_modules', '@leakwatch'), { recursive: true });
  const building = await run('node', ['node_modules/leakwatch/scripts/install.js'], { cwd: project, env }).then(
    () => assert.fail('install.js succeeded without a binary and without cargo'),
    (err) => err,
  );
  assert.equal(building.code, 1);
  assert.match(building.stderr, /^leakwatch: no prebuilt binary for \S+ \(@leakwatch\/binding-\*\) and no cargo on the PATH to build one from source: install Rust 1\.88\+/);
  assert.equal(building.stderr.trim().split('\n').length, 1, building.stderr);
  const loading = await run('node', ['-e', "require('leakwatch')"], { cwd: project, env }).catch((err) => err);
  assert.match(loading.stderr, /cannot load its native addon[\s\S]*node node_modules\/leakwatch\/scripts\/install\.js/);
});
