// @ts-check
'use strict';
// The heap that leak detection watches: all of it but V8's compiled code and bytecode.

/**
 * The spaces of V8's compiled code and bytecode (V8 12 moved bytecode into the trusted spaces).
 * They grow as V8 optimises hot functions and shrink as it flushes bytecode that has not run for
 * a few full GCs: Node 22 and later free most of a megabyte of startup bytecode this way, a few
 * full GCs in, which hid a leak's rise for seconds. Neither is the program's data.
 */
const CODE_SPACES = [
  'code_space', 'code_large_object_space',
  'trusted_space', 'trusted_large_object_space', 'shared_trusted_space', 'shared_trusted_large_object_space',
];

/** The heap used after one GC (a 'gc' record), less V8's code and bytecode, in bytes. */
function dataHeapUsed(gc) {
  let code = 0;
  for (const name of CODE_SPACES) code += gc.spaces_after[name] ?? 0;
  return gc.used_after - code;
}

module.exports = { CODE_SPACES, dataHeapUsed };
