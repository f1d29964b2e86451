'use strict';
// The console's own rules, without a server: figures written exactly,
// dates read strictly, where a sign-in may send the browser, the return
// form's checks, CSRF tokens and session expiry on an injected clock.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const root = process.env.SVLEDGER_ROOT || path.resolve(__dirname, '..', '..');
const lib = (name) => require(path.join(root, 'console', 'lib', name));
const format = lib('format');
const { safeNext } = lib('routes/signin');
const { validateReturn } = lib('routes/deliveries');
const { Sessions } = lib('sessions');
const { OidcSignIn } = lib('oidc_sign_in');

describe('the OIDC sign-in cookie', () => {
  const oidc = new OidcSignIn({ issuer: 'https://idp.example',
    metadata: { authorization_endpoint: 'https://idp.example/auth' } }, {}, {});

  it('opens only what this process sealed, untouched', () => {
    const sealed = oidc.seal({ state: 's', verifier: 'v' });
    assert.deepEqual(oidc.unseal(sealed), { state: 's', verifier: 'v' });
    const [body, mac] = sealed.split('.');
    const forged = Buffer.from(JSON.stringify({ state: 'x', verifier: 'v' })).toString('base64url');
    assert.equal(oidc.unseal(`${forged}.${mac}`), undefined);
    assert.equal(oidc.unseal(`${body}.`), undefined);
    assert.equal(oidc.unseal(undefined), undefined);
    const other = new OidcSignIn({ issuer: 'https://idp.example',
      metadata: { authorization_endpoint: 'https://idp.example/auth' } }, {}, {});
    assert.equal(other.unseal(sealed), undefined);
  });
});

describe('format', () => {
  it('writes money from pence exactly', () => {
    assert.equal(format.money({ pence: '290000000' }), '£2,900,000.00');
    assert.equal(format.money({ pence: '9007199254740993' }), '£90,071,992,547,409.93');
    assert.equal(format.money({ pence: '-5' }), '-£0.05');
    assert.equal(format.money(undefined), '');
  });

  it('rounds decimals half up in decimal arithmetic', () => {
    assert.equal(format.decimal('11.043417'), '11.04');
    assert.equal(format.decimal('0.125'), '0.13');
    assert.equal(format.decimal('1234567.995'), '1,234,568');
    assert.equal(format.decimal('7'), '7');
    assert.equal(format.decimal('-0.001'), '0');
    assert.equal(format.decimal('12345678901234567.5', 0), '12,345,678,901,234,568');
  });

  it('reads only real ISO dates', () => {
    assert.deepEqual(format.parseIsoDate('2026-07-01'), { year: 2026, month: 7, day: 1 });
    assert.equal(format.parseIsoDate('2026-02-29'), undefined);
    assert.equal(format.parseIsoDate('01/07/2026'), undefined);
    assert.equal(format.isoDate({ year: 2026, month: 7, day: 1 }), '2026-07-01');
  });
});

describe('evidence links', () => {
  it('links only http and https', () => {
    assert.equal(format.safeHref('https://evidence.example/a.pdf'), 'https://evidence.example/a.pdf');
    assert.equal(format.safeHref('javascript:alert(1)'), '');
    assert.equal(format.safeHref('data:text/html,<script>'), '');
    assert.equal(format.safeHref('s3://bucket/key'), '');
    assert.equal(format.safeHref('not a url'), '');
  });
});

describe('sign-in', () => {
  it('sends the browser only to a path on this site', () => {
    assert.equal(safeNext('/contracts/NOR-1'), '/contracts/NOR-1');
    assert.equal(safeNext('//evil.example/'), '/');
    assert.equal(safeNext('/\\evil.example'), '/');
    assert.equal(safeNext('https://evil.example/'), '/');
    assert.equal(safeNext(undefined), '/');
  });
});

describe('the return form', () => {
  const people = { unit: 'PEOPLE', aggregation: 'SUM' };
  const good = {
    periodStart: '2026-07-01', periodEnd: '2026-09-30', quantity: '12.5', denominator: '',
    evidenceUri: 'https://evidence.example/q3.pdf', note: '', attest: ['accurate', 'evidence'],
  };

  it('takes a complete return', () => {
    assert.deepEqual(validateReturn(good, people), {});
  });

  it('names each field that is wrong', () => {
    const errors = validateReturn({ ...good, periodEnd: '2026-06-30', quantity: '1e3',
      evidenceUri: 'file:///etc/passwd', attest: ['accurate'] }, people);
    assert.deepEqual(Object.keys(errors).sort(), ['attest', 'evidenceUri', 'periodEnd', 'quantity']);
    assert.match(errors.periodEnd, /on or after the first day/);
  });

  it('asks for the total of a percentage', () => {
    const errors = validateReturn(good, { unit: 'PERCENT', aggregation: 'RATIO' });
    assert.deepEqual(Object.keys(errors), ['denominator']);
    assert.deepEqual(validateReturn({ ...good, denominator: '40' },
      { unit: 'PERCENT', aggregation: 'RATIO' }), {});
  });
});

