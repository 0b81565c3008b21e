'use strict';
// A call that takes about 1 ms, making short-lived objects as it goes: what the leak test's
// speed is stated for (bench/assert-no-leak.js).
class Scratch {
  constructor(n) {
    this.n = n;
  }
}

/** Works for 1 ms; returns a figure so that the work is not optimized away. */
function busyMillisecond() {
  const until = process.hrtime.bigint() + 1_000_000n;
  let sum = 0;
  while (process.hrtime.bigint() < until) sum += new Scratch(sum & 0xff).n;
  return sum;
}

module.exports = { busyMillisecond };
