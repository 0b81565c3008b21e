'use strict';
// Reads Prometheus text exposition with parse-prometheus-text-format, a port of Prometheus' own
// text parser: a malformed line, a sample outside its family or a bad TYPE throws.
//
// That parser folds all the label sets of a histogram into one (it keeps only the `le` buckets),
// so every sample line is also parsed on its own, which gives its name, labels and value.

const assert = require('node:assert/strict');
const parse = require('parse-prometheus-text-format');

/**
 * Parses `text`; returns `{families, samples}`: the families by name (as the parser gives them:
 * {name, help, type, metrics}) and every sample as {name, labels, value} with a numeric value.
 * Fails the test if a family name appears twice.
 */
function parseExposition(text) {
  const list = parse(text);
  const families = new Map();
  for (const family of list) {
    assert.ok(!families.has(family.name), `metric family ${family.name} appears twice`);
    families.set(family.name, family);
  }
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [family] = parse(`${line}\n`);
    const [{ labels = {}, value }] = family.metrics;
    samples.push({ name: family.name, labels, value: Number(value) });
  }
  return { families, samples };
}

/** The value of the one sample named `name` whose labels include `labels`. */
function sampleValue(samples, name, labels = {}) {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1, `expected one ${name} sample with ${JSON.stringify(labels)}, found ${found.length}`);
  return found[0].value;
}

module.exports = { parseExposition, sampleValue };
