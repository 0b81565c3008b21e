'use strict';
// Clean: a batch job that loads ~15 MB of records, works on them for three seconds and drops
// them, over and over. The heap saws up and down; its floor stays put.
const { startChurn } = require('./churn');

class BatchRecord {
  constructor(i) {
    this.i = i;
    this.payload = `record-${i}`;
  }
}

let batch = [];
startChurn();
setInterval(() => {
  batch = Array.from({ length: 150_000 }, (_, i) => new BatchRecord(i));
  setTimeout(() => (batch = []), 3000);
}, 5000);
