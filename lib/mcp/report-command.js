// @ts-check
'use strict';
// Runs one of the `leakwatch` command's snapshot reports (summary, diff, retainers, find-leaks)
// with --json and returns its JSON, so that an MCP tool answers exactly what
// `leakwatch ... --json` prints.
//
// Each report runs in a child process: the MCP server's stdout is its protocol channel, which a
// report printing in-process would corrupt. The command is the package's own `leakwatch`
// (lib/cli/main.js) where the package has it, else a checkout's build (target/release/leakwatch).

const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageRoot = path.join(__dirname, '..', '..');

/** How to start the `leakwatch` command here: `{file, args}`, or null when there is none. */
function findCommand() {
  const dispatcher = path.join(packageRoot, 'lib', 'cli', 'main.js');
  if (fs.existsSync(dispatcher)) return { file: process.execPath, args: [dispatcher] };
  const built = path.join(packageRoot, 'target', 'release', process.platform === 'win32' ? 'leakwatch.exe' : 'leakwatch');
  if (fs.existsSync(built)) return { file: built, args: [] };
  return null;
}

/**
 * Runs `leakwatch <args> --json`; resolves to the parsed JSON. Rejects with an Error whose
 * message is the command's one-line complaint (bad input, unreadable file) when it fails.
 * @param {string[]} args
 * @returns {Promise<unknown>}
 */
function runReport(args) {
  const command = findCommand();
  if (command === null) {
    return Promise.reject(new Error('leakwatch mcp: no `leakwatch` command to run reports with (neither lib/cli/main.js in the package nor target/release/leakwatch from `npm run build`)'));
  }
  return new Promise((resolve, reject) => {
    // A large snapshot's report is still small JSON; the buffer bounds what a runaway could send.
    execFile(command.file, [...command.args, ...args, '--json'], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const line = String(stderr).trim().split('\n').pop();
        reject(new Error(line || `leakwatch ${args[0]} failed: ${err.message}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`leakwatch ${args[0]} printed no JSON`));
      }
    });
  });
}

module.exports = { runReport, findCommand };
