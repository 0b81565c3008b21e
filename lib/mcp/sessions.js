// @ts-check
'use strict';
// The MCP server's watch and attach sessions: each is a `leakwatch watch` or `leakwatch attach`
// child process writing its events (README "The events file") as NDJSON to a file of its own in a
// temporary directory, which the session's tools read and which stopping the session removes.
//
// The child's stdout is never the server's: that is the MCP protocol channel, and a watched
// program's output would corrupt it. Only the end of its stderr is kept, to say why it ended.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { findCommand } = require('./report-command');

/** How much of a watcher's stderr a session keeps: enough for its last messages. */
const STDERR_KEPT_CHARS = 4096;
/**
 * How long a watcher may take to end after SIGINT before it is killed: a watched program that
 * ignores SIGINT would otherwise keep the watcher, and the tool call, waiting for ever.
 */
const STOP_GRACE_MS = 10_000;

/**
 * One running (or ended) `leakwatch watch|attach` child.
 * @typedef {{
 *   id: string, kind: 'watch' | 'attach', child: import('node:child_process').ChildProcess,
 *   dir: string, eventsFile: string, stderr: string,
 *   exit: { code: number | null, signal: string | null } | null, ended: Promise<void>,
 * }} Session
 */

/** @type {Map<string, Session>} */
const sessions = new Map();
let lastId = 0;

/**
 * Starts `leakwatch KIND OPTIONS --events FILE [-- COMMAND...] | [PID]`; returns the session.
 * @param {'watch' | 'attach'} kind
 * @param {string[]} args the command's arguments after its options and --events
 * @param {string[]} options the command's own options
 * @returns {Session}
 */
function startSession(kind, options, args) {
  const command = findCommand();
  if (command === null || command.args.length === 0) {
    throw new Error(`leakwatch mcp: ${kind} needs the package's lib/cli/main.js, which this installation lacks`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-mcp-session-'));
  const eventsFile = path.join(dir, 'events.ndjson');
  const child = spawn(command.file, [...command.args, kind, ...options, '--events', eventsFile, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const id = `${kind}-${++lastId}`;
  /** @type {Session} */
  const session = { id, kind, child, dir, eventsFile, stderr: '', exit: null, ended: Promise.resolve() };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk) => {
    session.stderr = (session.stderr + chunk).slice(-STDERR_KEPT_CHARS);
  });
  session.ended = new Promise((resolve) => {
    child.on('error', (err) => {
      session.stderr += `${err.message}\n`;
      session.exit ??= { code: null, signal: null };
      resolve();
    });
    child.on('close', (code, signal) => {
      session.exit = { code, signal };
      resolve();
    });
  });
  sessions.set(id, session);
  return session;
}

/** The session `id`, or an Error naming it. */
function sessionById(id) {
  const session = typeof id === 'string' ? sessions.get(id) : undefined;
  if (session === undefined) {
    const known = [...sessions.keys()];
    throw new Error(`no session ${JSON.stringify(id)} (${known.length > 0 ? `sessions: ${known.join(', ')}` : 'none is running'})`);
  }
  return session;
}

/** The events the session's file holds so far, parsed; a last line still being written is left out. */
function readEvents(session) {
  let text;
  try {
    text = fs.readFileSync(session.eventsFile, 'utf8');
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return [];
    throw err;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** The last line of the session's stderr, which says why a watcher that failed ended. */
function lastStderrLine(session) {
  return session.stderr.trim().split('\n').pop() ?? '';
}

/**
 * The session's events from index `from` on, with `next` (the index to ask from next time),
 * whether it still runs, and, once ended, its exit status and last stderr line.
 * @param {string} id
 * @param {number} from
 */
function sessionEvents(id, from) {
  const session = sessionById(id);
  const events = readEvents(session);
  return {
    session: session.id,
    running: session.exit === null,
    events: events.slice(from),
    next: events.length,
    ...(session.exit === null ? {} : { exit: session.exit, stderr: lastStderrLine(session) }),
  };
}

/**
 * Stops the session: SIGINT to the watcher (watch passes it to the program, attach detaches),
 * then its exit status once it ended; its events file is removed and its id forgotten.
 * @param {string} id
 */
async function stopSession(id) {
  const session = sessionById(id);
  sessions.delete(session.id);
  const wasRunning = session.exit === null;
  if (wasRunning) {
    session.child.kill('SIGINT');
    const timer = setTimeout(() => killSession(session), STOP_GRACE_MS);
    await session.ended;
    clearTimeout(timer);
  }
  const events = readEvents(session);
  fs.rmSync(session.dir, { recursive: true, force: true });
  return { session: session.id, wasRunning, exit: session.exit, events: events.length, stderr: lastStderrLine(session) };
}

/**
 * Kills the watcher and the processes its `start` events name: a watched program left running
 * would keep the watcher's stderr pipe open, and the session from ever ending.
 */
function killSession(session) {
  if (session.kind === 'watch') {
    for (const event of readEvents(session)) {
      if (event.type !== 'start') continue;
      try {
        process.kill(event.pid, 'SIGKILL');
      } catch {
        // It ended meanwhile.
      }
    }
  }
  session.child.kill('SIGKILL');
}

/** Stops every session; resolves once all have ended. */
async function stopAllSessions() {
  await Promise.all([...sessions.keys()].map((id) => stopSession(id).catch(() => {})));
}

module.exports = { startSession, sessionEvents, stopSession, stopAllSessions };
