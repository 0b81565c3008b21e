'use strict';
// The demo's workload, as a module: the dashboard demo drives it with buttons, and the leak
// detector's evaluation runs it as one of its labelled programs.
//
// - Fast workers churn short-lived strings: garbage that scavenges free at once.
// - Slow workers hold a `Task` for two seconds: objects that survive into old space and die there.
// - "Busy" multiplies both, as a step up in load.
// - The leak (off unless switched on) keeps a few `LeakedRequest`s every 100 ms in a module-level
//   list, about 100 KB/s: slow next to the churn, which is what makes a leak hard to see.

class Task {
  constructor(id) {
    this.id = id;
    this.payload = 'task-' + id + '-'.repeat(64);
  }
}

class LeakedRequest {
  constructor(id) {
    this.url = '/items/' + id;
    this.headers = { accept: 'application/json', id };
    this.body = 'request body ' + id + ' '.repeat(160);
    this.receivedAt = Date.now();
  }
}

/** Where leaked requests are kept: what the retainer path of a leaked object leads to. */
const leakedRequests = [];

/**
 * A workload that can be started, stopped, made busy and made to leak while it runs.
 * @param {{leak?: boolean, busy?: boolean}} [options]
 */
function createWorkload({ leak = false, busy = false } = {}) {
  let nextId = 0;
  const inFlight = new Set();
  let fast = null;
  let slow = null;
  let leaker = null;

  function churn() {
    const rounds = state.busy ? 6000 : 2000;
    for (let i = 0; i < rounds; i++) String(Math.random()).repeat(4);
  }

  function hold() {
    const count = state.busy ? 12 : 4;
    for (let i = 0; i < count; i++) {
      const task = new Task(nextId++);
      inFlight.add(task);
      setTimeout(() => inFlight.delete(task), 2000).unref();
    }
  }

  function leakSome() {
    if (!state.leaking) return;
    for (let i = 0; i < 30; i++) leakedRequests.push(new LeakedRequest(nextId++));
  }

  const state = {
    running: false,
    busy,
    leaking: leak,
    /** Tasks held by slow workers right now. */
    get inFlight() {
      return inFlight.size;
    },
    /** Requests leaked so far. */
    get leaked() {
      return leakedRequests.length;
    },
    start() {
      if (state.running) return state;
      state.running = true;
      fast = setInterval(churn, 5);
      slow = setInterval(hold, 50);
      leaker = setInterval(leakSome, 100);
      return state;
    },
    stop() {
      if (!state.running) return state;
      state.running = false;
      for (const timer of [fast, slow, leaker]) clearInterval(timer);
      fast = slow = leaker = null;
      return state;
    },
    setBusy(on) {
      state.busy = Boolean(on);
      return state;
    },
    setLeak(on) {
      state.leaking = Boolean(on);
      return state;
    },
  };
  return state;
}

module.exports = { createWorkload, Task, LeakedRequest, leakedRequests };
