'use strict';
// `leakwatch attach` on a program started plainly: attached through the inspector SIGUSR1
// opens, a leak found, detached, and the program left as it was. The tests run one at a time:
// they share the inspector's port, 9229.
// May run beside one other alone run: it is light on the CPU, and its claims of time are loose.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('../../helpers/child');
const { waitFor } = require('../../helpers/wait');

const command = path.join(root, 'lib', 'cli', 'main.js');
const rustBinary = path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'release', 'leakwatch');
const fixtures = path.join(root, 'test', 'fixtures', 'watch');
const children = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `file` with node, no flag at all, collecting its output. */
function start(args, { node = true } = {}) {
  const child = spawn(node ? process.execPath : args[0], node ? args : args.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const run = { child, stdout: '', stderr: '', exit: null };
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  run.ended = new Promise((resolve) => child.on('close', (code, signal) => resolve((run.exit = { code, signal }))));
  return run;
}

/** The target's own account of itself (attach-target.cjs prints it on SIGUSR2). */
async function stateOf(target) {
  const lines = () => target.stdout.split('\n').filter((line) => line.startsWith('{'));
  const before = lines().length;
  target.child.kill('SIGUSR2');
  await waitFor(() => lines().length > before, { what: "the target's state" });
  return JSON.parse(lines().at(-1));
}

/** leakwatch's JavaScript classes: none may be left in the program's heap after detaching. */
const LEAKWATCH_CLASSES = ['LeakWatch', 'GcWatcher', 'LeakTracker', 'CulpritHunt', 'HeapDiff', 'AllocationSampler', 'MetricsCollector', 'GcStats', 'GcDurations', 'LeakSnapshots', 'InProcessSource', 'SeriesRing', 'FieldColumn'];

/** The class names of the snapshot at `file`, by `leakwatch summary --json`. */
function classesOf(file) {
  const summary = spawnSync(rustBinary, ['summary', file, '--json'], { encoding: 'utf8' });
  assert.equal(summary.status, 0, summary.stderr);
  return JSON.parse(summary.stdout).classes.map((row) => row.name);
}

test('attach to a plain program, find its leak, detach: the program runs on as it was', { timeout: 150_000 }, async () => {
  const snapshots = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-attach-'));
  after(() => fs.rmSync(snapshots, { recursive: true, force: true }));
  const target = start([path.join(fixtures, 'attach-target.cjs'), snapshots]);
  await waitFor(() => target.stdout.includes('ready'), { what: 'the target to start' });
  const beforeState = await stateOf(target);
  assert.equal(beforeState.inspectorUrl, null);

  const attached = start([command, 'attach', '--min-window-ms', '6000', '--probe-budget', '0.05', String(target.child.pid)]);
  await waitFor(() => /leakwatch: leak in pid \d+/.test(attached.stderr) || attached.exit, { timeoutMs: 120_000, what: 'a leak report' });
  assert.match(attached.stderr, new RegExp(`attached to pid ${target.child.pid}, whose inspector it opened on port 9229`));
  assert.match(attached.stderr, /\n  1\. .+: \+\d+ objects/);
  const attachedState = await stateOf(target);
  attached.child.kill('SIGINT');
  assert.deepEqual(await attached.ended, { code: 0, signal: null }, attached.stderr);
  assert.match(attached.stderr, new RegExp(`detached from pid ${target.child.pid}\\n$`));

  // The inspector closes on the target's own thread once the connection is gone.
  let afterState;
  for (let i = 0; i < 100 && (afterState = await stateOf(target)).inspectorUrl !== null; i++);
  assert.equal(afterState.inspectorUrl, null);
  assert.deepEqual(afterState.resources, beforeState.resources);
  assert.deepEqual(afterState.leakwatchModules, []);
  assert.equal(afterState.instance, false);
  // Read as it is, with no self-exclusion: the addon's class constructors may stay cached by V8,
  // as the addon's library stays mapped, but no object of leakwatch's scripts.
  assert.deepEqual(classesOf(afterState.snapshot).filter((name) => LEAKWATCH_CLASSES.includes(name)), []);
  assert.ok(classesOf(attachedState.snapshot).includes('LeakWatch'), 'while attached, the same check sees leakwatch');
  assert.equal(target.exit, null, 'the target still runs');
  assert.match(target.stderr, /Debugger listening on ws:\/\/127\.0\.0\.1:9229\//);
  target.child.kill('SIGTERM');
  await target.ended;
});

test('attach --diff: two snapshots through the inspector, printed as leakwatch diff prints; the inspector closed after, and again after each of eight more', { timeout: 120_000 }, async () => {
  const target = start([path.join(fixtures, 'attach-target.cjs')]);
  await waitFor(() => target.stdout.includes('ready'), { what: 'the target to start' });
  const run = start([command, 'attach', '--diff', '2s', String(target.child.pid)]);
  assert.deepEqual(await run.ended, { code: 0, signal: null }, run.stderr);
  assert.match(run.stdout, /^before: [\d,]+ nodes, .*\nafter: +[\d,]+ nodes/);
  assert.match(run.stdout, /\nOrder +[\d,]+ +0 +\+/);
  let state;
  for (let i = 0; i < 100 && (state = await stateOf(target)).inspectorUrl !== null; i++);
  assert.equal(state.inspectorUrl, null);

  // Attached and detached again and again: Node 20's inspector crashed the process in about
  // one detach in eight while the client closed the connection its own way.
  for (let cycle = 0; cycle < 8; cycle++) {
    const again = start([command, 'attach', '--diff', '0s', String(target.child.pid)]);
    assert.deepEqual(await again.ended, { code: 0, signal: null }, again.stderr);
    assert.equal(target.exit, null, `the target ended in cycle ${cycle}: ${target.stderr}`);
  }
  target.child.kill('SIGTERM');
  await target.ended;
});

test('attach refuses, in one line with status 2: no such process, not Node.js, a bad pid', async () => {
  const sleeper = start(['sleep', '30'], { node: false });
  const cases = [
    [['999999999'], /^leakwatch: error: no process with pid 999999999\n$/],
    [[String(sleeper.child.pid)], new RegExp(`^leakwatch: error: pid ${sleeper.child.pid} is not Node.js \\(it runs sleep\\)\\n$`)],
    [['abc'], /^leakwatch: error: attach takes one process id: leakwatch attach \[options\] PID\n$/],
  ];
  for (const [args, message] of cases) {
    const run = start([command, 'attach', ...args]);
    assert.deepEqual(await run.ended, { code: 2, signal: null }, run.stderr);
    assert.match(run.stderr, message);
  }
  sleeper.child.kill('SIGTERM');
});

test('attach refuses when port 9229 is taken by another process, leaving the target alone', async () => {
  const net = require('node:net');
  const taken = net.createServer();
  await new Promise((resolve) => taken.listen(9229, '127.0.0.1', resolve));
  const target = start(['-e', "setInterval(() => {}, 1000); console.log('ready')"]);
  await waitFor(() => target.stdout.includes('ready'), { what: 'the target to start' });
  const run = start([command, 'attach', String(target.child.pid)]);
  assert.deepEqual(await run.ended, { code: 2, signal: null }, run.stderr);
  taken.close();
  assert.match(run.stderr, new RegExp(`^leakwatch: error: port 9229 is taken by another process, so pid ${target.child.pid} cannot open its inspector there: .*\n$`));
  assert.equal(target.exit, null);
  assert.doesNotMatch(target.stderr, /Debugger listening/);
  target.child.kill('SIGTERM');
  await target.ended;
});
