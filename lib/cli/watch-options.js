// @ts-check
'use strict';
// `leakwatch watch`'s command line: its options, checked before the program starts, and its help.

const fs = require('node:fs');
const path = require('node:path');

/** A mistake on the command line: printed as one line, exit status 2. */
class UsageError extends Error {}

/** The detector's and the culprit hunt's options, as configure({leak}) names them. */
function leakOptionNames() {
  const native = require('../native');
  const { CULPRIT_OPTIONS } = require('../culprit/hunt');
  return [...Object.keys(native.defaultDetectorOptions()), ...CULPRIT_OPTIONS];
}

/** "minRate" -> "--min-rate". */
function flagOf(name) {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function helpText() {
  const leakFlags = leakOptionNames().map(flagOf).join(', ');
  return `\
Usage: leakwatch watch [options] -- COMMAND [ARGS...]

Runs COMMAND (node, or anything that starts node: npm, tsx, ...) with leakwatch loaded into every
node process it starts, before the program's own code, without changing its files, its stdio,
its signals or its exit status. Each process (child processes and cluster workers included) is
watched as its own series and named by its pid and command. Worker threads are not watched.
Reports go to stderr; the program's stdout and stderr are its own.

Options:
  --events FILE           write every event as a line of JSON (NDJSON): start, stats, leak,
                          warning, exit (the README gives their fields)
  --fail-on-leak          exit with status 3 if a leak was reported, whatever the program's status
  --snapshot-on-leak DIR  write a heap snapshot into DIR at each leak (configure's snapshotOnLeak)
  --dashboard [PORT]      serve the live dashboard on http://127.0.0.1:PORT (3000 by default); each
                          further process gets a free port, and the page a picker of them all
  --native                preload leakwatch's sampling allocator shim (LD_PRELOAD; Linux with glibc
                          only): a leak of native memory then names the native stacks whose live
                          memory grew, symbolized (one allocation sampled per ~512 KB allocated)
  --help                  this text

The leak detector's options, as configure({leak}) takes them (the README gives each):
  ${leakFlags}
  each takes a value: a number, 'auto', true or false, as the option does.

Examples:
  leakwatch watch -- node server.js --port 8080
  leakwatch watch --fail-on-leak --events run.ndjson -- node --test test/
  leakwatch watch --min-rate 20000 -- node --import tsx src/app.ts
  leakwatch watch --snapshot-on-leak ./snapshots -- npm start
  leakwatch watch --native --events run.ndjson -- node server.js

Signals sent to leakwatch (SIGTERM, SIGHUP, and SIGINT unless leakwatch runs at a terminal, where
Ctrl-C reaches the program directly) are passed on to COMMAND.

Exit status: COMMAND's, or 3 with --fail-on-leak after a leak; 2 when leakwatch's own options are
wrong, COMMAND cannot be found, or --native is unavailable here (COMMAND is then not started).`;
}

/** A flag's text value as configure() takes it. */
function optionValue(flag, text) {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'auto') return 'auto';
  const number = Number(text);
  if (text.trim() === '' || !Number.isFinite(number)) {
    throw new UsageError(`${flag} takes a number, 'auto', true or false, not '${text}'`);
  }
  return number;
}

/** "90", "90s", "10m", "1h" in ms. */
function durationMs(flag, text) {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (!match) throw new UsageError(`${flag} takes a duration such as 90s, 10m or 1h, not '${text}'`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'];
}

/**
 * The port of `--dashboard [PORT]`: the value given inline (`--dashboard=4000`), or the next
 * argument if it is a number (then `consume()` is called), or 3000.
 */
function dashboardPort(inline, next, consume) {
  let text = inline;
  if (text === undefined && next !== undefined && /^\d+$/.test(next)) {
    consume();
    text = next;
  }
  if (text === undefined) return 3000;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--dashboard takes a port number (0 to 65535), not '${text}'`);
  return port;
}

/**
 * The options of `args` (what follows `leakwatch watch`): {help} or {command, events,
 * failOnLeak, native, configure}. Throws a UsageError naming the first mistake.
 * @param {string[]} args
 */
function parseWatchArgs(args, { attach = false } = {}) {
  const leakFlags = new Map(leakOptionNames().map((name) => [flagOf(name), name]));
  const options = { help: false, command: /** @type {string[]} */ ([]), events: /** @type {string | null} */ (null), failOnLeak: false, native: false, snapshotDir: /** @type {string | null} */ (null), dashboardPort: /** @type {number | null} */ (null), forMs: /** @type {number | null} */ (null), snapshotFile: /** @type {string | null} */ (null), diffMs: /** @type {number | null} */ (null), leak: {} };
  let i = 0;
  const valueOf = (flag) => {
    if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
    return args[++i];
  };
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => (inline !== undefined ? inline : valueOf(flag));
    if (flag === '--help' || flag === '-h') options.help = true;
    else if (flag === '--fail-on-leak') options.failOnLeak = true;
    else if (flag === '--events') options.events = value();
    else if (!attach && flag === '--native') options.native = true;
    else if (flag === '--snapshot-on-leak') options.snapshotDir = value();
    else if (attach && flag === '--for') options.forMs = durationMs(flag, value());
    else if (attach && flag === '--snapshot') options.snapshotFile = value();
    else if (attach && flag === '--diff') options.diffMs = durationMs(flag, value());
    else if (flag === '--dashboard') options.dashboardPort = dashboardPort(inline, args[i + 1], () => i++);
    else if (leakFlags.has(flag)) options.leak[/** @type {string} */ (leakFlags.get(flag))] = optionValue(flag, value());
    else throw new UsageError(`unknown option '${flag}' (see leakwatch watch --help)`);
  }
  options.command = args.slice(i);
  if (options.help) return options;
  if (attach) {
    if (options.command.length !== 1 || !/^[1-9]\d*$/.test(options.command[0])) {
      throw new UsageError('attach takes one process id: leakwatch attach [options] PID');
    }
    return options;
  }
  if (options.command.length === 0) throw new UsageError('no command to watch: leakwatch watch [options] -- node app.js');
  return options;
}

/**
 * What the watched processes pass to configure(), checked here, in the watcher, so that a bad
 * option stops leakwatch before the program starts.
 */
function configureOptions(options) {
  const configure = {};
  try {
    if (Object.keys(options.leak).length > 0) {
      const { LeakWatch } = require('../memwatch');
      new LeakWatch().configure({ leak: options.leak });
      configure.leak = options.leak;
    }
    if (options.snapshotDir !== null) {
      const { checkSnapshotOptions } = require('../snapshot/on-leak');
      configure.snapshotOnLeak = checkSnapshotOptions({ dir: options.snapshotDir });
    }
  } catch (err) {
    throw new UsageError(String(err.message).replace(/^leakwatch: /, ''));
  }
  return configure;
}

/**
 * The path of the executable `name` would run, looked up on PATH as the shell does; throws a
 * UsageError when there is none.
 */
function findExecutable(name) {
  const isExecutable = (file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/') || name.includes(path.sep)) {
    if (isExecutable(name)) return name;
    throw new UsageError(`cannot run '${name}': no such executable file`);
  }
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      const file = path.join(dir, name + extension);
      if (isExecutable(file)) return file;
    }
  }
  throw new UsageError(`cannot find '${name}' on PATH`);
}

module.exports = { UsageError, parseWatchArgs, configureOptions, findExecutable, helpText };
