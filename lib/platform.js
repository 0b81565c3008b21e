// @ts-check
'use strict';
// The platform suffix napi-rs gives binaries and prebuilt packages: linux-x64-gnu, linux-arm64-musl,
// darwin-arm64, win32-x64-msvc, ...

const fs = require('node:fs');

function isMusl() {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    // No ldd to read: ask the process report, which names the glibc it runs on, if any.
    try {
      return !(/** @type {any} */ (process.report.getReport()).header.glibcVersionRuntime);
    } catch {
      return false;
    }
  }
}

function suffix() {
  const { platform, arch } = process;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  return `${platform}-${arch}`;
}

module.exports = { suffix };
