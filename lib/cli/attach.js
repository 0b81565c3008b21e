// @ts-check
'use strict';
// `leakwatch attach [options] PID`: watches a Node.js process that is already running, started
// with no flag at all. It opens the process's inspector (SIGUSR1, which makes node listen on
// 127.0.0.1:9229), connects to it, loads lib/cli/preload.js into it with Runtime.evaluate, and
// reports as `leakwatch watch` does. Ctrl-C, SIGTERM or --for detaches: the preload undoes what
// it started and lets go of leakwatch's modules, and the inspector is closed again if attach
// opened it.

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { socketAddress } = require('./channel');
const { UsageError, parseWatchArgs, configureOptions } = require('./watch-options');
const { WatchRun, openEventsFile, listen } = require('./watch');
const { listTargets, connect } = require('./inspector-client');

/** The port SIGUSR1 opens node's inspector on. */
const INSPECTOR_PORT = 9229;
/** How long attach waits for the inspector it opened to close the connection as it closes. */
const INSPECTOR_CLOSE_MS = 10_000;
/** The oldest Node.js leakwatch supports (package.json's engines). */
const OLDEST_NODE = [18, 15];
/** How long node may take to open its inspector after SIGUSR1. */
const INSPECTOR_OPENS_MS = 10_000;
const PRELOAD = path.join(__dirname, 'preload.js');
const DETACH = "Symbol.for('leakwatch.detach')";

function helpText() {
  return `\
Usage: leakwatch attach [options] PID

Watches the running Node.js process PID, started with no flag at all, as 'leakwatch watch' does:
it opens the process's inspector (SIGUSR1: node then listens on 127.0.0.1:${INSPECTOR_PORT} and
prints "Debugger listening on ..." on its own stderr), loads leakwatch into it and reports its
leaks on stderr. Ctrl-C (or --for) detaches and leaves the process as it was: leakwatch's
observers removed, its modules let go, the inspector closed again if attach opened it.

Options:
  --for DURATION          detach after DURATION (90s, 10m, 1h)
  --events FILE           write every event as NDJSON, as 'leakwatch watch --events' does
  --fail-on-leak          exit with status 3 if a leak was reported
  --snapshot-on-leak DIR  write a heap snapshot into DIR at each leak
  and the leak detector's options, as 'leakwatch watch --help' lists them.

A one-off look, without the detector:
  --snapshot FILE         write one heap snapshot of the process to FILE, then detach
  --diff DURATION         take two snapshots DURATION apart and print what changed between
                          them, as 'leakwatch diff' prints it

Examples:
  leakwatch attach 4211
  leakwatch attach --for 10m --events leaks.ndjson 4211
  leakwatch attach --snapshot now.heapsnapshot 4211
  leakwatch attach --diff 30s 4211

Exit status: 0 once detached, 3 with --fail-on-leak after a leak, 2 when leakwatch cannot attach
(no such process, not Node.js, no permission, port ${INSPECTOR_PORT} taken, Node.js too old).`;
}

/** The inode of the socket listening on TCP `port` on Linux, or null. */
function listeningInode(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT; state 0A is LISTEN; the inode is the tenth field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A') return fields[9];
    }
  }
  return null;
}

/** Whether process `pid` holds the socket `inode`. */
function holdsSocket(pid, inode) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Checks that `pid` is a Node.js process leakwatch may signal; throws a UsageError saying why not. */
function checkTarget(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code === 'ESRCH') throw new UsageError(`no process with pid ${pid}`);
    if (err.code === 'EPERM') throw new UsageError(`no permission to signal pid ${pid}: run leakwatch as its user (or root)`);
    throw new UsageError(`cannot signal pid ${pid}: ${err.message}`);
  }
  if (process.platform === 'linux') {
    let exe = '';
    try {
      exe = path.basename(fs.readlinkSync(`/proc/${pid}/exe`));
    } catch {
      // No permission to read it: signalling said we may, so let the inspector decide.
    }
    if (exe !== '' && !/node/i.test(exe)) throw new UsageError(`pid ${pid} is not Node.js (it runs ${exe})`);
  }
}

