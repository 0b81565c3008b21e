'use strict';
// examples/grafana: the dashboard's and the alert rules' queries are valid PromQL (Prometheus'
// own grammar) and name only metrics that leakwatch exports.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const { parser } = require('@prometheus-io/lezer-promql');
const { METRIC_NAMES } = require('../../lib/export/metrics');

const dir = path.join(__dirname, '..', '..', 'examples', 'grafana');
// What a histogram family's samples are called besides its own name.
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** The metric names a PromQL expression selects; fails the test on a syntax error. */
function metricNames(expr) {
  const names = [];
  parser.parse(expr).iterate({
    enter(node) {
      assert.ok(!node.type.isError, `PromQL syntax error at ${node.from} in: ${expr}`);
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        if (identifier) names.push(expr.slice(identifier.from, identifier.to));
      }
    },
  });
  return names;
}

function isExported(name) {
  if (METRIC_NAMES.includes(name)) return true;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  return suffix !== undefined && METRIC_NAMES.includes(name.slice(0, -suffix.length));
}

function assertOnlyExported(expr, where) {
  const names = metricNames(expr);
  assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
  for (const name of names) assert.ok(isExported(name), `${where}: ${name} is not a metric leakwatch exports`);
  return names;
}

test('the Grafana dashboard: every panel queries only exported metrics, and the key ones are shown', () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(dir, 'leakwatch-dashboard.json'), 'utf8'));
  assert.ok(Array.isArray(dashboard.panels) && dashboard.panels.length > 0);
  const shown = new Set();
  for (const panel of dashboard.panels) {
    assert.ok(panel.targets && panel.targets.length > 0, `panel "${panel.title}" has no query`);
    for (const target of panel.targets) {
      for (const name of assertOnlyExported(target.expr, `panel "${panel.title}"`)) shown.add(name);
    }
  }
  for (const name of [
    'nodejs_heap_size_used_bytes',
    'nodejs_heap_size_limit_bytes',
    'leakwatch_heap_after_gc_bytes',
    'leakwatch_heap_growth_bytes_per_second',
    'leakwatch_leak_suspected',
    'nodejs_gc_duration_seconds_bucket',
  ]) {
    assert.ok(shown.has(name), `no panel shows ${name}`);
  }
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
});

test('the alert rules: a leak alert and a heap-near-limit alert on exported metrics', () => {
  const rules = YAML.parse(fs.readFileSync(path.join(dir, 'leakwatch-alerts.yml'), 'utf8'));
  const alerts = new Map();
  for (const group of rules.groups) {
    assert.equal(typeof group.name, 'string');
    for (const rule of group.rules) {
      assert.equal(typeof rule.alert, 'string');
      alerts.set(rule.alert, assertOnlyExported(rule.expr, `alert ${rule.alert}`));
      assert.match(rule.for, /^\d+[smh]$/);
    }
  }
  assert.deepEqual(alerts.get('NodeMemoryLeak'), ['leakwatch_leak_suspected']);
  assert.deepEqual(alerts.get('NodeHeapNearLimit').sort(), ['nodejs_heap_size_limit_bytes', 'nodejs_heap_size_used_bytes']);
});

test('the check itself: a misspelt metric or a syntax error is caught', () => {
  assert.throws(() => assertOnlyExported('rate(nodejs_heap_used_byte[5m])', 'x'), /not a metric leakwatch exports/);
  assert.throws(() => assertOnlyExported('sum(leakwatch_leak_suspected', 'x'), /PromQL syntax error/);
});
