'use strict';
// Leaks: every connection subscribes to a shared emitter and never unsubscribes; each listener
// closure keeps its `Subscription` alive. About 60 KB/s.
const { EventEmitter } = require('node:events');
const { startChurn } = require('./churn');

const bus = new EventEmitter();
bus.setMaxListeners(0);

class Subscription {
  constructor(connectionId) {
    this.connectionId = connectionId;
    this.topics = ['orders', 'prices', `user-${connectionId}`];
    this.buffer = [];
  }
}

let connections = 0;
function onConnection() {
  const subscription = new Subscription(connections++);
  bus.on('price', (price) => subscription.buffer.length < 0 && subscription.buffer.push(price));
}

startChurn();
setInterval(() => {
  for (let i = 0; i < 40; i++) onConnection();
  bus.emit('price', Math.random());
}, 100);
