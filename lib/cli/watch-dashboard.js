// @ts-check
'use strict';
// `leakwatch watch --dashboard [PORT]`: the library's dashboard (dashboard/server.js), served by
// the watcher for each watched process. The process itself runs the dashboard's in-process data
// source (lib/dashboard.js) and sends what it publishes over the channel; the watcher serves it
// and passes the page's actions (Force GC, Take HeapDiff) back. The first process gets PORT, the
// others a free port each, and every page has a picker of the processes when there are several.

const { startDashboardServer } = require('../../dashboard/server');
const { HttpError } = require('../../dashboard/http');
const { encodeMessage } = require('./channel');

/** The dashboard's data source for one watched process, fed from the channel. */
class WatchedProcessSource {
  /** @param {WatchDashboards} dashboards */
  constructor(dashboards) {
    this.dashboards = dashboards;
    /** @type {{pid: number, command: string[], socket: import('node:net').Socket} | null} */
    this.process = null;
    /** @type {((type: string, data: any) => void) | null} */
    this.publish = null;
    /** Waiting for the HeapDiff asked for. @type {{resolve: Function, reject: Function}[]} */
    this.diffs = [];
  }

  subscribe(publish) {
    this.publish = publish;
    return () => {
      this.publish = null;
    };
  }

  info() {
    if (this.process === null) return { title: 'waiting for the program to start', pid: null, controls: {} };
    return { title: `${this.process.command.join(' ')} (pid ${this.process.pid})`, pid: this.process.pid, controls: {} };
  }

  /** What the process published, passed on to the page. */
  relay(type, data) {
    if (type === 'diff') for (const { resolve } of this.diffs.splice(0)) resolve(data);
    this.publish?.(type, data);
  }

  gc() {
    this.#ask('gc');
    return Promise.resolve();
  }

  diff() {
    return new Promise((resolve, reject) => {
      this.diffs.push({ resolve, reject });
      this.#ask('diff');
    });
  }

  setControl() {
    throw new HttpError(404, 'a watched program has no controls');
  }

  /** The process ended: nothing more will come. */
  ended() {
    for (const { reject } of this.diffs.splice(0)) reject(new HttpError(409, 'the process has ended'));
  }

  close() {
    this.ended();
  }

  #ask(command) {
    if (this.process === null || this.process.socket.destroyed) throw new HttpError(409, 'the process is not running');
    this.process.socket.write(encodeMessage({ command }));
  }
}

/** The dashboards of one `leakwatch watch` run. */
class WatchDashboards {
  /** @param {number} port the first process's port */
  constructor(port) {
    this.port = port;
    /** pid -> {source, dashboard}. @type {Map<number, {source: WatchedProcessSource, dashboard: any}>} */
    this.byPid = new Map();
    /** The first server, started before the program so that a port in use stops leakwatch. */
    this.first = null;
  }

  /** Starts the first server; rejects with a one-line Error when its port cannot be had. */
  async start() {
    const source = new WatchedProcessSource(this);
    this.first = { source, dashboard: await startDashboardServer(source, { port: this.port }) };
  }

  /**
   * Process `pid` connected: it gets the first server if that is free, else one of its own.
   * Resolves to the page's URL.
   */
  async add(pid, command, socket) {
    let entry = this.first !== null && this.first.source.process === null ? this.first : null;
    if (entry === null) {
      const source = new WatchedProcessSource(this);
      entry = { source, dashboard: await startDashboardServer(source, { port: 0 }) };
    }
    entry.source.process = { pid, command, socket };
    this.byPid.set(pid, entry);
    this.#publishProcesses();
    return entry.dashboard.url;
  }

  /** An event published by the data source in process `pid`. */
  relay(pid, type, data) {
    this.byPid.get(pid)?.source.relay(type, data);
  }

  /** Process `pid` ended; its page stays up, with what it showed, until leakwatch ends. */
  ended(pid) {
    this.byPid.get(pid)?.source.ended();
  }

  /** Each page's picker: every process, its own marked. */
  #publishProcesses() {
    const all = [...this.byPid.entries()].map(([pid, { source, dashboard }]) => ({
      pid,
      command: source.process?.command.join(' ') ?? '',
      url: dashboard.url,
    }));
    for (const [pid, { source }] of this.byPid) {
      source.publish?.('processes', all.map((entry) => ({ ...entry, current: entry.pid === pid })));
    }
  }

  async close() {
    const entries = new Set([...this.byPid.values(), ...(this.first ? [this.first] : [])]);
    await Promise.all([...entries].map(({ dashboard }) => dashboard.close()));
  }
}

module.exports = { WatchDashboards };
