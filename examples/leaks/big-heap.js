'use strict';
// Clean: a large, stable in-memory index (~120 MB) and steady request churn on top of it.
const { startChurn } = require('./churn');

const index = Array.from({ length: 1_000_000 }, (_, i) => ({ id: i, name: `item ${i}`, score: i % 97 }));

startChurn();
setInterval(() => {
  let hits = 0;
  for (let i = 0; i < 1000; i++) hits += index[Math.floor(Math.random() * index.length)].score;
  return hits;
}, 10);
