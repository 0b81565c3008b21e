'use strict';
// `leakwatch watch` on real programs: leaks found from outside the program (CommonJS, ES module,
// a cluster worker), clean programs left alone, and the program's stdout, arguments, exit status
// and signals passed through. The leak cases each need ~20 s of the program's time, so every
// case starts at once and they run side by side.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('../helpers/child');
const { waitFor } = require('../helpers/wait');

const command = path.join(root, 'lib', 'cli', 'main.js');
const fixtures = path.join(root, 'test', 'fixtures', 'watch');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-watch-'));
const LEAK_TIMEOUT_MS = 90_000;
/** The programs run on the node running the tests, whatever `node` is on PATH. */
const node = process.execPath;
// A shorter window and more probes than the defaults: the leaks here are found in about half the
// time, and the options reach the program through the command line, as a user's would.
const QUICK = ['--min-window-ms', '6000', '--probe-budget', '0.05'];
/** Every run started, so that a failed test leaves no program running. */
const runs = [];
after(() => {
  for (const run of runs) if (run.exit === null) run.child.kill('SIGTERM');
});

process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts `leakwatch watch ARGS`; the returned run collects its output and how it ended. */
function startWatch(args, { stdin = 'ignore' } = {}) {
  const child = spawn(process.execPath, [command, 'watch', ...args], { cwd: root, stdio: [stdin, 'pipe', 'pipe'] });
  const run = { child, stdout: '', stderr: '', exit: null };
  runs.push(run);
  child.stdout.on('data', (d) => (run.stdout += d));
  child.stderr.on('data', (d) => (run.stderr += d));
  run.ended = new Promise((resolve) => child.on('close', (code, signal) => resolve((run.exit = { code, signal }))));
  return run;
}

