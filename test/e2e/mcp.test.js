'use strict';
// `leakwatch mcp` (lib/mcp/server.js) driven by the official MCP SDK's client over stdio: the
// report tools, each answering the JSON the `leakwatch` command prints with --json, and a watch
// session on a leaking program, side by side (the session needs most of the file's time).
const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const { runNode } = require('../helpers/child');
const { waitFor } = require('../helpers/wait');

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'target', 'release', 'leakwatch');

/** What `leakwatch ARGS --json` prints, parsed: the answer each tool must give. */
async function cliJson(args) {
  const { stdout } = await run(cli, [...args, '--json'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** Starts `leakwatch mcp` and connects the SDK's client to it; closed when `t` ends. */
async function connectClient(t) {
  const client = new Client({ name: 'leakwatch-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(root, 'lib', 'mcp', 'server.js')], stderr: 'pipe' }));
  t.after(() => client.close());
  return client;
}

/** Whether process `pid` is running. */
function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Calls `step` until it resolves to something other than undefined, and resolves to that; fails
 * after `timeoutMs`. A short pause between calls leaves the CPU to the program being watched.
 */
async function poll(step, { timeoutMs, what }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await step();
    if (found !== undefined) return found;
    assert.ok(Date.now() < deadline, `${what} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The tool's answer: the parsed JSON of its one text item, or the text of an error. */
async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.content.length, 1);
  const { text } = result.content[0];
  return result.isError ? { error: text } : { json: JSON.parse(text) };
}

// Three snapshots of one process: 3,000 McpHeld objects kept between the first two, and still
// kept at the third, next to 1,000 McpDropped made with them and let go.
const threeSnapshots = (before, after, final) => `
  const v8 = require('node:v8');
  v8.writeHeapSnapshot(${JSON.stringify(before)});
  class McpHeld { constructor(i) { this.i = i; this.label = 'held ' + i; } }
  class McpDropped { constructor(i) { this.i = i; } }
  globalThis.held = Array.from({ length: 3000 }, (_, i) => new McpHeld(i));
  globalThis.dropped = Array.from({ length: 1000 }, (_, i) => new McpDropped(i));
  v8.writeHeapSnapshot(${JSON.stringify(after)});
  globalThis.dropped = null;
  v8.writeHeapSnapshot(${JSON.stringify(final)});`;

describe('leakwatch mcp', { concurrency: true, timeout: 90_000 }, () => {
  test('leakwatch mcp: summary, diff, retainers and findLeaks answer the --json reports; bad input answers one-line errors', async (t) => {
    assert.ok(fs.existsSync(cli), 'target/release/leakwatch is built (npm run build)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-mcp-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const before = path.join(dir, 'before.heapsnapshot');
    const after = path.join(dir, 'after.heapsnapshot');
    const final = path.join(dir, 'final.heapsnapshot');
    const made = await runNode(threeSnapshots(before, after, final), { timeoutMs: 60_000 });
    assert.equal(made.code, 0, made.stderr);

    const client = await connectClient(t);

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['attach', 'diff', 'findLeaks', 'retainers', 'sessionEvents', 'stopSession', 'summary', 'watch']);
    for (const tool of tools) assert.equal(tool.inputSchema.type, 'object', tool.name);

    assert.deepEqual(await call(client, 'summary', { file: after, top: 5 }), { json: await cliJson(['summary', after, '--top', '5']) });
    const diff = await call(client, 'diff', { before, after });
    assert.deepEqual(diff, { json: await cliJson(['diff', before, after]) });
    assert.ok(diff.json.change.details.some((row) => row.what === 'McpHeld' && row['+'] >= 3000), 'the diff finds the 3,000 McpHeld');
    assert.deepEqual(
      await call(client, 'retainers', { file: after, class: 'McpHeld', paths: 2 }),
      { json: await cliJson(['retainers', after, '--class', 'McpHeld', '--paths', '2']) },
    );

    const leaks = await call(client, 'findLeaks', { baseline: before, target: after, final });
    assert.deepEqual(leaks, { json: await cliJson(['find-leaks', before, after, final]) });
    const leakedClasses = leaks.json.groups.map((group) => group.class);
    assert.ok(leaks.json.groups.some((group) => group.class === 'McpHeld' && group.count === 3000), 'findLeaks finds the 3,000 McpHeld still kept');
    assert.ok(!leakedClasses.includes('McpDropped'), 'findLeaks leaves out the McpDropped let go');

    const missing = path.join(dir, 'missing.heapsnapshot');
    const unreadable = await call(client, 'summary', { file: missing });
    assert.match(unreadable.error, /^leakwatch: error: .*missing\.heapsnapshot: cannot open/);
    assert.equal(unreadable.error.split('\n').length, 1);
    assert.deepEqual(await call(client, 'retainers', { file: after }), { error: 'retainers takes one of `id` and `class`' });
    assert.deepEqual(await call(client, 'summary', { file: after, top: 0 }), { error: '`top` must be an integer of at least 1' });
    assert.deepEqual(await call(client, 'findLeaks', { baseline: before, target: after }), { error: '`final` must be a non-empty string' });
    assert.match((await call(client, 'explain', {})).error, /^no tool named "explain"/);
  });

  test('leakwatch mcp: a watch session reports the leak of a leaking program and stops it; bad session input answers one-line errors', async (t) => {
    const client = await connectClient(t);
    const leaky = path.join(root, 'test', 'fixtures', 'watch', 'leaky.cjs');
    // A shorter window and more probes than the defaults, as the watch e2e test uses, to find the leak sooner.
    const options = ['--min-window-ms', '6000', '--probe-budget', '0.05'];
    const started = await call(client, 'watch', { command: [process.execPath, leaky], options });
    assert.match(started.json.session, /^watch-\d+$/, JSON.stringify(started));
    const { session } = started.json;

    // Polled: the leak comes when the detector has seen enough of the growth.
    const events = [];
    const leak = await poll(async () => {
      const { json } = await call(client, 'sessionEvents', { session, from: events.length });
      assert.equal(json.running, true, JSON.stringify(json));
      assert.equal(json.next, events.length + json.events.length);
      events.push(...json.events);
      return events.find((event) => event.type === 'leak');
    }, { timeoutMs: 60_000, what: 'a leak event' });
    const [start] = events;
    assert.equal(start.type, 'start');
    assert.ok(start.command.some((part) => part.endsWith('leaky.cjs')), JSON.stringify(start.command));
    assert.equal(leak.pid, start.pid);
    assert.ok(leak.growth > 0 && Array.isArray(leak.suspects), JSON.stringify(leak));

    const stopped = await call(client, 'stopSession', { session });
    assert.equal(stopped.json.session, session);
    assert.equal(stopped.json.wasRunning, true);
    // The watcher ends as its program did: killed by the SIGINT it passed on.
    assert.deepEqual(stopped.json.exit, { code: null, signal: 'SIGINT' }, JSON.stringify(stopped));
    assert.match(stopped.json.stderr, /killed by SIGINT: 1 leak reported/);
    assert.ok(stopped.json.events >= events.length);
    assert.equal(isRunning(start.pid), false, 'the watched program ended with its session');
    assert.match((await call(client, 'sessionEvents', { session })).error, new RegExp(`^no session "${session}"`));
    assert.match((await call(client, 'stopSession', { session })).error, new RegExp(`^no session "${session}"`));

    assert.deepEqual(await call(client, 'watch', { command: [] }), { error: '`command` must name the program to run, e.g. ["node", "app.js"]' });
    assert.deepEqual(await call(client, 'watch', { command: 'node app.js' }), { error: '`command` must be an array of strings' });
    assert.deepEqual(
      await call(client, 'watch', { command: [process.execPath, leaky], options: ['--events', 'x.ndjson'] }),
      { error: '`options` must not hold --events: the session writes the events file itself' },
    );
    assert.deepEqual(await call(client, 'attach', { pid: 0 }), { error: '`pid` must be a process id (an integer of at least 1), not 0' });
    assert.deepEqual(await call(client, 'attach', { pid: '4211' }), { error: '`pid` must be a process id (an integer of at least 1), not "4211"' });
    // A pid past Linux's highest (2^22), so that no process has it.
    assert.deepEqual(await call(client, 'attach', { pid: 2 ** 22 + 1 }), { error: `no process with pid ${2 ** 22 + 1}` });
    assert.match((await call(client, 'sessionEvents', { session: 'watch-999' })).error, /^no session "watch-999" \(none is running\)$/);

    // A command that cannot run: the session ends at once, and says why.
    const failed = (await call(client, 'watch', { command: [path.join(root, 'no-such-program')] })).json.session;
    const ended = await poll(async () => {
      const { json } = await call(client, 'sessionEvents', { session: failed });
      return json.running ? undefined : json;
    }, { timeoutMs: 15_000, what: 'the end of a session whose command cannot run' });
    assert.deepEqual(ended.exit, { code: 2, signal: null });
    assert.match(ended.stderr, /^leakwatch: error: cannot run '.*no-such-program': no such executable file$/);
    assert.equal((await call(client, 'stopSession', { session: failed })).json.wasRunning, false);
  });

  test('leakwatch mcp: a session still running when the server exits is stopped with it', async (t) => {
    const client = await connectClient(t);
    const leaky = path.join(root, 'test', 'fixtures', 'watch', 'leaky.cjs');
    const { json } = await call(client, 'watch', { command: [process.execPath, leaky] });
    const start = await poll(
      async () => (await call(client, 'sessionEvents', { session: json.session })).json.events[0],
      { timeoutMs: 20_000, what: 'the start event' },
    );
    assert.equal(isRunning(start.pid), true);
    await client.close();
    await waitFor(() => !isRunning(start.pid) && !isRunning(json.watcherPid), { timeoutMs: 15_000, what: 'the program and its watcher to end' });
  });
});
