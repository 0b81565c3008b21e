'use strict';
// Clean: after 15 s, traffic triples; more requests are in flight at once (each held for two
// seconds), so the heap steps up once and stays there.
const { startChurn } = require('./churn');

const inFlight = new Set();
let perTick = 40;

startChurn();
setTimeout(() => (perTick = 120), 15_000);
setInterval(() => {
  for (let i = 0; i < perTick; i++) {
    const request = { id: i, body: `payload ${i} `.repeat(8), headers: { accept: '*/*' } };
    inFlight.add(request);
    setTimeout(() => inFlight.delete(request), 2000);
  }
}, 50);
