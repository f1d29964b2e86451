'use strict';
// The live alerts panel's feed: svledger's WatchAlerts as Server-Sent
// Events, passed through as the signed-in person (so it carries only what
// svledger lets that person see), resumable by Last-Event-ID.
const { Readable } = require('node:stream');

function install(app, { api }) {
  app.get('/alerts/stream', async (req, res) => {
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    const lastEventId = /^[0-9]{1,20}$/.test(req.get('Last-Event-ID') || '')
      ? req.get('Last-Event-ID') : '';
    const request = {};
    if (typeof req.query.contract === 'string' && req.query.contract) {
      request.contractId = req.query.contract.slice(0, 128);
    }
    let upstream;
    try {
      upstream = await api.watchAlerts(request, req.person.token, lastEventId, abort.signal);
    } catch {
      if (!res.headersSent) res.status(503).type('text/plain').send('svledger is not answering\n');
      return;
    }
    if (upstream.status !== 200 || !upstream.body) {
      res.status(upstream.status === 200 ? 502 : upstream.status).type('text/plain')
        .send(`${await upstream.text().catch(() => '')}\n`);
      return;
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const body = Readable.fromWeb(upstream.body);
    body.on('error', () => res.end());
    body.pipe(res);
  });
}

module.exports = { install };
