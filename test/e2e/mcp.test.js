'use strict';
// `leakwatch mcp` (lib/mcp/server.js) driven by the official MCP SDK's client over stdio: every
// tool, each answering the JSON the `leakwatch` command prints with --json.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const { runNode } = require('../helpers/child');

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'target', 'release', 'leakwatch');

/** What `leakwatch ARGS --json` prints, parsed: the answer each tool must give. */
async function cliJson(args) {
  const { stdout } = await run(cli, [...args, '--json'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
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

test('leakwatch mcp: summary, diff, retainers and findLeaks answer the --json reports; bad input answers one-line errors', async (t) => {
  assert.ok(fs.existsSync(cli), 'target/release/leakwatch is built (npm run build)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-mcp-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const before = path.join(dir, 'before.heapsnapshot');
  const after = path.join(dir, 'after.heapsnapshot');
  const final = path.join(dir, 'final.heapsnapshot');
  const made = await runNode(threeSnapshots(before, after, final), { timeoutMs: 60_000 });
  assert.equal(made.code, 0, made.stderr);

  const client = new Client({ name: 'leakwatch-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(root, 'lib', 'mcp', 'server.js')], stderr: 'pipe' }));
  t.after(() => client.close());

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), ['diff', 'findLeaks', 'retainers', 'summary']);
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
