'use strict';
// The demo: a small workload that leaks one class, watched by leakwatch.
//
//   npm start                       # builds, then runs this
//   node examples/demo.js [--seconds N] [--no-leak]
//
// Fast workers churn short-lived strings, slow workers hold tasks for a while, and (unless
// --no-leak) a slow leak keeps every `LeakedRequest` in a module-level list. leakwatch prints the
// heap after each full GC, a leak event if its detector fires, then what a HeapDiff over the run
// found and the retainer path of a leaked object, from the `leakwatch` command.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const memwatch = require('..');

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 12;
const leaking = !args.includes('--no-leak');

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
    this.receivedAt = Date.now();
  }
}

const leaked = [];
const inFlight = new Set();
let nextId = 0;

function work() {
  for (let i = 0; i < 2000; i++) String(Math.random()).repeat(4); // garbage, freed at once
  const task = new Task(nextId++);
  inFlight.add(task);
  setTimeout(() => inFlight.delete(task), 2000).unref();
  if (leaking) for (let i = 0; i < 50; i++) leaked.push(new LeakedRequest(nextId++));
}

const mb = (bytes) => (bytes / 1048576).toFixed(1) + ' MB';

memwatch.on('stats', (s) => {
  console.log(`full GC #${s.num_full_gc}: heap after GC ${mb(s.current_base)}, ` +
    `estimated base ${mb(s.estimated_base)}, usage trend ${s.usage_trend}%`);
});
memwatch.on('leak', (info) => console.log(`leak: ${info.reason}`));

async function main() {
  console.log(`leakwatch demo: ${seconds} s of work, leak ${leaking ? 'on' : 'off'}`);
  const diff = new memwatch.HeapDiff();
  const timer = setInterval(work, 5);
  const forcer = setInterval(() => memwatch.gc(), 2000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  clearInterval(timer);
  clearInterval(forcer);

  const result = await diff.endAsync();
  console.log(`\nHeapDiff over the run: ${result.change.size} (${result.change.allocated_nodes} allocated, ` +
    `${result.change.freed_nodes} freed); classes that grew most in retained size:`);
  for (const row of result.change.details.slice(0, 5)) {
    console.log(`  ${row.what.padEnd(16)} +${row['+']} -${row['-']}  ${row.size}`);
  }

  const cli = path.join(__dirname, '..', 'target', 'release', 'leakwatch');
  if (leaking && fs.existsSync(cli)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakwatch-demo-'));
    const file = v8.writeHeapSnapshot(path.join(dir, 'demo.heapsnapshot'));
    console.log('\nWhat holds a LeakedRequest (leakwatch retainers --class LeakedRequest --paths 1):');
    process.stdout.write(execFileSync(cli, ['retainers', file, '--class', 'LeakedRequest', '--paths', '1']));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  memwatch.stop();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
