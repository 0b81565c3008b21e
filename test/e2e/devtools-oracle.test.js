'use strict';
// leakwatch's Summary is Chrome DevTools' Summary. heap-snapshot-toolkit runs DevTools' own heap
// snapshot code (front_end/entrypoints/heap_snapshot_worker), and on real snapshots every class of
// DevTools' Summary must be a row of `leakwatch summary --json` with the same name, constructor
// location, count, shallow size and retained size, and every row of leakwatch a class of DevTools'.
// The snapshots: test/fixtures/devtools-oracle-program.js under each Node.js binary the suite runs
// under, and a page with attached and detached DOM elements in headless Chromium.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('../helpers/child');
const { skipOutsideCi } = require('../helpers/ci');

const cli = path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'release', 'leakwatch');
const program = path.join(root, 'test', 'fixtures', 'devtools-oracle-program.js');
const CHROMIUM = '/usr/bin/chromium';

/** The program's classes, by the names DevTools gives them: if one is missing, the snapshot did
 * not hold what this test is about. */
const PROGRAM_CLASSES = ['Account', 'Twin', '{name, email}', '{x, y}', '{"a,b", "it\'s", "say \\"hi\\"", "{braces}", plain}'];

/** A page whose snapshot has elements with attributes, attached and detached, and detached text. */
const PAGE = `<body><div id="app"><p class="intro">hello</p></div><script>
  class Widget { constructor(element) { this.element = element; this.options = { color: 'red' }; } }
  const app = document.getElementById('app');
  for (let i = 0; i < 20; i++) {
    const item = document.createElement('div');
    item.id = 'item-' + i;
    item.innerHTML = '<span class="label">item</span><b>' + i + '</b>';
    app.appendChild(item);
  }
  window.detached = [];
  for (let i = 0; i < 30; i++) {
    const list = document.createElement('div');
    list.className = 'gone';
    list.innerHTML = '<ul><li>one</li><li>two</li></ul>';
    window.detached.push(new Widget(list));
  }
  window.removed = document.getElementById('item-3');
  window.removed.remove();
</script></body>`;

let dir;
test.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-devtools-'));
});
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * DevTools' Summary of the snapshot at `file`, by class key: `scriptId,line,column,name` (from 0)
 * for objects whose constructor V8 located, `,name` for the others, as DevTools keys its rows.
 */
async function devtoolsSummary(file) {
  const { parse } = await import('heap-snapshot-toolkit');
  const snapshot = await parse(fs.createReadStream(file, 'utf-8'));
  const rows = new Map();
  for (const [key, row] of Object.entries(snapshot.aggregatesWithFilter({}))) {
    rows.set(key, { count: row.count, shallowSize: row.self, retainedSize: row.maxRet });
  }
  return rows;
}

/** leakwatch's summary of the snapshot at `file`, keyed as DevTools keys it. */
function leakwatchSummary(file) {
  const r = spawnSync(cli, ['summary', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  const rows = new Map();
  for (const row of JSON.parse(r.stdout).classes) {
    const at = row.location;
    const key = at ? `${at.script_id},${at.line - 1},${at.column - 1},${row.name}` : `,${row.name}`;
    assert.ok(!rows.has(key), `two rows for ${key}`);
    rows.set(key, { count: row.count, shallowSize: row.shallow_size, retainedSize: row.retained_size });
  }
  return rows;
}

/** The class names in `rows`. */
const names = (rows) => [...rows.keys()].map((key) => (key.startsWith(',') ? key.slice(1) : key.split(',').slice(3).join(',')));

/** Asserts that leakwatch's summary of `file` is DevTools', class by class; returns DevTools'. */
async function assertSameSummary(file) {
  const devtools = await devtoolsSummary(file);
  const leakwatch = leakwatchSummary(file);
  const differences = [];
  for (const key of new Set([...devtools.keys(), ...leakwatch.keys()])) {
    const [expected, actual] = [devtools.get(key), leakwatch.get(key)];
    if (!expected || !actual || JSON.stringify(expected) !== JSON.stringify(actual)) {
      differences.push({ class: key, devtools: expected ?? 'absent', leakwatch: actual ?? 'absent' });
    }
  }
  assert.deepEqual(differences, [], `${differences.length} of ${devtools.size} classes differ`);
  return devtools;
}

// Under the Node running this file: test/run.js runs the end-to-end tier under the oldest and
// the newest Node tested.
test(`the Summary of a Node ${process.version} program is DevTools' Summary`, async () => {
  const file = path.join(dir, 'node.heapsnapshot');
  const made = spawnSync(process.execPath, [program, file], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const devtools = await assertSameSummary(file);
  const classes = names(devtools);
  for (const name of PROGRAM_CLASSES) assert.ok(classes.includes(name), `no class ${name} in ${classes.join(' | ')}`);
  assert.equal(classes.filter((name) => name === 'Twin').length, 2, 'the two Twin classes are apart');
});

const NO_CHROMIUM = `${CHROMIUM} is absent: install Debian's chromium package (.ci/run does)`;
test("the Summary of a Chromium page is DevTools' Summary", { skip: skipOutsideCi(fs.existsSync(CHROMIUM), NO_CHROMIUM) }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), NO_CHROMIUM);
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
      '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.setContent(PAGE);
  const cdp = await page.context().newCDPSession(page);
  const chunks = [];
  cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  const file = path.join(dir, 'chromium.heapsnapshot');
  fs.writeFileSync(file, chunks.join(''));

  const classes = names(await assertSameSummary(file));
  for (const name of ['Widget', '<div>', 'Detached <div>', 'Detached <li>', 'Detached Text']) {
    assert.ok(classes.includes(name), `no class ${name} in ${classes.join(' | ')}`);
  }
});
