// @ts-check
'use strict';
// `leakwatch mcp`: a Model Context Protocol server over stdio, for coding assistants, whose tools
// (lib/mcp/tools.js) are leakwatch's snapshot reports and its watch and attach sessions.
//
// The official SDK (@modelcontextprotocol/sdk) is an optional peer dependency: a program that only
// uses the library never loads it, and `leakwatch mcp` without it says how to add it.

const { listTools, callTool } = require('./tools');
const { stopAllSessions } = require('./sessions');
const fs = require('node:fs');
const path = require('node:path');

/** leakwatch's version, which the server gives clients. */
function packageVersion() {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
}

/**
 * One module of the SDK. Required by a computed name, so lib/'s type-check does not read the
 * SDK's declarations (they need the DOM library and zod's, which lib/ does not use).
 * @param {string} subpath
 * @returns {any}
 */
function sdkModule(subpath) {
  return require(`@modelcontextprotocol/sdk/${subpath}`);
}

/** The SDK's modules, or an Error telling how to install it. */
function loadSdk() {
  try {
    return {
      Server: sdkModule('server/index.js').Server,
      StdioServerTransport: sdkModule('server/stdio.js').StdioServerTransport,
      types: sdkModule('types.js'),
    };
  } catch (err) {
    throw new Error(`leakwatch mcp needs the MCP SDK: npm install @modelcontextprotocol/sdk (${String(/** @type {Error} */ (err).message).split('\n')[0]})`);
  }
}

/**
 * Serves MCP on stdin and stdout until stdin ends. Resolves once connected. When stdin ends, or
 * on SIGINT or SIGTERM, the watch and attach sessions still running are stopped first, so that
 * no watched program or attached inspector outlives the server.
 */
async function serveMcp() {
  const { Server, StdioServerTransport, types } = loadSdk();
  const server = new Server({ name: 'leakwatch', version: packageVersion() }, { capabilities: { tools: {} } });
  server.setRequestHandler(types.ListToolsRequestSchema, async () => ({ tools: listTools() }));
  server.setRequestHandler(types.CallToolRequestSchema, (request) => callTool(request.params.name, request.params.arguments));
  const transport = new StdioServerTransport();
  await server.connect(transport);
  let ending = false;
  const end = (exitCode) => {
    if (ending) return;
    ending = true;
    stopAllSessions().finally(() => {
      server.close().catch(() => {});
      if (exitCode !== undefined) process.exit(exitCode);
    });
  };
  process.stdin.on('end', () => end());
  process.stdin.on('close', () => end());
  process.on('SIGINT', () => end(130));
  process.on('SIGTERM', () => end(143));
}

/** The `leakwatch mcp` command: serves, or prints why it cannot on stderr and exits with 2. */
function main() {
  serveMcp().catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  });
}

if (require.main === module) main();

module.exports = { serveMcp, main };
