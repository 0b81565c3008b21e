'use strict';
// Leaks only after a clean warm-up: after 10 s, failed queries are kept for a retry that never
// comes. About 80 KB/s of `PendingQuery`s from then on.
const { startChurn } = require('./churn');

class PendingQuery {
  constructor(sql, attempt) {
    this.sql = sql;
    this.attempt = attempt;
    this.error = new Error('connection reset');
  }
}

const retries = [];
let failing = false;

function runQuery(n) {
  const sql = `SELECT * FROM orders WHERE id = ${n}`;
  if (failing) retries.push(new PendingQuery(sql, 1));
  return sql.length;
}

startChurn();
setTimeout(() => (failing = true), 10_000);
let n = 0;
setInterval(() => {
  for (let i = 0; i < 20; i++) runQuery(n++);
}, 100);
