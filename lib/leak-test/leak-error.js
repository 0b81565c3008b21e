// @ts-check
'use strict';
// LeakError: what assertNoLeak rejects with when a class leaks, with a message a developer can
// act on without opening anything else.

/**
 * @typedef {import('../..').LeakSuspect} LeakSuspect
 */

/** Objects or bytes per call, as people read them: whole numbers when they are, else two digits. @param {number} n */
const perCall = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** One leak, as lines of the message. @param {LeakSuspect} leak */
function leakLines(leak) {
  const { objects, bytes } = leak.per_call;
  const plural = objects === 1 ? 'object' : 'objects';
  const lines = [
    `${leak.class}: ${perCall(objects)} ${plural} (${perCall(Math.round(bytes * 100) / 100)} bytes) per call; ` +
      `new objects alive after each round: ${leak.rounds.map((n) => `+${n}`).join(' ')}`,
  ];
  if (leak.site) lines.push(`    allocated by ${leak.site.stack[0] ?? `${leak.site.function} (${leak.site.file}:${leak.site.line}:${leak.site.column})`}`);
  else lines.push('    allocated by: not seen by the sampling heap profiler (lower the samplingInterval option)');
  // held_by: the holder as a line of its own, when the ranking gives one.
  const holder = /** @type {{held_by?: string | null}} */ (leak).held_by ?? leak.path;
  if (holder) lines.push(`    held by ${holder}`);
  return lines;
}

/** Rejected by assertNoLeak: objects of a class made by the function tested outlive its calls, round after round. */
class LeakError extends Error {
  /**
   * @param {LeakSuspect[]} leaks best first
   * @param {{calls: number, rounds: number, growth: import('../..').ClassGrowth[]}} run calls a
   *   round, rounds measured, and every class that grew
   */
  constructor(leaks, run) {
    const lines = leaks.flatMap(leakLines);
    super(
      `the function leaks: ${leaks.length === 1 ? 'a class grows' : `${leaks.length} classes grow`} with every round of ` +
        `${run.calls} calls (${run.rounds} rounds, full GCs between them)\n  ${lines.join('\n  ')}`,
    );
    this.name = 'LeakError';
    /** Calls a round. */
    this.calls = run.calls;
    /** Rounds measured. */
    this.rounds = run.rounds;
    /** What leaks, best first. */
    this.leaks = leaks;
    /** Every class that grew over the rounds, leaking or not: what the verdict was made from. */
    this.growth = run.growth;
  }
}

module.exports = { LeakError };