describe('sessions', () => {
  const fakeRes = () => {
    const res = { cookies: {}, cookie(n, v, o) { this.cookies[n] = { v, o }; }, clearCookie(n) { delete this.cookies[n]; } };
    return res;
  };
  const reqWith = (res, name) => ({ headers: { cookie: `${name}=${res.cookies[name].v}` } });

  it('keeps a session with an HttpOnly SameSite cookie and a CSRF token', () => {
    const sessions = new Sessions();
    const res = fakeRes();
    const s = sessions.start({ headers: {} }, res, { principal: 'p', token: 't' });
    const cookie = res.cookies.svledger_session;
    assert.equal(cookie.o.httpOnly, true);
    assert.equal(cookie.o.sameSite, 'lax');
    assert.equal(sessions.get(reqWith(res, 'svledger_session')).principal, 'p');
    assert.equal(sessions.csrfMatches(s, s.csrf), true);
    assert.equal(sessions.csrfMatches(s, `${s.csrf.slice(1)}x`), false);
    assert.equal(sessions.csrfMatches(s, undefined), false);
  });

  it('is Secure and __Host- prefixed behind HTTPS', () => {
    const sessions = new Sessions({ secure: true });
    const res = fakeRes();
    sessions.start({ headers: {} }, res, { principal: 'p' });
    assert.equal(res.cookies['__Host-svledger_session'].o.secure, true);
  });

  it('ends a session when its token expires', () => {
    let now = 0;
    const sessions = new Sessions({ now: () => now });
    const res = fakeRes();
    sessions.start({ headers: {} }, res, { principal: 'p', expiresAt: 5000 });
    const req = reqWith(res, 'svledger_session');
    now = 4999;
    assert.ok(sessions.get(req));
    now = 5000;
    assert.equal(sessions.get(req), undefined);
  });

  it('forgets a session idle past its limit', () => {
    let now = 0;
    const sessions = new Sessions({ idleMs: 1000, now: () => now });
    const res = fakeRes();
    sessions.start({ headers: {} }, res, { principal: 'p' });
    const req = reqWith(res, 'svledger_session');
    now = 999;
    assert.ok(sessions.get(req));
    now = 999 + 1001;
    assert.equal(sessions.get(req), undefined);
  });
});

describe('multipart forms', () => {
  const express = require(path.join(root, 'console', 'node_modules', 'express'));
  const http = require('node:http');
  const { multipart } = lib('multipart');

  // A console-like app: someone signed in, one upload at a time.
  async function serve() {
    const app = express();
    app.use((req, _res, next) => { req.person = { id: 'p' }; next(); });
    app.use(multipart({ maxFileBytes: 1000, maxUploads: 1, onBusy: (res) => res.status(503).end('busy') }));
    app.post('/', (req, res) => res.end(req.file ? `file ${req.file.content.length}` : 'no file'));
    app.use((error, _req, res, _next) => res.status(error.status || 500).end(error.message));
    const server = http.createServer(app);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }
  const boundary = 'b0undary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="evidenceFile"; filename="a.csv"\r\n` +
    'Content-Type: text/csv\r\n\r\n';
  const whole = `${head}a,b\r\n1,2\r\n\r\n--${boundary}--\r\n`;
  // Sends `body` as a multipart form (declaring `length`), and answers the
  // response's status and text, or the socket's error.
  function post(server, body, { length = Buffer.byteLength(body), end = true } = {}) {
    return new Promise((resolve) => {
      const req = http.request({ port: server.address().port, host: '127.0.0.1', method: 'POST', path: '/',
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': length } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', (error) => resolve({ error }));
      req.write(body);
      if (end) req.end(); else resolve({ req });
    });
  }
  async function until(deadlineMs, fn) {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const result = await fn();
      if (result.ok || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('answers a form cut off inside its file with 400, and serves on', async () => {
    const server = await serve();
    try {
      const cut = await post(server, head + 'a,b\r\n');
      assert.equal(cut.status, 400, cut.text);
      const next = await post(server, whole);
      assert.equal(next.status, 200);
      assert.equal(next.text, 'file 10');
    } finally { server.close(); }
  });

  it('frees the upload slot of a client that went away mid-file', async () => {
    const server = await serve();
    try {
      const { req } = await post(server, head + 'a,b', { length: 5000, end: false });
      // While it is held, the one slot is taken.
      const busy = await until(5000, async () => {
        const r = await post(server, whole);
        return { ok: r.status === 503, r };
      });
      assert.equal(busy.r.status, 503);
      req.destroy();
      const freed = await until(5000, async () => {
        const r = await post(server, whole);
        return { ok: r.status === 200, r };
      });
      assert.equal(freed.r.status, 200, freed.r.text);
    } finally { server.close(); }
  });
});