function eventsOf(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** The fields every event has, and those of its type, as the README documents them. */
function assertEventShape(event) {
  assert.equal(typeof event.type, 'string');
  assert.ok(Number.isInteger(event.time) && Math.abs(event.time - Date.now()) < 600_000, `time of ${JSON.stringify(event)}`);
  assert.ok(Number.isInteger(event.pid), `pid of ${event.type}`);
  if (event.type === 'start') {
    assert.ok(Array.isArray(event.command) && event.command.every((part) => typeof part === 'string'));
    assert.match(event.node, /^v\d+\./);
    assert.ok(Number.isInteger(event.ppid));
  } else if (event.type === 'stats') {
    for (const field of ['num_full_gc', 'num_inc_gc', 'heap_compactions', 'usage_trend', 'estimated_base', 'current_base', 'min', 'max']) {
      assert.equal(typeof event[field], 'number', `stats.${field}`);
    }
  } else if (event.type === 'leak') {
    assert.equal(typeof event.reason, 'string');
    assert.ok(['heap', 'external'].includes(event.memory));
    for (const field of ['growth', 'rate_per_hour', 'confidence', 'samples', 'start_bytes', 'end_bytes']) assert.equal(typeof event[field], 'number', `leak.${field}`);
    assert.ok(!Number.isNaN(Date.parse(event.start)) && !Number.isNaN(Date.parse(event.end)));
    assert.ok(Array.isArray(event.suspects));
  } else if (event.type === 'warning') {
    assert.equal(typeof event.message, 'string');
  } else if (event.type === 'exit') {
    assert.ok(event.code === null || Number.isInteger(event.code));
    assert.ok(event.signal === null || typeof event.signal === 'string');
  } else {
    assert.fail(`unknown event type ${event.type}`);
  }
}

/** Asserts that the stderr report of `leak` shows its reason and its suspects, as the event gives them. */
function assertReportShows(stderr, leak) {
  assert.ok(leak, 'a leak event');
  assert.ok(stderr.includes(`: ${leak.reason}\n`), stderr);
  assert.ok(leak.suspects.length > 0, 'suspects');
  const [first] = leak.suspects;
  assert.ok(stderr.includes(`  1. ${first.class ?? '(class unknown)'}: +${first.count} objects`), stderr);
  if (first.site) assert.ok(stderr.includes(`allocated in ${first.site.function} (${first.site.file}:${first.site.line}:`), stderr);
}

describe('leakwatch watch', { concurrency: true, timeout: 180_000 }, () => {
  test('a leaky CommonJS program: the leak is reported with its suspects, SIGTERM reaches it, --fail-on-leak exits 3', async () => {
    const events = path.join(dir, 'leaky-cjs.ndjson');
    const run = startWatch([...QUICK, '--fail-on-leak', '--events', events, '--', node, path.join(fixtures, 'leaky.cjs')]);
    await waitFor(() => /leakwatch: leak in pid \d+/.test(run.stderr) || run.exit, { timeoutMs: LEAK_TIMEOUT_MS, what: 'a leak report' });
    run.child.kill('SIGTERM');
    const exit = await run.ended;
    assert.deepEqual(exit, { code: 3, signal: null }, run.stderr);
    assert.equal(run.stdout, 'ready\n');
    const all = eventsOf(events);
    all.forEach(assertEventShape);
    const [start] = all;
    assert.equal(start.type, 'start');
    assert.match(run.stderr, new RegExp(`leakwatch: watching pid ${start.pid} \\(\\S*node .*leaky\\.cjs\\)`));
    const leak = all.find((event) => event.type === 'leak');
    assert.equal(leak.pid, start.pid);
    // Which suspects come first is the library's to say; the report shows what it said.
    assertReportShows(run.stderr, leak);
    assert.ok(all.some((event) => event.type === 'stats'));
    assert.deepEqual(all.at(-1), { type: 'exit', time: all.at(-1).time, pid: start.pid, code: null, signal: 'SIGTERM' });
  });

  test('a leaky ES module: the leak is reported; without --fail-on-leak leakwatch dies of the SIGTERM that killed it', async () => {
    const events = path.join(dir, 'leaky-esm.ndjson');
    const run = startWatch([...QUICK, '--events', events, '--', node, path.join(fixtures, 'leaky.mjs')]);
    await waitFor(() => /leakwatch: leak in pid \d+/.test(run.stderr) || run.exit, { timeoutMs: LEAK_TIMEOUT_MS, what: 'a leak report' });
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.ended, { code: null, signal: 'SIGTERM' }, run.stderr);
    assert.equal(run.stdout, 'ready true\n');
    assertReportShows(run.stderr, eventsOf(events).find((event) => event.type === 'leak'));
    assert.match(run.stderr, /killed by SIGTERM: 1 leak reported/);
  });

  test('a cluster of 2 workers, one leaking: the report names that worker, each process is its own series', async () => {
    const events = path.join(dir, 'cluster.ndjson');
    const run = startWatch([...QUICK, '--events', events, '--', node, path.join(fixtures, 'cluster.cjs')]);
    await waitFor(() => /leakwatch: leak in pid \d+/.test(run.stderr) || run.exit, { timeoutMs: LEAK_TIMEOUT_MS, what: 'a leak report' });
    run.child.kill('SIGTERM');
    await run.ended;
    const leakingPid = Number(/leaking (\d+)/.exec(run.stdout)?.[1]);
    const cleanPid = Number(/clean (\d+)/.exec(run.stdout)?.[1]);
    const all = eventsOf(events);
    all.forEach(assertEventShape);
    const started = all.filter((event) => event.type === 'start').map((event) => event.pid);
    // The primary and both workers.
    assert.equal(started.length, 3, JSON.stringify(started));
    assert.ok(started.includes(leakingPid) && started.includes(cleanPid), JSON.stringify(started));
    const leaks = all.filter((event) => event.type === 'leak');
    assert.deepEqual([...new Set(leaks.map((event) => event.pid))], [leakingPid]);
    assert.match(run.stderr, new RegExp(`leakwatch: leak in pid ${leakingPid} \\(\\S*node .*cluster\\.cjs\\)`));
  });

  test('a clean program busy for 20 s: no leak, its stdout, arguments and exit status untouched', async () => {
    const run = startWatch([...QUICK, '--fail-on-leak', '--', node, path.join(fixtures, 'clean.cjs'), '20', 'a b']);
    assert.deepEqual(await run.ended, { code: 7, signal: null }, run.stderr);
    assert.equal(run.stdout, 'done ["20","a b"]\n');
    assert.doesNotMatch(run.stderr, /leak in/);
    assert.match(run.stderr, /exited with code 7: 0 leaks reported, \d+ full GCs watched/);
  });

  test('an ES module that exits at once: its status and stdout pass through', async () => {
    const run = startWatch(['--', node, path.join(fixtures, 'clean.mjs'), '--flag']);
    assert.deepEqual(await run.ended, { code: 5, signal: null }, run.stderr);
    assert.equal(run.stdout, 'esm ["--flag"]\n');
  });

  test("a program's own require('leakwatch') is the watcher's instance", async () => {
    const run = startWatch(['--', node, path.join(fixtures, 'requires-leakwatch.cjs'), root]);
    assert.deepEqual(await run.ended, { code: 0, signal: null }, run.stderr);
    assert.equal(run.stdout, 'shared true\n');
  });

  test('stdin reaches the program, and SIGINT sent to leakwatch reaches it too', async () => {
    const program = "process.stdin.on('data', (d) => console.log(String(d).trim().toUpperCase())); process.on('SIGINT', () => { console.log('interrupted'); process.exit(9); }); console.log('listening')";
    const run = startWatch(['--', node, '-e', program], { stdin: 'pipe' });
    await waitFor(() => run.stdout.includes('listening') || run.exit, { what: 'the program to start' });
    run.child.stdin.write('hello\n');
    await waitFor(() => run.stdout.includes('HELLO') || run.exit, { what: 'the echo' });
    run.child.kill('SIGINT');
    assert.deepEqual(await run.ended, { code: 9, signal: null }, run.stderr);
    assert.equal(run.stdout, 'listening\nHELLO\ninterrupted\n');
  });

  test('worker threads are skipped: one series for the process, the worker runs and answers', async () => {
    const events = path.join(dir, 'worker.ndjson');
    const program = "const { Worker } = require('node:worker_threads'); new Worker('require(\"node:worker_threads\").parentPort.postMessage(Object.hasOwn(globalThis, Symbol.for(\"leakwatch.instance\")))', { eval: true }).on('message', (m) => console.log('worker has leakwatch: ' + m))";
    const run = startWatch(['--events', events, '--', node, '-e', program]);
    assert.deepEqual(await run.ended, { code: 0, signal: null }, run.stderr);
    assert.equal(run.stdout, 'worker has leakwatch: false\n');
    assert.equal(eventsOf(events).filter((event) => event.type === 'start').length, 1);
  });

  test('a script node cannot find: node says so, and leakwatch exits with its status', async () => {
    const run = startWatch(['--', node, path.join(dir, 'missing.js')]);
    assert.deepEqual(await run.ended, { code: 1, signal: null });
    assert.match(run.stderr, /Cannot find module/);
  });

  test('bad input: one line, exit 2, the program not started', async () => {
    const marker = path.join(dir, 'started');
    const program = [node, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`];
    const cases = [
      [[], /^leakwatch: error: no command to watch: /],
      [['--', 'no-such-program-here'], /^leakwatch: error: cannot find 'no-such-program-here' on PATH$/],
      [['--min-rate', 'fast', '--', ...program], /^leakwatch: error: --min-rate takes a number, 'auto', true or false, not 'fast'$/],
      [['--sensitivity', '-1', '--', ...program], /^leakwatch: error: .*sensitivity.*$/],
      [['--events', path.join(dir, 'no', 'such', 'dir', 'e.ndjson'), '--', ...program], /^leakwatch: error: --events .*: cannot write it \(ENOENT\)$/],
      [['--bogus', '--', ...program], /^leakwatch: error: unknown option '--bogus' \(see leakwatch watch --help\)$/],
    ];
    for (const [args, message] of cases) {
      const run = startWatch(args);
      assert.deepEqual(await run.ended, { code: 2, signal: null }, `${args.join(' ')}: ${run.stderr}`);
      const lines = run.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], message);
    }
    assert.equal(fs.existsSync(marker), false);
  });

  test("--dashboard: the program's dashboard is served by the watcher, its actions reach the program", async () => {
    const program = "setInterval(() => {}, 1000); console.log('up')";
    const run = startWatch(['--dashboard', '0', '--', node, '-e', program]);
    await waitFor(() => /dashboard of pid \d+ on http/.test(run.stderr) || run.exit, { timeoutMs: 60_000, what: 'the dashboard' });
    const [, pid, url] = /dashboard of pid (\d+) on (http\S+)/.exec(run.stderr) ?? [];
    assert.ok(url, run.stderr);
    const state = async () => (await fetch(`${url}api/state`)).json();
    // Polled: the samples come every 333 ms once the program's data source runs.
    let current;
    const deadline = Date.now() + 60_000;
    while (!(current = await state()).series.sample.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(current.hello.pid, Number(pid));
    assert.ok(current.series.sample.length > 0, 'samples of the program');
    const origin = new URL(url).origin;
    const diff = await fetch(`${url}api/diff`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: '{}' });
    assert.equal(diff.status, 200);
    assert.ok(Array.isArray((await diff.json()).result.rows));
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.ended, { code: null, signal: 'SIGTERM' });
  });

  test('TypeScript under --experimental-strip-types: watched, its output and status untouched', { skip: !process.allowedNodeEnvironmentFlags.has('--experimental-strip-types') && `node ${process.version} has no --experimental-strip-types` }, async () => {
    const events = path.join(dir, 'typed.ndjson');
    const run = startWatch(['--events', events, '--', node, '--experimental-strip-types', '--no-warnings', path.join(fixtures, 'typed.ts'), 'x']);
    assert.deepEqual(await run.ended, { code: 4, signal: null }, run.stderr);
    assert.equal(run.stdout, 'typed x\n');
    const [start] = eventsOf(events);
    assert.equal(start.type, 'start');
    assert.ok(start.command.includes('--experimental-strip-types'), JSON.stringify(start.command));
  });

  test('TypeScript through tsx: `node --import tsx` and the tsx command, whose node child is watched too', async () => {
    const imported = path.join(dir, 'tsx-import.ndjson');
    const viaImport = startWatch(['--events', imported, '--', node, '--import', 'tsx', path.join(fixtures, 'typed.ts'), 'x']);
    const launched = path.join(dir, 'tsx-command.ndjson');
    const viaCommand = startWatch(['--events', launched, '--', path.join(root, 'node_modules', '.bin', 'tsx'), path.join(fixtures, 'typed.ts'), 'y']);
    assert.deepEqual(await viaImport.ended, { code: 4, signal: null }, viaImport.stderr);
    assert.equal(viaImport.stdout, 'typed x\n');
    assert.deepEqual(eventsOf(imported).filter((event) => event.type === 'start').map((event) => event.command.slice(1, 3)), [['--import', 'tsx']]);
    assert.deepEqual(await viaCommand.ended, { code: 4, signal: null }, viaCommand.stderr);
    assert.equal(viaCommand.stdout, 'typed y\n');
    // The tsx command is a node process that starts node with tsx's loader: two series.
    const starts = eventsOf(launched).filter((event) => event.type === 'start');
    assert.equal(starts.length, 2, JSON.stringify(starts));
    assert.ok(starts.some((event) => event.command.some((arg) => arg.includes('tsx') && arg.includes('loader'))), JSON.stringify(starts));
    assert.ok(eventsOf(launched).some((event) => event.type === 'stats' && event.pid !== starts[0].pid), 'the program under tsx was watched');
  });

  test('--dashboard on a port in use: one line, exit 2, the program not started', async () => {
    const net = require('node:net');
    const taken = net.createServer();
    await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = /** @type {import('node:net').AddressInfo} */ (taken.address());
    const marker = path.join(dir, 'started-despite-dashboard');
    const run = startWatch(['--dashboard', String(port), '--', node, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`]);
    assert.deepEqual(await run.ended, { code: 2, signal: null });
    taken.close();
    assert.equal(run.stderr, `leakwatch: error: --dashboard: 127.0.0.1:${port} is already in use\n`);
    assert.equal(fs.existsSync(marker), false);
  });

  test('leakwatch watch --help lists the options with examples and says worker threads are not watched', async () => {
    const run = startWatch(['--help']);
    assert.deepEqual(await run.ended, { code: 0, signal: null });
    for (const option of ['--events', '--fail-on-leak', '--snapshot-on-leak', '--min-rate', '--sensitivity']) assert.ok(run.stdout.includes(option), option);
    assert.match(run.stdout, /Worker threads are not watched/);
    assert.match(run.stdout, /Examples:/);
  });
});
