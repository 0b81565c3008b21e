'use strict';
// The demo: a small workload watched live on leakwatch's dashboard.
//
//   npm start                                  # builds, then runs this on http://127.0.0.1:3000
//   node examples/demo.js [--port N] [--host ADDRESS] [--leak] [--seconds N]
//
// Fast workers churn short-lived strings, slow workers hold tasks for a while (see workload.js).
// The dashboard's buttons start and stop the workload, make it busy, and switch on a slow leak
// of `LeakedRequest`s (or start with it on: --leak); leak reports are printed here too. It runs
// until Ctrl-C, or for --seconds N. PORT sets the port when --port is not given; port 0 picks a
// free one.

const memwatch = require('..');
const { createWorkload } = require('./workload');

/** The value after `--name`, or undefined. */
function option(args, name) {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

function parseArgs(args) {
  const port = Number(option(args, '--port') ?? process.env.PORT ?? 3000);
  const seconds = option(args, '--seconds') === undefined ? null : Number(option(args, '--seconds'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port: ${option(args, '--port') ?? process.env.PORT}`);
  if (seconds !== null && !(seconds > 0)) throw new Error(`bad --seconds: ${option(args, '--seconds')}`);
  return { port, host: option(args, '--host') ?? '127.0.0.1', leak: args.includes('--leak'), seconds };
}

/** The workload's switches, as the dashboard's toggles. */
function workloadControls(workload) {
  return {
    workload: { label: 'Workload', get: () => workload.running, set: (on) => (on ? workload.start() : workload.stop()) },
    busy: { label: 'Busy', get: () => workload.busy, set: (on) => workload.setBusy(on) },
    leak: { label: 'Leak', get: () => workload.leaking, set: (on) => workload.setLeak(on) },
  };
}

function logLeak(report) {
  console.log(`leak: ${report.reason}`);
  for (const suspect of (report.suspects || []).slice(0, 3)) {
    console.log(`  suspect: ${suspect.class}, ${suspect.count} objects${suspect.path ? `, held by ${suspect.path}` : ''}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const workload = createWorkload({ leak: options.leak }).start();
  memwatch.on('leak', logLeak);

  let dashboard;
  try {
    dashboard = await memwatch.dashboard({ port: options.port, host: options.host, controls: workloadControls(workload) });
  } catch (err) {
    workload.stop();
    memwatch.stop();
    throw err;
  }
  console.log(`leakwatch dashboard: ${dashboard.url}`);
  console.log(`workload running, leak ${workload.leaking ? 'on' : 'off'}; ${options.seconds ? `stopping after ${options.seconds} s` : 'Ctrl-C to stop'}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    workload.stop();
    await dashboard.close();
    memwatch.stop();
    console.log('stopped');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (options.seconds) setTimeout(stop, options.seconds * 1000).unref();
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
