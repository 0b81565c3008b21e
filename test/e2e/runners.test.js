'use strict';
// assertNoLeak under each test runner, in its default configuration: the projects of
// test/runners/ (node:test, Jest, Vitest, Mocha) each have a leaky and a clean test; the leaky
// one must fail with a LeakError naming its class, the clean one pass. The four run at once.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { skipOutsideCi } = require('../helpers/ci');

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
    // Without this test's NODE_TEST_CONTEXT, which would make `node --test` think it runs inside it.
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

/** What each runner's JSON or TAP output (on stdout) says of the two tests: {passed, failed: message}. */
const READ = {
  'node-test': (out) => ({
    passed: new RegExp(`^ok \\d+ - ${CLEAN}$`, 'm').test(out),
    failed: new RegExp(`^not ok \\d+ - ${LEAKY}$`, 'm').test(out) ? out : null,
  }),
  jest: (out) => fromAssertions(JSON.parse(out.slice(out.indexOf('{'))).testResults.flatMap((f) => f.assertionResults)),
  vitest: (out) => fromAssertions(JSON.parse(out.slice(out.indexOf('{'))).testResults.flatMap((f) => f.assertionResults)),
  mocha: (out) => {
    const report = JSON.parse(out.slice(out.indexOf('{')));
    const failure = report.failures.find((t) => t.title === LEAKY);
    // Its stack, which begins with the error's name.
    return { passed: report.passes.some((t) => t.title === CLEAN), failed: failure ? failure.err.stack : null };
  },
};

/** Jest's and Vitest's JSON: every file's assertions. */
function fromAssertions(assertions) {
  const clean = assertions.filter((a) => a.title === CLEAN);
  const leaky = assertions.filter((a) => a.title === LEAKY);
  return {
    passed: clean.length > 0 && assertions.filter((a) => a.title !== LEAKY).every((a) => a.status === 'passed'),
    failed: leaky.length > 0 && leaky.every((a) => a.status === 'failed') ? leaky.map((a) => a.failureMessages.join('\n')).join('\n') : null,
  };
}

const RUNNERS = [
  { name: 'node-test', args: () => ['--test', '--test-reporter=tap'] },
  { name: 'jest', script: 'jest', args: (s) => [s, '--json'] },
  { name: 'vitest', script: 'vitest', args: (s) => [s, 'run', '--reporter=json'] },
  { name: 'mocha', script: 'mocha', args: (s) => [s, '--reporter', 'json'] },
];
const missing = RUNNERS.filter((r) => r.script && !bin(r.script)).map((r) => r.name);

test(
  'runners: the leaky test fails with a LeakError naming RunnerSession, the clean one passes',
  { skip: skipOutsideCi(missing.length === 0, `not installed: ${missing.join(', ')} (npm install)`) },
  async (t) => {
    assert.ok(missing.length === 0, `not installed: ${missing.join(', ')}`);
    const started = Date.now();
    const results = await Promise.all(RUNNERS.map((r) => run(r.name, r.args(r.script ? bin(r.script) : ''))));
    t.diagnostic(`the four runners took ${Date.now() - started} ms together`);
    RUNNERS.forEach((runner, i) => {
      const { code, out, stdout } = results[i];
      let seen;
      try {
        seen = READ[runner.name](stdout);
      } catch (err) {
        assert.fail(`${runner.name}: cannot read its output (${err.message}):\n${out}`);
      }
      assert.notEqual(code, 0, `${runner.name} passed the leaky test:\n${out}`);
      assert.ok(seen.passed, `${runner.name}: the clean test did not pass:\n${out}`);
      assert.ok(seen.failed, `${runner.name}: the leaky test did not fail:\n${out}`);
      assert.match(seen.failed, /LeakError/, runner.name);
      assert.match(seen.failed, /RunnerSession: 1 object \(\d+ bytes\) per call/, runner.name);
    });
  },
);
