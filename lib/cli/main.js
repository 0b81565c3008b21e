#!/usr/bin/env node
// @ts-check
'use strict';
// The npm package's `leakwatch` command. The snapshot reports (summary, diff, retainers,
// find-leaks) are the
// Rust CLI's own code, run inside this process by the addon (crates/leakwatch-node/src/cli.rs), so
// they print and exit exactly as the Rust binary does; watch and attach are written here
// (lib/cli/watch.js, lib/cli/attach.js).

const HELP = `\
leakwatch: finds memory leaks in Node.js programs.

Usage:
  leakwatch watch [options] -- node [node options] app.js [args]
  leakwatch attach [options] PID
  leakwatch summary FILE [--top N] [--json]
  leakwatch diff BEFORE AFTER [--top N] [--json]
  leakwatch retainers FILE (--id N | --class NAME) [--paths K] [--json]
  leakwatch find-leaks BASELINE TARGET FINAL [--top N] [--json]
  leakwatch mcp

Commands:
  watch      run a Node.js program with the leak detector loaded, unchanged, and report its leaks
  attach     watch a running Node.js process through its inspector, then leave it as it was
  summary    the classes of a heap snapshot, ranked by retained size
  diff       what changed between two heap snapshots of one process
  retainers  the shortest paths from the roots that keep objects alive
  find-leaks objects made between two snapshots and still alive in a third
  mcp        serve the snapshot reports and watch/attach sessions to an AI assistant over MCP (stdio)

Examples:
  Run a server and report leaks on stderr, exiting with 3 if one was found:
    leakwatch watch --fail-on-leak -- node server.js --port 8080

  Keep every event of the run as NDJSON:
    leakwatch watch --events run.ndjson -- node --import tsx app.ts

  Watch a running server for ten minutes:
    leakwatch attach --for 10m 4211

  Which classes hold the most memory:
    leakwatch summary app.heapsnapshot --top 15

  What grew between two snapshots:
    leakwatch diff before.heapsnapshot after.heapsnapshot

'leakwatch COMMAND --help' gives each command's options.

Exit status: 0 on success, 2 on bad input or any error (a one-line message on stderr);
watch exits with the program's own status, or 3 with --fail-on-leak when a leak was reported.`;

/** The commands whose code is the Rust CLI's. */
const SNAPSHOT_COMMANDS = ['summary', 'diff', 'retainers', 'find-leaks'];

/**
 * Runs the command line `args` (without node and the script); resolves to the exit status, or
 * to null when the command ends the process itself (watch ends as its program ended).
 * @param {string[]} args
 * @returns {Promise<number | null>}
 */
async function main(args) {
  const [command, ...rest] = args;
  if (command === undefined) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    if (rest.length > 0) return main([rest[0], '--help']);
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (command === '--version' || command === '-V') {
    const manifest = require('node:fs').readFileSync(require('node:path').join(__dirname, '..', '..', 'package.json'), 'utf8');
    process.stdout.write(`leakwatch ${JSON.parse(manifest).version}\n`);
    return 0;
  }
  if (SNAPSHOT_COMMANDS.includes(command)) return require('../native').runCli(args);
  if (command === 'watch') return require('./watch').watch(rest);
  if (command === 'attach') return require('./attach').attach(rest);
  if (command === 'mcp') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write('Usage: leakwatch mcp\n\nServes the snapshot reports and watch/attach sessions as MCP tools on stdin and stdout.\n');
      return 0;
    }
    require('../mcp/server').main();
    return null;
  }
  process.stderr.write(`leakwatch: error: unknown command '${command}' (see leakwatch --help)\n`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => {
      if (status !== null) process.exitCode = status;
    },
    (err) => {
      process.stderr.write(`leakwatch: error: ${err && err.message}\n`);
      process.exitCode = 2;
    },
  );
}

module.exports = { main };