/**
 * Opens the inspector of `pid` on the loopback port, unless it is open already; resolves to
 * whether attach opened it. A port taken by another process is refused: node's inspector
 * would fail to listen, and attach would talk to the wrong process.
 */
async function openInspector(pid) {
  const inode = process.platform === 'linux' ? listeningInode(INSPECTOR_PORT) : null;
  if (inode !== null) {
    if (holdsSocket(pid, inode)) return false;
    throw new UsageError(
      `port ${INSPECTOR_PORT} is taken by another process, so pid ${pid} cannot open its inspector there: ` +
        `stop that process or its inspector (see: ss -ltnp 'sport = :${INSPECTOR_PORT}')`,
    );
  }
  if (process.platform === 'win32') {
    throw new UsageError('attach needs SIGUSR1, which Windows does not have: start the program with --inspect and use leakwatch watch');
  }
  process.kill(pid, 'SIGUSR1');
  const deadline = Date.now() + INSPECTOR_OPENS_MS;
  for (;;) {
    try {
      await listTargets(INSPECTOR_PORT);
      return true;
    } catch (err) {
      if (Date.now() > deadline) throw new UsageError(`pid ${pid} did not open its inspector on port ${INSPECTOR_PORT} (${err.message})`);
      // Node opens it on its own thread, soon after the signal; asked again shortly.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Connects to the inspector on the port and checks that it is `pid`'s; resolves to the session. */
async function connectTo(pid) {
  const [target] = await listTargets(INSPECTOR_PORT);
  if (!target?.webSocketDebuggerUrl) throw new UsageError(`the inspector on port ${INSPECTOR_PORT} offers no target`);
  const session = await connect(target.webSocketDebuggerUrl);
  const { pid: inspected, version } = await session.evaluate('({ pid: process.pid, version: process.version })');
  if (inspected !== pid) {
    session.close();
    throw new UsageError(`the inspector on port ${INSPECTOR_PORT} is pid ${inspected}'s, not pid ${pid}'s`);
  }
  const [major, minor] = version.slice(1).split('.').map(Number);
  if (major < OLDEST_NODE[0] || (major === OLDEST_NODE[0] && minor < OLDEST_NODE[1])) {
    session.close();
    throw new UsageError(`pid ${pid} runs Node.js ${version}; leakwatch needs ${OLDEST_NODE.join('.')} or newer`);
  }
  return session;
}

/** Streams a heap snapshot of the session's process into `file`. */
async function takeSnapshot(session, file) {
  const fd = fs.openSync(file, 'w');
  session.onEvent = (method, params) => {
    if (method === 'HeapProfiler.addHeapSnapshotChunk') fs.writeSync(fd, params.chunk);
  };
  try {
    await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.onEvent = null;
    fs.closeSync(fd);
  }
}

/**
 * `--snapshot FILE` and `--diff DURATION`: snapshots through the inspector, no detector. Resolves
 * to the exit status.
 */
async function lookOnce(session, options) {
  if (options.snapshotFile !== null) {
    await takeSnapshot(session, options.snapshotFile);
    process.stderr.write(`leakwatch: wrote ${options.snapshotFile}\n`);
  }
  if (options.diffMs === null) return 0;
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'leakwatch-attach-'));
  try {
    const [before, after] = [path.join(dir, 'before.heapsnapshot'), path.join(dir, 'after.heapsnapshot')];
    await takeSnapshot(session, before);
    // The wait is the user's: what grows over it is the question.
    await new Promise((resolve) => setTimeout(resolve, options.diffMs));
    await takeSnapshot(session, after);
    return require('../native').runCli(['diff', before, after]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Has the session's process close its inspector, and waits for the inspector to end the
 * connection. The close runs after this message is answered, not inside the session's own
 * dispatch (nodejs/node#18761); and on Node 20 the process crashes if the client ends the
 * connection while the inspector's close frame is on its way, so the client lets it end.
 */
async function closeInspector(session) {
  await session.evaluate("(() => { const inspector = require('node:inspector'); setImmediate(() => inspector.close()); return true; })()");
  await session.closedByPeer(INSPECTOR_CLOSE_MS);
}

/**
 * Runs `leakwatch attach` with `args`; resolves to the exit status.
 * @param {string[]} args
 * @returns {Promise<number>}
 */
async function attach(args) {
  let options;
  let configure;
  let eventsFd = null;
  let session;
  let opened = false;
  let pid;
  try {
    options = parseWatchArgs(args, { attach: true });
    if (options.help) {
      process.stdout.write(`${helpText()}\n`);
      return 0;
    }
    if (options.dashboardPort !== null) throw new UsageError('attach has no --dashboard yet: use memwatch.dashboard() in the program, or leakwatch watch');
    configure = configureOptions(options);
    pid = Number(options.command[0]);
    checkTarget(pid);
    if (options.events !== null) eventsFd = openEventsFile(options.events);
    opened = await openInspector(pid);
    session = await connectTo(pid);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`leakwatch: error: ${err.message}\n`);
    return 2;
  }

  if (options.snapshotFile !== null || options.diffMs !== null) {
    try {
      return await lookOnce(session, options);
    } catch (err) {
      process.stderr.write(`leakwatch: error: ${err.message}\n`);
      return 2;
    } finally {
      if (opened) await closeInspector(session).catch(() => {});
      session.close();
    }
  }

  const run = new WatchRun(eventsFd, null);
  // Its channel closes when attach detaches, which is no end of the process.
  run.directPid = pid;
  const server = net.createServer((socket) => run.connected(socket));
  const address = socketAddress();
  await listen(server, address);
  await session.evaluate(
    `(() => { const stop = require(${JSON.stringify(PRELOAD)}).startWatching(${JSON.stringify(address)}, ${JSON.stringify(configure)}); ` +
      `Object.defineProperty(globalThis, ${DETACH}, { value: stop, configurable: true }); return true; })()`,
  );
  process.stderr.write(`leakwatch: attached to pid ${pid}${opened ? `, whose inspector it opened on port ${INSPECTOR_PORT}` : ''}; Ctrl-C detaches\n`);

  // Until Ctrl-C, SIGTERM, --for, or the end of the process.
  const why = await new Promise((resolve) => {
    const signals = /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);
    const done = (reason) => {
      for (const signal of signals) process.off(signal, onSignal);
      clearTimeout(timer);
      resolve(reason);
    };
    const onSignal = () => done('signal');
    for (const signal of signals) process.on(signal, onSignal);
    const timer = options.forMs !== null ? setTimeout(() => done('for'), options.forMs) : undefined;
    run.onClose = () => {
      if (!run.mayStillSend(pid) && run.series.has(pid)) done('ended');
    };
    session.socket.on('close', () => done('ended'));
  });

  if (why !== 'ended' && !session.closed) {
    try {
      await session.evaluate(`(() => { const stop = globalThis[${DETACH}]; delete globalThis[${DETACH}]; if (stop) stop(); return true; })()`);
      if (opened) await closeInspector(session);
    } catch (err) {
      process.stderr.write(`leakwatch: warning: detaching from pid ${pid} failed: ${err.message}\n`);
    }
  }
  session.close();
  if (why === 'ended') run.directEnded(run.series.get(pid)?.exit ?? { code: null, signal: null });
  else {
    run.summarize(pid);
    process.stderr.write(`leakwatch: detached from pid ${pid}\n`);
  }
  for (const socket of run.connections.keys()) socket.destroy();
  server.close();
  if (eventsFd !== null) fs.closeSync(eventsFd);
  return options.failOnLeak && run.leaks > 0 ? 3 : 0;
}

module.exports = { attach };
