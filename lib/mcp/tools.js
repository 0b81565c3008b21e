// @ts-check
'use strict';
// The MCP tools: one per report of the `leakwatch` command, named after it, each answering the
// JSON that `leakwatch <report> --json` prints. Input schemas are JSON Schema, as MCP lists them;
// arguments are checked here again, since a client need not honour the schema.

const { runReport } = require('./report-command');

/** A tool argument naming a .heapsnapshot file. */
const snapshotFile = (description) => ({ type: 'string', description });

const topProperty = { type: 'integer', minimum: 1, description: 'How many classes to list (20 by default).' };

/** The tools, by name: {description, inputSchema, args(input) → the command's arguments}. */
const TOOLS = {
  summary: {
    description: 'The classes of a V8 heap snapshot (.heapsnapshot file), ranked by retained size: count, shallow and retained size of each, as DevTools computes them. Same JSON as `leakwatch summary FILE --json`.',
    inputSchema: {
      type: 'object',
      properties: { file: snapshotFile('Path of the .heapsnapshot file.'), top: topProperty },
      required: ['file'],
    },
    args: (input) => ['summary', text(input, 'file'), ...optionalInteger(input, 'top', '--top')],
  },
  diff: {
    description: 'What changed between two heap snapshots of one process: objects allocated and freed, and the classes that grew, the one whose retained size grew most first. Same JSON as `leakwatch diff BEFORE AFTER --json`.',
    inputSchema: {
      type: 'object',
      properties: {
        before: snapshotFile('Path of the earlier .heapsnapshot file.'),
        after: snapshotFile('Path of the later .heapsnapshot file, of the same process.'),
        top: topProperty,
      },
      required: ['before', 'after'],
    },
    args: (input) => ['diff', text(input, 'before'), text(input, 'after'), ...optionalInteger(input, 'top', '--top')],
  },
  retainers: {
    description: 'Why objects are still alive: the shortest reference paths from the GC roots to one object (id) or to the largest objects of a class. Same JSON as `leakwatch retainers FILE --json`.',
    inputSchema: {
      type: 'object',
      properties: {
        file: snapshotFile('Path of the .heapsnapshot file.'),
        id: { type: 'integer', minimum: 0, description: "The object's snapshot id (`@id` in DevTools)." },
        class: { type: 'string', description: 'A class name: explains its largest objects, one path each.' },
        paths: { type: 'integer', minimum: 1, description: 'With id, how many paths; with class, how many objects (5 by default).' },
      },
      required: ['file'],
    },
    args: (input) => {
      const hasId = input.id !== undefined;
      if (hasId === (input.class !== undefined)) throw new Error('retainers takes one of `id` and `class`');
      const which = hasId ? optionalInteger(input, 'id', '--id', 0) : ['--class', text(input, 'class')];
      return ['retainers', text(input, 'file'), ...which, ...optionalInteger(input, 'paths', '--paths')];
    },
  },
  findLeaks: {
    description: 'Finds leaks across three heap snapshots of one process (before an action, after it, and after undoing or repeating it): the objects allocated between the first two that are still alive in the third, grouped by class and retainer path, the group that retains the most first. Same JSON as `leakwatch find-leaks BASELINE TARGET FINAL --json`.',
    inputSchema: {
      type: 'object',
      properties: {
        baseline: snapshotFile('Snapshot before the action.'),
        target: snapshotFile('Snapshot after the action.'),
        final: snapshotFile('Snapshot after undoing or repeating the action.'),
        top: { type: 'integer', minimum: 1, description: 'How many groups to list (all by default).' },
      },
      required: ['baseline', 'target', 'final'],
    },
    args: (input) => ['find-leaks', text(input, 'baseline'), text(input, 'target'), text(input, 'final'), ...optionalInteger(input, 'top', '--top')],
  },
};

/** `input[key]` if it is a non-empty string, else an Error naming the argument. */
function text(input, key) {
  const value = input[key];
  if (typeof value !== 'string' || value === '') throw new Error(`\`${key}\` must be a non-empty string`);
  return value;
}

/** [flag, value] for an integer argument at least `min`, [] when absent. */
function optionalInteger(input, key, flag, min = 1) {
  const value = input[key];
  if (value === undefined) return [];
  if (!Number.isInteger(value) || value < min) throw new Error(`\`${key}\` must be an integer of at least ${min}`);
  return [flag, String(value)];
}

/** The tool list MCP's tools/list answers. */
function listTools() {
  return Object.entries(TOOLS).map(([name, { description, inputSchema }]) => ({ name, description, inputSchema }));
}

/**
 * Calls tool `name` with `input`; resolves to an MCP tool result: the report's JSON as text, or
 * `isError` with a one-line message (unknown tool, bad arguments, the command's own complaint).
 */
async function callTool(name, input = {}) {
  const tool = Object.hasOwn(TOOLS, name) ? TOOLS[name] : undefined;
  try {
    if (tool === undefined) throw new Error(`no tool named ${JSON.stringify(name)} (tools: ${Object.keys(TOOLS).join(', ')})`);
    const report = await runReport(tool.args(input ?? {}));
    return { content: [{ type: 'text', text: JSON.stringify(report) }] };
  } catch (err) {
    return { isError: true, content: [{ type: 'text', text: err instanceof Error ? err.message : String(err) }] };
  }
}

module.exports = { listTools, callTool };
