'use strict';
// `leakwatch watch --native` on real native code: the test addon's malloc leak is reported with
// the addon's leaking function at the top of its native stacks, and the allocator shim is
// preloaded only with --native. About 15 s.
// Runs under the newest Node only: the shim and the stacks are glibc's and the addon's,
// whichever Node runs them.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('../helpers/child');
const { waitFor } = require('../helpers/wait');
const { skipOutsideCi } = require('../helpers/ci');
const { testAddonBuilt } = require('../fixtures/native/addon');
const { nativeUnavailable, SHIM_FILE } = require('../../lib/cli/watch-native');

const command = path.join(root, 'lib', 'cli', 'main.js');
const leaky = path.join(root, 'test', 'fixtures', 'native', 'leaky.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-native-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const unavailable = nativeUnavailable() ?? (testAddonBuilt() ? null : 'the test addon is not built (npm run build)');
const skip = skipOutsideCi(unavailable === null, unavailable ?? '');
// A shorter window and more probes than the defaults, and a leak of 640 KB/s: the leak is found
// in a few seconds, by when about a sample a second has been taken of it.
const QUICK = ['--min-window-ms', '6000', '--probe-budget', '0.05'];
const LEAK_BYTES_PER_50_MS = '32000';

test("--native names the addon's leaking function at the top of the leak's native stacks", { skip }, async (t) => {
  assert.equal(unavailable, null, unavailable ?? '');
  const events = path.join(dir, 'events.ndjson');
  const watch = spawn(process.execPath, [command, 'watch', '--native', '--events', events, ...QUICK, '--', process.execPath, leaky, LEAK_BYTES_PER_50_MS], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  // SIGTERM, which the watcher passes on: the program would outlive a SIGKILLed watcher.
  t.after(() => watch.kill('SIGTERM'));
  let stderr = '';
  watch.stderr.on('data', (d) => (stderr += d));
  const ended = new Promise((resolve) => watch.on('close', resolve));
  // Whole lines only: the watcher may be writing the next one.
  const lines = () => (fs.existsSync(events) ? fs.readFileSync(events, 'utf8').split('\n').slice(0, -1) : []);
  const leakEvent = () => lines().map((line) => JSON.parse(line)).find((e) => e.type === 'leak');
  // The watcher writes the event, then the whole report on stderr at once.
  await waitFor(() => leakEvent() !== undefined && stderr.includes('leakwatch: leak in'), { timeoutMs: 30_000, what: 'the leak report' });
  watch.kill('SIGTERM');
  await ended;

  const leak = leakEvent();
  assert.equal(leak.memory, 'native', leak.reason);
  assert.ok(leak.nativeStacks.length > 0, `no native stacks: ${stderr}`);
  const [top] = leak.nativeStacks;
  assert.ok(top.growthBytes > 0 && top.estimatedBytes >= top.growthBytes && top.samples > 0, JSON.stringify(top));
  assert.equal(path.basename(top.frames[0].file), 'libleakwatch_test_addon.so', JSON.stringify(top.frames));
  assert.equal(top.frames[0].function, 'leakwatch_test_addon::leak', JSON.stringify(top.frames));
  // Below the addon, node's own code that called it, named too, and the stack goes on through
  // V8's frames (along their frame pointers) to the event loop.
  assert.ok(top.frames.some((frame) => frame.file === fs.realpathSync(process.execPath) && frame.function), JSON.stringify(top.frames));
  assert.ok(top.frames.length >= 8, `${top.frames.length} frames: ${JSON.stringify(top.frames)}`);
  assert.match(stderr, /native stacks whose live memory grew .*\n {2}1\. \+\S+ \S+ live .*\n {7}leakwatch_test_addon::leak \(.*libleakwatch_test_addon\.so\)/);
});

test('the allocator shim is in the watched process with --native, and only then', { skip }, () => {
  assert.equal(unavailable, null, unavailable ?? '');
  const mapsHaveShim = `console.log(require('fs').readFileSync('/proc/self/maps', 'utf8').includes(${JSON.stringify(SHIM_FILE)}))`;
  const run = (...flags) => spawnSync(process.execPath, [command, 'watch', ...flags, '--', process.execPath, '-e', mapsHaveShim], { cwd: root, encoding: 'utf8' });
  const [plain, native] = [run(), run('--native')];
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(plain.stdout.trim(), 'false');
  assert.equal(native.status, 0, native.stderr);
  assert.equal(native.stdout.trim(), 'true');
});
