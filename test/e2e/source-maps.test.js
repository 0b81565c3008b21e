'use strict';
// Source maps: a TypeScript program compiled by tsc (test/fixtures/source-maps) leaks UserSessions into
// a module-level array; its culprit site and its class's definition are reported in src/*.ts, run
// with and without --enable-source-maps, and the CLI says the same of its snapshots.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, jsonLines, root } = require('../helpers/child');

const fixture = path.join(root, 'test', 'fixtures', 'source-maps');
const source = (name) => path.join(fixture, 'src', name);
/** The 1-based line of `file` that starts with `start`. */
const lineOf = (file, start) => fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.trimStart().startsWith(start)) + 1;

// The hunt's own steps (lib/culprit/hunt.js) around a leak: sampling profile readings before and
// after, a HeapDiff with retainers, the suspects ranked from them; snapshots for the CLI.
const program = `
const v8 = require('node:v8');
const { HeapDiff } = require('.');
const { AllocationSampler } = require('./lib/culprit/sampler');
const { countsOf, grownSites } = require('./lib/culprit/profile');
const { suspectsFrom } = require('./lib/culprit/suspects');
const registry = require(process.env.DIST + '/registry.js');
const sampler = new AllocationSampler(1024, false);
const baseline = countsOf(sampler.read());
if (process.env.SNAPSHOTS) v8.writeHeapSnapshot(process.env.SNAPSHOTS + '/before.heapsnapshot');
const hd = new HeapDiff();
registry.openMany(5000);
// While the sampler runs, V8 keeps the objects' ids from one snapshot to the next.
if (process.env.SNAPSHOTS) v8.writeHeapSnapshot(process.env.SNAPSHOTS + '/after.heapsnapshot');
const last = sampler.read();
const diff = hd.end({ retainers: 3 });
sampler.stop();
const [top] = suspectsFrom(grownSites(baseline, last), diff, last);
console.log(JSON.stringify({ top, row: diff.change.details.find((row) => row.what === 'UserSession') }));
`;

test('a TypeScript program: the culprit site and its class are reported in src/*.ts, by the library and the CLI', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-source-maps-'));
  try {
    const dist = path.join(out, 'dist');
    // --noCheck: what matters here is the code and maps tsc emits; type-checking its lib files
    // would take most of the test's time.
    const tscArgs = [require.resolve('typescript/bin/tsc'), '-p', fixture, '--outDir', dist, '--noCheck'];
    const tsc = spawnSync(process.execPath, tscArgs, { encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    const sessionLine = lineOf(source('session.ts'), 'constructor(');
    const siteLine = lineOf(source('registry.ts'), 'export function openSession(');

    for (const args of [[], ['--enable-source-maps']]) {
      const snapshots = args.length === 0 ? out : '';
      const run = await runNode(program, { args, env: { DIST: dist, SNAPSHOTS: snapshots }, timeoutMs: 30_000 });
      assert.equal(run.code, 0, run.stderr);
      const [{ top, row }] = jsonLines(run.stdout);
      const context = `${args.join(' ')}: ${JSON.stringify({ top, row })}`;

      assert.equal(top.class, 'UserSession', context);
      assert.deepEqual([top.site.function, top.site.file, top.site.line], ['openSession', source('registry.ts'), siteLine], context);
      assert.equal(top.site.generated.file, path.join(dist, 'registry.js'), context);
      assert.match(top.site.stack[0], new RegExp(`^openSession \\(${source('registry.ts')}:${siteLine}:\\d+\\)$`), context);
      assert.deepEqual([row.defined_at.file, row.defined_at.line], [source('session.ts'), sessionLine], context);
      assert.equal(row.defined_at.generated.file, path.join(dist, 'session.js'), context);
    }

    // The CLI reads the maps next to the scripts that the snapshots name; it prints paths
    // relative to its working directory.
    const cli = (...args) => {
      const run = spawnSync(path.join(root, 'target', 'release', 'leakwatch'), args, { cwd: fixture, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      return run.stdout;
    };
    const defined = `src/session.ts:${sessionLine}`;
    const after = path.join(out, 'after.heapsnapshot');
    assert.match(cli('retainers', after, '--class', 'UserSession', '--paths', '1'), new RegExp(`^UserSession @\\d+: .*, defined at ${defined}\\n`));
    const table = cli('diff', path.join(out, 'before.heapsnapshot'), after);
    assert.match(table, new RegExp(`\\nUserSession .* ${defined}\\n`), table);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
