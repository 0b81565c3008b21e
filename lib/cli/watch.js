// @ts-check
'use strict';
// `leakwatch watch [options] -- COMMAND [ARGS...]`: runs COMMAND with lib/cli/preload.js loaded
// into each node process it starts, and gathers what those processes send over the channel
// (lib/cli/channel.js): the watched processes only observe; this process renders the reports on
// stderr and writes the --events file. COMMAND keeps its stdio, gets the signals sent to
// leakwatch, and its exit status becomes leakwatch's.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { SOCKET_ENV, OPTIONS_ENV, DASHBOARD_ENV, socketAddress, readMessages } = require('./channel');
const { UsageError, parseWatchArgs, configureOptions, findExecutable, helpText } = require('./watch-options');
const report = require('./report');
const { NativeStacks, nativeUnavailable } = require('./watch-native');
const { nativeStackLines } = require('./watch-native-stacks');

const PRELOAD = path.join(__dirname, 'preload.js');
/** The signals passed on to COMMAND. SIGUSR1 is not: to node it means "open the inspector". */
const FORWARDED_SIGNALS = /** @type {NodeJS.Signals[]} */ (['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']);
/** Signals a terminal sends to its whole foreground process group, COMMAND included. */
const TERMINAL_SIGNALS = ['SIGINT', 'SIGQUIT'];
/**
 * How long to wait, after COMMAND exited, for the last of its events (a leak report sent just
 * before it ended) to be read; its end of the channel normally closes at once.
 */
const LAST_EVENTS_MS = 2000;

