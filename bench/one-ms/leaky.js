'use strict';
// Leaks: 1 ms of work, and a record of each call kept in a module-level array.
const { busyMillisecond } = require('./busy');

class TimedRecord {
  constructor(total) {
    this.total = total;
  }
}
const kept = [];

module.exports = {
  leaks: 'TimedRecord',
  run() {
    kept.push(new TimedRecord(busyMillisecond()));
  },
};
