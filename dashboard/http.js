'use strict';
// What the dashboard's request handlers share: the error that refuses a request with its HTTP
// status, and reading a bounded JSON body.

/** A request refused: its HTTP status and a short reason, sent as `{error}`. */
class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * Reads a request's JSON body (at most `limit` bytes): resolves to the parsed value, or to {}
 * for an empty body; rejects with an HttpError for a body too large, not JSON, or not declared
 * as JSON.
 */
function readJsonBody(req, limit = 16 * 1024) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(new HttpError(413, `body too large (limit ${limit} bytes)`));
      req.resume();
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(413, `body too large (limit ${limit} bytes)`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      failed = true;
      reject(new HttpError(400, `bad request body: ${err.message}`));
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      if (!/^application\/json\b/i.test(req.headers['content-type'] || '')) {
        return reject(new HttpError(415, 'the body must be application/json'));
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'the body is not valid JSON'));
      }
    });
  });
}

module.exports = { HttpError, readJsonBody };
