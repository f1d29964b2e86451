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
