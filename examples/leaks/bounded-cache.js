'use strict';
// Clean: an LRU cache of at most 20,000 entries fills over its first ~12 seconds, then evicts as
// fast as it adds.
const { startChurn } = require('./churn');

const LIMIT = 20_000;
const cache = new Map();
let next = 0;

function remember(key, value) {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > LIMIT) cache.delete(cache.keys().next().value);
}

startChurn();
setInterval(() => {
  for (let i = 0; i < 170; i++, next++) remember(`user-${next}`, { id: next, profile: `profile of ${next}` });
}, 100);
