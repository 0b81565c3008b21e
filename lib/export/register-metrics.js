// @ts-check
'use strict';
// Adds leakwatch's metrics to a prom-client Registry that the program passes in.
//
// prom-client is the program's own optional dependency, never leakwatch's: nothing here requires
// it. A registry takes any object with a name and an async get() returning
// {name, help, type, values: [{metricName?, labels, value}], aggregator}, which is what each
// family is wrapped in. Families whose name the registry already has (prom-client's
// collectDefaultMetrics() registers several of the same names) are left to the registry, so each
// name appears once and only leakwatch's additions are added.

// How prom-client's cluster aggregation combines the workers' values.
const AGGREGATOR = { leakwatch_leak_suspected: 'max', nodejs_heap_size_limit_bytes: 'max' };

function checkRegistry(register) {
  const methods = ['registerMetric', 'getSingleMetric', 'removeSingleMetric'];
  if (register === null || typeof register !== 'object' || methods.some((m) => typeof register[m] !== 'function')) {
    throw new TypeError('leakwatch: registerMetrics() takes a prom-client Registry (such as require("prom-client").register)');
  }
}

/** One family as a prom-client metric object. */
function promClientMetric(family) {
  const metric = {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: AGGREGATOR[family.name] ?? 'sum',
    async get() {
      return {
        // prom-client renames counters in OpenMetrics registries: report the name it set.
        name: metric.name,
        help: family.help,
        type: family.type,
        aggregator: metric.aggregator,
        values: family.read().map(({ name, labels, value }) => ({
          ...(name === family.name ? {} : { metricName: name }),
          labels,
          value,
        })),
      };
    },
    reset() {},
  };
  return metric;
}

/**
 * Registers in `register` every family of `families` whose name it does not hold yet. Returns
 * `{registered, skipped, unregister()}`: the names added, the names left to what the registry
 * already had, and a function that removes what was added.
 */
function registerFamilies(register, families) {
  checkRegistry(register);
  const registered = [];
  const skipped = [];
  for (const family of families) {
    if (register.getSingleMetric(family.name) !== undefined) {
      skipped.push(family.name);
      continue;
    }
    register.registerMetric(promClientMetric(family));
    registered.push(family.name);
  }
  const unregister = () => {
    for (const name of registered) register.removeSingleMetric(name);
  };
  return { registered, skipped, unregister };
}

module.exports = { registerFamilies };
