'use strict';
// multipart/form-data forms (the return form, with its evidence file),
// parsed by busboy into req.body (fields, as express.urlencoded would) and
// req.file ({ name, type, content: Buffer, truncated }) before the CSRF
// check reads req.body._csrf.
//
// Limits are the parser's, so a client cannot make the console hold more
// than `maxFileBytes` + 1 per upload, nor more than `maxUploads` uploads at
// once (beyond it: 503, try again): a file over the limit is read no
// further and comes back with `truncated` set, for the form to say so.
const Busboy = require('busboy');

// Options: maxFileBytes (svledger's evidence limit, default 25 MiB),
// maxFieldBytes (per field), maxUploads (parsed at once, default 4),
// onBusy(res): answers a request refused for too many uploads at once.
function multipart({ maxFileBytes = 25 << 20, maxFieldBytes = 64 << 10, maxUploads = 4, onBusy }) {
  let active = 0;
  return (req, res, next) => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();
    // Nobody signed in: nothing to parse; the CSRF check refuses the form.
    if (!req.person) {
      req.body = {};
      req.resume();
      return next();
    }
    if (active >= maxUploads) {
      req.resume();
      return onBusy(res);
    }
    let parser;
    try {
      parser = Busboy({
        headers: req.headers,
        // Browsers send a file name's UTF-8 bytes as they are (busboy would
        // read them as Latin-1: "£" would become "Â£").
        defParamCharset: 'utf8',
        // busboy stops at fileSize bytes; one more lets a file of exactly the
        // limit through, as svledger takes it.
        limits: { fileSize: maxFileBytes + 1, files: 1, fields: 50, fieldSize: maxFieldBytes, parts: 51 },
      });
    } catch (error) {
      error.status = 400;
      return next(error);
    }
    // The slot is held until the response is done: the file stays in
    // memory while the route uploads it to svledger.
    active += 1;
    res.once('close', () => {
      active -= 1;
    });
    let finished = false;
    const finish = (error) => {
      if (finished) return;
      finished = true;
      if (error) {
        req.unpipe(parser);
        parser.destroy();
        req.resume();
        error.status = 400;
        return next(error);
      }
      return next();
    };
    // A client that goes away mid-upload ends the parse, not the process.
    req.once('aborted', () => finish(Object.assign(new Error('the upload was cut off'), { expose: true })));
    const body = {};
    req.body = body;
    parser.on('field', (name, value) => {
      if (name in body) body[name] = [].concat(body[name], value);
      else body[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      // A body that ends inside the file: busboy errors the file stream.
      stream.on('error', finish);
      const chunks = [];
      let size = 0;
      stream.on('data', (chunk) => {
        chunks.push(chunk);
        size += chunk.length;
      });
      stream.on('limit', () => {
        // Over the limit: nothing more is kept, and the rest is read past.
        chunks.length = 0;
        req.file = { field, name: info.filename || '', type: info.mimeType, content: Buffer.alloc(0), truncated: true };
      });
      stream.on('end', () => {
        if (req.file && req.file.truncated) return;
        // A browser sends an empty part for a file input left empty.
        if (size === 0 && !info.filename) return;
        req.file = { field, name: info.filename || '', type: info.mimeType, content: Buffer.concat(chunks, size), truncated: false };
      });
    });
    parser.on('error', finish);
    parser.on('close', () => finish());
    req.pipe(parser);
    return undefined;
  };
}

module.exports = { multipart };
