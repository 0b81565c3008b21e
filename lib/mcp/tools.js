// @ts-check
'use strict';
// The MCP tools: one per report of the `leakwatch` command, named after it, each answering the
// JSON that `leakwatch <report> --json` prints; and watch and attach, which start a session
// (lib/mcp/sessions.js) that sessionEvents reads and stopSession ends. Input schemas are JSON Schema, as MCP lists them;
// arguments are checked here again, since a client need not honour the schema.

const { runReport } = require('./report-command');
const { startSession, sessionEvents, stopSession } = require('./sessions');

/** A tool argument naming a .heapsnapshot file. */
const snapshotFile = (description) => ({ type: 'string', description });

const topProperty = { type: 'integer', minimum: 1, description: 'How many classes to list (20 by default).' };

/** The tools, by name: {description, inputSchema, run(input) → a promise of the answer's JSON}. */
const TOOLS = {
  summary: {
    description: 'The classes of a V8 heap snapshot (.heapsnapshot file), ranked by retained size: count, shallow and retained size of each, as DevTools computes them. Same JSON as `leakwatch summary FILE --json`.',
    inputSchema: {
      type: 'object',
      properties: { file: snapshotFile('Path of the .heapsnapshot file.'), top: topProperty },
      required: ['file'],
    },
    run: report((input) => ['summary', text(input, 'file'), ...optionalInteger(input, 'top', '--top')]),
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
    run: report((input) => ['diff', text(input, 'before'), text(input, 'after'), ...optionalInteger(input, 'top', '--top')]),
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
    run: report((input) => {
      const hasId = input.id !== undefined;
      if (hasId === (input.class !== undefined)) throw new Error('retainers takes one of `id` and `class`');
      const which = hasId ? optionalInteger(input, 'id', '--id', 0) : ['--class', text(input, 'class')];
      return ['retainers', text(input, 'file'), ...which, ...optionalInteger(input, 'paths', '--paths')];
    }),
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
    run: report((input) => ['find-leaks', text(input, 'baseline'), text(input, 'target'), text(input, 'final'), ...optionalInteger(input, 'top', '--top')]),
  },
  watch: {
    description: 'Starts `leakwatch watch`: runs a Node.js program with the leak detector loaded, unchanged, in the background. Answers a session id for sessionEvents and stopSession.',
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'The command line to run, e.g. ["node", "server.js", "--port", "8080"].' },
        options: watcherOptions('watch'),
      },
      required: ['command'],
    },
    run: async (input) => {
      const command = strings(input, 'command');
      if (command.length === 0) throw new Error('`command` must name the program to run, e.g. ["node", "app.js"]');
      return started(startSession('watch', watcherOptionsOf(input), ['--', ...command]));
    },
  },
  attach: {
    description: 'Starts `leakwatch attach`: watches a running Node.js process through its inspector (port 9229) in the background; stopSession detaches and leaves it as it was. Answers a session id for sessionEvents and stopSession.',
    inputSchema: {
      type: 'object',
      properties: {
        pid: { type: 'integer', minimum: 1, description: 'The process id of the Node.js process.' },
        options: watcherOptions('attach'),
      },
      required: ['pid'],
    },
    run: async (input) => {
      const pid = input.pid;
      if (!Number.isInteger(pid) || pid < 1) throw new Error(`\`pid\` must be a process id (an integer of at least 1), not ${JSON.stringify(pid)}`);
      if (!processExists(pid)) throw new Error(`no process with pid ${pid}`);
      return started(startSession('attach', watcherOptionsOf(input), [String(pid)]));
    },
  },
  sessionEvents: {
    description: 'The events of a watch or attach session so far (start, stats, leak, warning, exit, as in `--events` NDJSON), from index `from` on; `next` is the index to ask from next time, and once the session ended, its exit status.',
    inputSchema: {
      type: 'object',
      properties: {
        session: { type: 'string', description: 'The session id that watch or attach answered.' },
        from: { type: 'integer', minimum: 0, description: 'Index of the first event to return (0 by default): the `next` of an earlier answer.' },
      },
      required: ['session'],
    },
    run: async (input) => sessionEvents(text(input, 'session'), integerOr(input, 'from', 0, 0)),
  },
  stopSession: {
    description: 'Stops a watch or attach session: SIGINT to leakwatch (watch passes it to the program; attach detaches), then answers its exit status and removes its events file.',
    inputSchema: {
      type: 'object',
      properties: { session: { type: 'string', description: 'The session id that watch or attach answered.' } },
      required: ['session'],
    },
    run: async (input) => stopSession(text(input, 'session')),
  },
};

/** A tool that runs `leakwatch <args(input)> --json` and answers its JSON. */
function report(args) {
  return (input) => runReport(args(input));
}

/** The schema of the `options` argument of the watch or attach tool. */
function watcherOptions(command) {
  return {
    type: 'array',
    items: { type: 'string' },
    description: `Options of \`leakwatch ${command}\`, as on its command line (\`leakwatch ${command} --help\` lists them), e.g. ["--min-window-ms", "6000", "--snapshot-on-leak", "snapshots"]. The session sets --events itself.`,
  };
}

/** The watch or attach tool's `options`, checked: strings, without the --events the session sets. */
function watcherOptionsOf(input) {
  const options = input.options === undefined ? [] : strings(input, 'options');
  for (const option of options) {
    if (option === '--events' || option.startsWith('--events=')) throw new Error('`options` must not hold --events: the session writes the events file itself');
    if (option === '--') throw new Error('`options` must not hold --: the command goes in `command`');
  }
  return options;
}

/** The answer of a tool that started a session. */
function started(session) {
  return { session: session.id, kind: session.kind, watcherPid: session.child.pid };
}

/** Whether a process `pid` exists (one this process may not signal still does). */
function processExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/** `input[key]` if it is an array of strings, else an Error naming the argument. */
function strings(input, key) {
  const value = input[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new Error(`\`${key}\` must be an array of strings`);
  return value;
}

/** An integer argument at least `min`, `fallback` when absent. */
function integerOr(input, key, fallback, min) {
  const value = input[key];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`\`${key}\` must be an integer of at least ${min}`);
  return value;
}

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
    const answer = await tool.run(input ?? {});
    return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
  } catch (err) {
    return { isError: true, content: [{ type: 'text', text: err instanceof Error ? err.message : String(err) }] };
  }
}

module.exports = { listTools, callTool };
