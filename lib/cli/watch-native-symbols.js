// @ts-check
'use strict';
// Names for the return addresses of the native stacks that `leakwatch watch --native` reports:
// the file each address is mapped from (/proc/PID/maps of the watched process, read while it
// runs) and the function of that file's ELF symbol tables (.symtab, else .dynsym) that holds it,
// demangled for Rust and simple C++ names. 64-bit little-endian ELF only: Linux on x64 and arm64,
// which is where the shim runs. What cannot be named is left as the address.

const fs = require('node:fs');

/** ELF's section types of symbol tables, and a symbol's type of function. */
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const PT_LOAD = 1;

/**
 * The file-backed mappings of process `pid`: {start, end, offset, file}, by start.
 * @param {string} text /proc/PID/maps
 */
function parseMaps(text) {
  const mappings = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]+)-([0-9a-f]+) \S+ ([0-9a-f]+) \S+ \d+\s+(\/.*)$/.exec(line);
    if (match) mappings.push({ start: parseInt(match[1], 16), end: parseInt(match[2], 16), offset: parseInt(match[3], 16), file: match[4] });
  }
  return mappings.sort((a, b) => a.start - b.start);
}

/** Reads `length` bytes of `fd` at `position`. */
function readAt(fd, position, length) {
  const buffer = Buffer.alloc(length);
  fs.readSync(fd, buffer, 0, length, position);
  return buffer;
}

/**
 * The functions of ELF file `file` and its loadable segments, or null when it is not a 64-bit
 * little-endian ELF file that can be read.
 */
function readElfFunctions(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const header = readAt(fd, 0, 64);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return null;
    const segments = [];
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const programHeaders = readAt(fd, phoff, phentsize * header.readUInt16LE(0x38));
    for (let at = 0; at < programHeaders.length; at += phentsize) {
      if (programHeaders.readUInt32LE(at) !== PT_LOAD) continue;
      segments.push({ offset: Number(programHeaders.readBigUInt64LE(at + 8)), vaddr: Number(programHeaders.readBigUInt64LE(at + 16)), size: Number(programHeaders.readBigUInt64LE(at + 32)) });
    }
    const shoff = Number(header.readBigUInt64LE(0x28));
    const shentsize = header.readUInt16LE(0x3a);
    const sectionHeaders = readAt(fd, shoff, shentsize * header.readUInt16LE(0x3c));
    const sections = [];
    for (let at = 0; at < sectionHeaders.length; at += shentsize) {
      sections.push({ type: sectionHeaders.readUInt32LE(at + 4), offset: Number(sectionHeaders.readBigUInt64LE(at + 24)), size: Number(sectionHeaders.readBigUInt64LE(at + 32)), link: sectionHeaders.readUInt32LE(at + 40) });
    }
    // The full table when the file has one, else the dynamic one, which only names exports.
    const table = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
    const functions = [];
    if (table && sections[table.link]) {
      const symbols = readAt(fd, table.offset, table.size);
      const strings = readAt(fd, sections[table.link].offset, sections[table.link].size);
      for (let at = 0; at + 24 <= symbols.length; at += 24) {
        const value = Number(symbols.readBigUInt64LE(at + 8));
        if ((symbols[at + 4] & 0xf) !== STT_FUNC || value === 0) continue;
        const nameStart = symbols.readUInt32LE(at);
        functions.push({ value, size: Number(symbols.readBigUInt64LE(at + 16)), name: strings.toString('latin1', nameStart, strings.indexOf(0, nameStart)) });
      }
    }
    functions.sort((a, b) => a.value - b.value);
    return { segments, functions };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The function of `elf` that holds virtual address `vaddr`, or null. */
function functionAt(elf, vaddr) {
  let low = 0;
  let high = elf.functions.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (elf.functions[middle].value <= vaddr) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  if (found < 0) return null;
  const fn = elf.functions[found];
  return fn.size === 0 || vaddr < fn.value + fn.size ? fn.name : null;
}

/** Rust's escapes in legacy mangled names ($LT$ for <, ...). */
const RUST_ESCAPES = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };

/** One component of a Rust legacy name, unescaped. */
function rustComponent(text) {
  return text
    .replace(/^_\$/, '$')
    .replace(/\.\./g, '::')
    .replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{2})\$/g, (_, code) => RUST_ESCAPES[code] ?? String.fromCharCode(parseInt(code.slice(1), 16)));
}

/**
 * `name` demangled when it is a Rust legacy name or a C++ name of plain components (whose
 * parameters are left out); anything else as it is.
 */
function demangle(name) {
  const match = /^_ZN?/.exec(name);
  if (!match) return name;
  const parts = [];
  let at = match[0].length;
  if (match[0] === '_ZN') {
    while ('KVr'.includes(name[at])) at++;
    if (name.startsWith('St', at)) {
      parts.push('std');
      at += 2;
    }
  }
  let more = true;
  while (more && at < name.length) {
    const length = /^\d+/.exec(name.slice(at));
    if (!length) break;
    at += length[0].length;
    parts.push(name.slice(at, at + Number(length[0])));
    at += Number(length[0]);
    more = match[0] === '_ZN';
  }
  if (parts.length === 0) return name;
  const rust = /^h[0-9a-f]{16}$/.test(parts[parts.length - 1]);
  if (rust) return parts.slice(0, -1).map(rustComponent).join('::');
  if (name[at] === 'I') parts[parts.length - 1] += '<…>';
  return parts.map((part) => (part === '_GLOBAL__N_1' ? '(anonymous namespace)' : part)).join('::');
}

/** Names addresses of process `pid`, reading each file's symbols once. */
class Symbolizer {
  constructor() {
    /** file -> its functions and segments, or null. @type {Map<string, ReturnType<typeof readElfFunctions>>} */
    this.files = new Map();
  }

  /** The file-backed mappings of process `pid`, or none when it is gone. */
  static mappingsOf(pid) {
    try {
      return parseMaps(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
    } catch {
      return [];
    }
  }

  /**
   * The frames of `addresses` (return addresses, innermost first) in a process whose mappings
   * are `mappings`: each {address, file, function}, file and function null when unknown, and
   * address null too for 0, an address outside any file (see mergeUnmappedFrames).
   * @param {ReturnType<typeof parseMaps>} mappings
   * @param {number[]} addresses
   */
  frames(mappings, addresses) {
    return addresses.map((address, i) => {
      const frame = { address: /** @type {string | null} */ (address === 0 ? null : `0x${address.toString(16)}`), file: /** @type {string | null} */ (null), function: /** @type {string | null} */ (null) };
      const mapping = mappings.find((m) => m.start <= address && address < m.end);
      if (!mapping) return frame;
      frame.file = mapping.file;
      if (!this.files.has(mapping.file)) this.files.set(mapping.file, readElfFunctions(mapping.file));
      const elf = this.files.get(mapping.file);
      // A return address points past its call: the call itself is one byte before.
      const fileOffset = address - (i === 0 ? 0 : 1) - mapping.start + mapping.offset;
      const segment = elf?.segments.find((s) => s.offset <= fileOffset && fileOffset < s.offset + s.size);
      const name = elf && segment ? functionAt(elf, fileOffset - segment.offset + segment.vaddr) : null;
      if (name !== null) frame.function = demangle(name);
      return frame;
    });
  }
}

module.exports = { Symbolizer, parseMaps, demangle };
