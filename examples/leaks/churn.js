'use strict';
// Background work shared by the labelled programs: requests that build short-lived strings and
// objects (garbage that the young generation frees) at a steady pace, like a busy server.

/**
 * Starts churning `perTick` small objects every `everyMs`; returns a function that stops it.
 * @param {{perTick?: number, everyMs?: number}} [options]
 */
function startChurn({ perTick = 3000, everyMs = 5 } = {}) {
  const timer = setInterval(() => {
    let total = 0;
    for (let i = 0; i < perTick; i++) {
      const response = { status: 200, body: JSON.stringify({ id: i, at: Date.now() }) };
      total += response.body.length;
    }
    return total;
  }, everyMs);
  return () => clearInterval(timer);
}

module.exports = { startChurn };
