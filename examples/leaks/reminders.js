'use strict';
// Leaks: every signup is kept in a list, about 110 KB/s of `Signup`s, and each batch of signups
// also schedules reminder timers for an hour later, about 50 KB/s of Node's `Timeout`s. The
// `Signup` constructor is small, so V8 inlines it into `register` and no sampled stack shows it;
// `remind` calls into Node's timer code. The culprit is `Signup`, made by `register`, not `remind`.
const { startChurn } = require('./churn');

class Signup {
  constructor(id) {
    this.id = id;
    this.email = `user-${id}@example.com${' '.repeat(300)}`;
  }
}

const signups = [];
let next = 0;

function register() {
  for (let i = 0; i < 30; i++) signups.push(new Signup(next++));
}

function remind() {
  for (let i = 0; i < 8; i++) {
    const note = `remember to confirm ${next + i}${'.'.repeat(300)}`;
    setTimeout(() => note.length, 3_600_000).unref();
  }
}

startChurn();
setInterval(() => {
  register();
  remind();
}, 100);
