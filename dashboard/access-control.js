// @ts-check
'use strict';
// Who may talk to the dashboard: the checks a request passes before the server acts on it.
//
// - Host: on a loopback address the Host header must name this server (127.0.0.1, localhost or
//   [::1] with its port), so a page whose domain an attacker points at 127.0.0.1 (DNS rebinding)
//   is refused.
// - Origin: an action (POST) from a browser must come from the dashboard's own page: a
//   Sec-Fetch-Site other than same-origin, or an Origin other than the Host's, is refused. Clients
//   that are not browsers (curl, scripts) send neither and may act.
// - Token: on any other address, or whenever a token was given, data and actions need the token,
//   in an `x-leakwatch-token` header or `authorization: Bearer`; the event stream may carry it as
//   `?token=` since a browser's EventSource cannot set headers.

const crypto = require('node:crypto');
const net = require('node:net');
const { HttpError } = require('./http');

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for addresses only this machine can reach. */
function isLoopback(host) {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}

/** A random token for the dashboard's URL. */
function newToken() {
  return crypto.randomBytes(18).toString('base64url');
}

function sameSecret(given, expected) {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function tokenOf(req, url) {
  const header = req.headers['x-leakwatch-token'];
  if (header) return header;
  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization || '');
  if (auth) return auth[1];
  return url.searchParams.get('token');
}

/** The access checks of one dashboard server. */
class AccessControl {
  /**
   * @param {{host: string, token: string, tokenRequired: boolean}} options the bound address and
   *   the token; the port is given by listening() once known.
   */
  constructor({ host, token, tokenRequired }) {
    this.loopback = isLoopback(host);
    this.token = token;
    this.tokenRequired = tokenRequired;
    this.port = null;
  }

  /** Tells the checks which port the server got. */
  listening(port) {
    this.port = port;
  }

  /** Throws an HttpError unless the Host header names this server (loopback addresses only). */
  checkHost(req) {
    if (!this.loopback) return;
    const host = req.headers.host;
    const match = /^(\[[^\]]*\]|[^:]+)(?::(\d+))?$/.exec(host || '');
    if (!match || !LOOPBACK_NAMES.has(match[1].toLowerCase()) || Number(match[2] || 80) !== this.port) {
      throw new HttpError(403, 'unknown Host: use the address the dashboard printed');
    }
  }

  /** Throws an HttpError when a browser sends the request from another origin. */
  checkSameOrigin(req) {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') {
      throw new HttpError(403, 'cross-origin request refused');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) {
      throw new HttpError(403, 'cross-origin request refused');
    }
  }

  /** Throws an HttpError when the token is needed and missing or wrong. */
  checkToken(req, url) {
    if (!this.tokenRequired) return;
    const given = tokenOf(req, url);
    if (!given) throw new HttpError(401, 'token required (x-leakwatch-token header)');
    if (!sameSecret(given, this.token)) throw new HttpError(403, 'wrong token');
  }
}

module.exports = { AccessControl, isLoopback, newToken };