/** NODE_OPTIONS with the preload added: quoted, since the path may hold spaces. */
function nodeOptionsWithPreload(existing) {
  const quoted = `"${PRELOAD.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return [existing, `--require ${quoted}`].filter(Boolean).join(' ');
}

/** The events of one run: each process's series, the --events file, the stderr reports. */
class WatchRun {
  /**
   * @param {number | null} eventsFd
   * @param {import('./watch-dashboard').WatchDashboards | null} dashboards
   * @param {NativeStacks | null} native the native stacks of --native, else null
   */
  constructor(eventsFd, dashboards, native = null) {
    this.eventsFd = eventsFd;
    this.dashboards = dashboards;
    this.native = native;
    /** pid -> {command, leaks, fullGcs, lastStats, exit}. @type {Map<number, any>} */
    this.series = new Map();
    /** Open connections, each with the pid it announced (null until it did). */
    this.connections = new Map();
    this.leaks = 0;
    /** COMMAND's pid, once it runs (attach's target's): its end is not its channel's. @type {number | undefined} */
    this.directPid = undefined;
    /** Called whenever a connection closes. */
    this.onClose = () => {};
  }

  /** @param {net.Socket} socket */
  connected(socket) {
    this.connections.set(socket, null);
    readMessages(socket, (message) => this.#received(socket, message));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const pid = this.connections.get(socket);
      this.connections.delete(socket);
      if (pid !== null && pid !== undefined && pid !== this.directPid) this.#ended(pid, this.series.get(pid)?.exit ?? { code: null, signal: null });
      this.onClose();
    });
  }

  /** Whether process `pid` (or one not yet known) may still send events. */
  mayStillSend(pid) {
    return [...this.connections.values()].some((known) => known === null || known === pid);
  }

  /** Writes one event to the --events file. */
  write(event) {
    if (this.eventsFd !== null) fs.writeSync(this.eventsFd, `${JSON.stringify(event)}\n`);
  }

  /** Process `pid` ended with `exit` ({code, signal}; both null when unknown). */
  #ended(pid, exit) {
    const series = this.series.get(pid);
    this.dashboards?.ended(pid);
    this.write({ type: 'exit', time: Date.now(), pid, code: exit.code, signal: exit.signal });
    if (series) {
      series.exit = exit;
      process.stderr.write(`${report.summaryLine(pid, series)}\n`);
    }
  }

  /** Prints the summary of process `pid` as it stands. */
  summarize(pid) {
    const series = this.series.get(pid);
    if (series) process.stderr.write(`${report.summaryLine(pid, series)}\n`);
  }

  /** COMMAND itself ended: its exit status is the child process's. */
  directEnded(exit) {
    if (this.directPid !== undefined) this.#ended(this.directPid, exit);
  }

  /** The processes that were still watched when COMMAND ended. */
  summarizeRest() {
    for (const pid of new Set(this.connections.values())) {
      if (pid !== null && pid !== this.directPid) this.summarize(pid);
    }
  }

  #received(socket, message) {
    if (!message || typeof message.type !== 'string' || !Number.isInteger(message.pid)) return;
    const { pid } = message;
    if (message.type === 'start') {
      this.connections.set(socket, pid);
      this.series.set(pid, { command: message.command, leaks: 0, fullGcs: 0, lastStats: null, exit: null });
      process.stderr.write(`${report.startLine(message)}\n`);
      this.dashboards?.add(pid, message.command, socket).then(
        (url) => process.stderr.write(`leakwatch: dashboard of pid ${pid} on ${url}\n`),
        (err) => process.stderr.write(`leakwatch: no dashboard for pid ${pid}: ${err.message}\n`),
      );
    }
    if (message.type === 'dashboard') {
      // The dashboard's own traffic: served, not written to --events.
      this.dashboards?.relay(pid, message.event, message.data);
      return;
    }
    const series = this.series.get(pid);
    if (!series) return;
    if (message.type === 'exit') {
      // Written when the process's channel closes, or, for COMMAND, once its status is known.
      series.exit = { code: message.code, signal: message.signal };
      return;
    }
    const native = message.type === 'leak' && message.memory === 'native' ? this.native?.atLeak(pid) : null;
    if (native) message.nativeStacks = native.stacks;
    this.write(message);
    if (message.type === 'stats') {
      series.fullGcs += 1;
      series.lastStats = message;
      this.native?.observe(pid, message.time);
    } else if (message.type === 'leak') {
      series.leaks += 1;
      this.leaks += 1;
      const lines = report.leakLines(message, series.command);
      if (native) lines.push(...nativeStackLines(native.stacks, native.samplingMeanBytes));
      process.stderr.write(`${lines.join('\n')}\n`);
    } else if (message.type === 'warning') {
      process.stderr.write(`${report.warningLine(message, series.command)}\n`);
    }
  }
}

/** Opens the --events file for writing now, so that a path that cannot be written stops leakwatch at once. */
function openEventsFile(file) {
  try {
    return fs.openSync(file, 'w');
  } catch (err) {
    throw new UsageError(`--events ${file}: cannot write it (${err.code || err.message})`);
  }
}

/** Listens on the channel's address; resolves once it does. */
function listen(server, address) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
}

/** Resolves once `run` has read everything process `pid` sent, or after LAST_EVENTS_MS. */
function lastEvents(run, pid) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, LAST_EVENTS_MS);
    const check = () => {
      if (run.mayStillSend(pid)) return;
      clearTimeout(timer);
      resolve(undefined);
    };
    run.onClose = check;
    check();
  });
}

/**
 * Runs `leakwatch watch` with `args`; resolves to the exit status, or to null when leakwatch
 * ends itself with COMMAND's signal.
 * @param {string[]} args
 * @returns {Promise<number | null>}
 */
async function watch(args) {
  let options;
  let configure;
  let eventsFd = null;
  try {
    options = parseWatchArgs(args);
    if (options.help) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    configure = configureOptions(options);
    findExecutable(options.command[0]);
    const unavailable = options.native ? nativeUnavailable() : null;
    if (unavailable !== null) throw new UsageError(unavailable);
    if (options.events !== null) eventsFd = openEventsFile(options.events);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`leakwatch: error: ${err.message}\n`);
    return 2;
  }

  let dashboards = null;
  if (options.dashboardPort !== null) {
    const { WatchDashboards } = require('./watch-dashboard');
    dashboards = new WatchDashboards(options.dashboardPort);
    try {
      await dashboards.start();
    } catch (err) {
      process.stderr.write(`leakwatch: error: ${String(err.message).replace(/^leakwatch dashboard: /, '--dashboard: ')}\n`);
      return 2;
    }
  }

  const native = options.native ? new NativeStacks() : null;
  const run = new WatchRun(eventsFd, dashboards, native);
  const server = net.createServer((socket) => run.connected(socket));
  const address = socketAddress();
  await listen(server, address);

  const child = spawn(options.command[0], options.command.slice(1), {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: nodeOptionsWithPreload(process.env.NODE_OPTIONS),
      [SOCKET_ENV]: address,
      [OPTIONS_ENV]: JSON.stringify(configure),
      ...(dashboards ? { [DASHBOARD_ENV]: '1' } : {}),
      ...native?.environment(),
    },
  });
  run.directPid = child.pid;
  // Asked of the descriptors, not of process.stdin, which would open a stream on COMMAND's input.
  const atTerminal = [0, 1, 2].some((fd) => require('node:tty').isatty(fd));
  const forwarders = FORWARDED_SIGNALS.map((signal) => {
    const forward = () => {
      // Ctrl-C at a terminal has reached COMMAND already: sending it again would be a second one.
      if (atTerminal && TERMINAL_SIGNALS.includes(signal)) return;
      child.kill(signal);
    };
    process.on(signal, forward);
    return /** @type {const} */ ([signal, forward]);
  });

  /** @type {{code: number | null, signal: NodeJS.Signals | null}} */
  const exit = await new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`leakwatch: error: cannot run '${options.command[0]}': ${err.message}\n`);
      resolve({ code: 2, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  await lastEvents(run, child.pid);
  run.directEnded(exit);
  run.summarizeRest();
  for (const socket of run.connections.keys()) socket.destroy();
  server.close();
  await dashboards?.close();
  if (eventsFd !== null) fs.closeSync(eventsFd);
  native?.close();
  for (const [signal, forward] of forwarders) process.off(signal, forward);

  if (options.failOnLeak && run.leaks > 0) return 3;
  if (exit.signal !== null) {
    // Ends as COMMAND ended, so that whoever started leakwatch sees the same signal; should the
    // signal not end a node process, the shell's convention for it is the status.
    process.exitCode = 128 + (os.constants.signals[exit.signal] ?? 0);
    process.kill(process.pid, exit.signal);
    return null;
  }
  return exit.code;
}

module.exports = { watch, WatchRun, openEventsFile, listen };
