'use strict';
// Runs a small program in a fresh node process (the same binary as the test) and collects what
// it printed, how it ended and how long it took.

const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');

/**
 * Runs `source` with `node -e`, cwd at the repository root (so `require('.')` is leakwatch).
 * Resolves to {code, signal, stdout, stderr, ms, timedOut}; kills the child after `timeoutMs`.
 */
function runNode(source, { args = [], timeoutMs = 60_000, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...args, '-e', source], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/** The lines of `stdout` that are JSON objects, parsed. */
function jsonLines(stdout) {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

module.exports = { runNode, jsonLines, root };
