'use strict';
// The test runner projects of test/runners/ (node:test, Jest, Vitest, Mocha), each with a leaky
// and a clean assertNoLeak test: how to run one, and what its report says of the two tests.
// Used by test/e2e/runners.test.js and bench/assert-no-leak-runners.js.
const { spawn } = require('node:child_process');
const path = require('node:path');

const projects = path.join(__dirname, '..', 'runners');
const LEAKY = 'leaky handler does not leak';
const CLEAN = 'clean handler does not leak';

/** The path of package `name`'s command-line script, or null when it is not installed. */
function bin(name) {
  try {
    const manifest = require.resolve(`${name}/package.json`);
    const { bin: script } = require(manifest);
    return path.join(path.dirname(manifest), typeof script === 'string' ? script : script[name]);
  } catch {
    return null;
  }
}

/** Runs `args` with this node in test/runners/`dir`; resolves to {code, out, stdout} (out: stdout and stderr). */
function run(dir, args) {
  return new Promise((resolve, reject) => {
    // Without a surrounding test's NODE_TEST_CONTEXT, which would make `node --test` think it runs inside it.
    const { NODE_TEST_CONTEXT, ...env } = process.env;
    const child = spawn(process.execPath, args, { cwd: path.join(projects, dir), env: { ...env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d) => {
      out += d;
      stdout += d;
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, stdout }));
  });
}

/**
 * @typedef {{title: string, passed: boolean, message: string, ms: number}} TestResult
 *   one test as the runner's report tells it: its failure's message (its stack for Mocha), its time
 */

/** The JSON that follows whatever a runner prints before it. @param {string} out */
const jsonIn = (out) => JSON.parse(out.slice(out.indexOf('{')));

/** Jest's and Vitest's JSON: every file's assertions. @param {string} out @returns {TestResult[]} */
const fromAssertions = (out) =>
  jsonIn(out)
    .testResults.flatMap((f) => f.assertionResults)
    .map((a) => ({ title: a.title, passed: a.status === 'passed', message: a.failureMessages.join('\n'), ms: a.duration ?? NaN }));

/** node:test's TAP: each top-level test's line and its duration_ms. @param {string} out @returns {TestResult[]} */
function fromTap(out) {
  const results = [];
  const line = /^(ok|not ok) \d+ - (.*)$/gm;
  let m;
  while ((m = line.exec(out))) {
    const rest = out.slice(m.index + m[0].length);
    const next = rest.search(/^(ok|not ok) \d+ - /m);
    const block = next < 0 ? rest : rest.slice(0, next);
    const ms = Number((/^ {2}duration_ms: ([\d.]+)/m.exec(block) ?? [])[1]);
    results.push({ title: m[2], passed: m[1] === 'ok', message: m[1] === 'ok' ? '' : out, ms });
  }
  return results;
}

/** Mocha's JSON reporter. @param {string} out @returns {TestResult[]} */
function fromMocha(out) {
  const report = jsonIn(out);
  const failed = new Map(report.failures.map((t) => [t.title, t.err.stack]));
  return report.tests.map((t) => ({ title: t.title, passed: !failed.has(t.title), message: failed.get(t.title) ?? '', ms: t.duration ?? NaN }));
}

/** Each runner: its project's folder (`name`), its command-line script, its arguments, its report's reader. */
const RUNNERS = [
  { name: 'node-test', script: null, args: () => ['--test', '--test-reporter=tap'], read: fromTap },
  { name: 'jest', script: 'jest', args: (/** @type {string} */ s) => [s, '--json'], read: fromAssertions },
  { name: 'vitest', script: 'vitest', args: (/** @type {string} */ s) => [s, 'run', '--reporter=json'], read: fromAssertions },
  { name: 'mocha', script: 'mocha', args: (/** @type {string} */ s) => [s, '--reporter', 'json'], read: fromMocha },
];

/** Runs `runner`'s project; resolves to its exit code, its output and its tests' results. */
async function runProject(runner) {
  const { code, out, stdout } = await run(runner.name, runner.args(runner.script ? bin(runner.script) : ''));
  return { code, out, stdout };
}

module.exports = { RUNNERS, LEAKY, CLEAN, bin, runProject };
