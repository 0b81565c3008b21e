'use strict';
// CPU samples of one process by symbol, from Linux perf: for native code, which V8's own profiler
// does not tell apart. (perf's names for JIT code, from node's --perf-basic-prof, go wrong once V8
// reuses a code address, so JS is left to --cpu-prof.) Unlike requests/s, the share of samples
// in some code is not blurred by other processes on the machine.

const { execFileSync } = require('node:child_process');

/** Whether `perf` runs here (Debian's linux-perf package). */
function perfAvailable() {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The command line that runs a command under `perf record`, sampling CPU time into `file`. */
function perfRecordPrefix(file) {
  return ['perf', 'record', '--quiet', '--freq', '999', '--event', 'cpu-clock', '--output', file, '--'];
}

/** The samples that perf recorded in `file`, as [{dso, symbol, samples}]. */
function samplesBySymbol(file) {
  const text = execFileSync('perf', ['report', '--input', file, '--sort', 'dso,sym', '--stdio', '--show-nr-samples', '--field-separator', '|'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const rows = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.includes('|')) continue;
    const [, samples, dso, symbol] = line.split('|').map((field) => field.trim());
    rows.push({ dso, symbol, samples: Number(samples) });
  }
  return rows;
}

module.exports = { perfAvailable, perfRecordPrefix, samplesBySymbol };
