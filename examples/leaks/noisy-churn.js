'use strict';
// Clean: bursty traffic; requests of random size are held for random times from 0.1 to 4 s, so
// the live heap wanders up and down by megabytes.
const { startChurn } = require('./churn');

const inFlight = new Set();

startChurn({ perTick: 4000 });
setInterval(() => {
  const burst = Math.random() < 0.2 ? 400 : 20;
  for (let i = 0; i < burst; i++) {
    const request = { id: i, body: 'x'.repeat(200 + Math.floor(Math.random() * 2000)) };
    inFlight.add(request);
    setTimeout(() => inFlight.delete(request), 100 + Math.random() * 3900);
  }
}, 50);
