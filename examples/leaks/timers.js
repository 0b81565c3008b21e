'use strict';
// Leaks: each job starts a poller whose interval is never cleared; the timer keeps the `Poller`
// and the results it gathered. About 55 KB/s.
const { startChurn } = require('./churn');

class Poller {
  constructor(job) {
    this.job = job;
    this.results = Array.from({ length: 12 }, (_, i) => ({ attempt: i, status: 'pending' }));
  }

  poll() {
    this.lastPoll = Date.now();
  }
}

let jobs = 0;
function startJob() {
  const poller = new Poller(jobs++);
  setInterval(() => poller.poll(), 60_000);
}

startChurn();
setInterval(() => {
  for (let i = 0; i < 6; i++) startJob();
}, 100);
