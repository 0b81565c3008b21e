'use strict';
// Leaks through a closure context: each report registers a small `onArchive` hook that uses only
// the report's id, and the hooks are kept. V8 gives the closures made by one call a single
// context, so the hook shares it with `render`, which refers to the `ReportBuilder`: every kept
// hook keeps its builder and the rows it built. About 90 KB/s.
const { startChurn } = require('./churn');

class ReportBuilder {
  constructor(id) {
    this.id = id;
    this.rows = Array.from({ length: 5 }, (_, i) => ({ line: i, text: `report ${id}, row ${i}` }));
  }

  render() {
    return this.rows.map((row) => row.text).join('\n');
  }
}

// Run when the day's reports are archived, which this server never does.
const archiveHooks = [];
let reports = 0;

function buildReport() {
  const id = reports++;
  const builder = new ReportBuilder(id);
  const render = () => builder.render();
  const onArchive = () => id;
  archiveHooks.push(onArchive);
  return render().length;
}

startChurn();
setInterval(() => {
  for (let i = 0; i < 10; i++) buildReport();
}, 100);
