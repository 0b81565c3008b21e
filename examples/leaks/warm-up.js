'use strict';
// Clean: loads a lookup table of ~8 MB over its first eight seconds, then only serves from it.
const { startChurn } = require('./churn');

const table = new Map();
let loaded = 0;

startChurn();
const loader = setInterval(() => {
  for (let i = 0; i < 2500; i++, loaded++) table.set(`key-${loaded}`, { id: loaded, label: `label ${loaded}` });
  if (loaded >= 80_000) clearInterval(loader);
}, 250);
setInterval(() => table.get(`key-${Math.floor(Math.random() * loaded)}`), 10);
