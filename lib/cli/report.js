// @ts-check
'use strict';
// What `leakwatch watch` prints on stderr: a line when a process starts being watched, a short
// report at each leak, a summary when it ends. Pure functions of the events the watched
// processes send (lib/cli/preload.js), so that what is printed is what the library reported.

const { niceSize } = require('../native');

/** How many suspects a report shows; the --events file has them all. */
const SUSPECTS_SHOWN = 3;

/** "pid 123 (node app.js)": how every line names a process. */
function processName(pid, command) {
  const shown = command ? ` (${command.join(' ')})` : '';
  return `pid ${pid}${shown}`;
}

/** The line printed when process `start.pid` connects. */
function startLine(start) {
  return `leakwatch: watching ${processName(start.pid, start.command)}, node ${start.node}`;
}

/** Where a suspect was allocated, as "function (file:line:column)". */
function siteText(site) {
  return `${site.function} (${site.file}:${site.line}:${site.column})`;
}

/** What holds a suspect: `held_by` when the library gives one, else its retainer path. */
function holderText(suspect) {
  const holder = suspect.held_by ?? suspect.path;
  if (holder === null || holder === undefined) return null;
  return typeof holder === 'string' ? holder : JSON.stringify(holder);
}

/** The lines of one leak report, for process `command`. */
function leakLines(leak, command) {
  const lines = [`leakwatch: leak in ${processName(leak.pid, command)}: ${leak.reason}`];
  const suspects = leak.suspects ?? [];
  if (suspects.length === 0) lines.push('  no suspect named');
  suspects.slice(0, SUSPECTS_SHOWN).forEach((suspect, i) => {
    const what = suspect.class ?? '(class unknown)';
    lines.push(`  ${i + 1}. ${what}: +${suspect.count} objects, +${niceSize(suspect.bytes)}`);
    if (suspect.site) lines.push(`     allocated in ${siteText(suspect.site)}`);
    const holder = holderText(suspect);
    if (holder !== null) lines.push(`     held by ${holder}`);
  });
  if (suspects.length > SUSPECTS_SHOWN) lines.push(`  and ${suspects.length - SUSPECTS_SHOWN} more suspects`);
  if (leak.snapshot) lines.push(`  snapshot: ${leak.snapshot}`);
  return lines;
}

/** The line of a library warning. */
function warningLine(warning, command) {
  return `leakwatch: warning in ${processName(warning.pid, command)}: ${warning.message}`;
}

/**
 * The summary of one process when it ended (or when watching ended while it still ran):
 * `series` is what the watcher kept of it ({command, leaks, fullGcs, lastStats, exit}).
 */
function summaryLine(pid, series) {
  const how = !series.exit
    ? 'still running'
    : series.exit.signal
      ? `killed by ${series.exit.signal}`
      : `exited with code ${series.exit.code}`;
  const leaks = series.leaks === 1 ? '1 leak' : `${series.leaks} leaks`;
  const heap = series.lastStats ? `, heap ${niceSize(series.lastStats.current_base)} after the last full GC` : '';
  return `leakwatch: ${processName(pid, series.command)} ${how}: ${leaks} reported, ${series.fullGcs} full GCs watched${heap}`;
}

module.exports = { startLine, leakLines, warningLine, summaryLine, processName };
