'use strict';
// Sign-in with a council's identity provider, end to end: a real OpenID
// Connect provider (oidc-provider, in this process, on port 0), svledger
// taking its tokens (--oidc-issuer, --oidc-jwks-file), and the console as
// its client (authorization code with PKCE). A person signs in through the
// provider's own login page in Chromium and lands on the console as the
// principal svledger sees; a forged callback and a person without a role
// are turned away.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { createRequire } = require('node:module');

const root = process.env.SVLEDGER_ROOT || path.resolve(__dirname, '..', '..');
const consoleRequire = createRequire(path.join(root, 'console', 'package.json'));
const { chromium } = consoleRequire('playwright-core');
const { Harness, waitForLine } = require('./harness');

const CLIENT_ID = 'svledger-console';
const AUDIENCE = 'svledger';

// oidc-provider's storage, in memory; the console's client is looked up at
// request time, so its redirect URI can be the console's once it listens.
function memoryAdapter(client) {
  const store = new Map();
  return class MemoryAdapter {
    constructor(model) { this.model = model; }
    key(id) { return `${this.model}:${id}`; }
    async upsert(id, payload) { store.set(this.key(id), payload); }
    async find(id) {
      if (this.model === 'Client') return id === CLIENT_ID ? client() : undefined;
      return store.get(this.key(id));
    }
    async findByUid(uid) {
      for (const [k, v] of store) if (k.startsWith(`${this.model}:`) && v.uid === uid) return v;
      return undefined;
    }
    async findByUserCode() { return undefined; }
    async consume(id) { const v = store.get(this.key(id)); if (v) v.consumed = Date.now() / 1000; }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) {
      for (const [k, v] of store) if (v.grantId === grantId) store.delete(k);
    }
  };
}

describe('sign-in with the council\'s identity provider', { timeout: 180000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svledger-oidc-'));
  const out = process.env.SVLEDGER_OUT || path.join(root, 'out');
  let idp; let issuer; let svledger; let consoleProcess; let consoleUrl; let browser;
  let callback = 'http://127.0.0.1:1/sign-in/callback';

  before(async () => {
    const { default: Provider } = await import(consoleRequire.resolve('oidc-provider'));
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'ES256', use: 'sig' };
    const { d, ...publicJwk } = jwk;
    void d;
    fs.writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }));

    const server = http.createServer();
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${server.address().port}`;
    const provider = new Provider(issuer, {
      adapter: memoryAdapter(() => ({
        client_id: CLIENT_ID, token_endpoint_auth_method: 'none',
        redirect_uris: [callback], grant_types: ['authorization_code'], response_types: ['code'],
        id_token_signed_response_alg: 'ES256',
      })),
      jwks: { keys: [jwk] },
      cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
      pkce: { required: () => true },
      findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => 'urn:svledger:api',
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'openid', audience: AUDIENCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
    });
    server.on('request', provider.callback());
    idp = server;

    const bin = process.env.SVLEDGER_BIN || path.join(root, 'build', 'release', 'server', 'svledger');
    svledger = spawn(bin, [
      '--listen=127.0.0.1:0', '--http-listen=127.0.0.1:0', '--metrics-listen=127.0.0.1:0',
      `--data-dir=${dir}/data`, `--frameworks-dir=${root}/frameworks`, '--demo',
      `--oidc-issuer=${issuer}`, `--oidc-audience=${AUDIENCE}`, `--oidc-jwks-file=${dir}/jwks.json`,
      '--bootstrap-admin=alice',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const api = (await waitForLine(svledger, /svledger HTTP API on (http:\/\/[0-9.]+:\d+)\//, 'svledger'))[1];
    consoleProcess = spawn(process.execPath, [
      path.join(root, 'console', 'server.js'), '--listen=127.0.0.1:0', `--api=${api}`,
      `--oidc-issuer=${issuer}`, `--oidc-client-id=${CLIENT_ID}`, '--oidc-scopes=openid',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    consoleUrl = (await waitForLine(consoleProcess, /svledger console on (http:\/\/[0-9.]+:\d+)\//, 'console'))[1];
    callback = `${consoleUrl}/sign-in/callback`;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    if (browser) await browser.close();
    for (const child of [consoleProcess, svledger]) {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.on('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
    if (idp) idp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // On a failed wait: where the browser is and what the page says.
  async function explain(page, error) {
    const text = (await page.content()).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
    throw new Error(`${error.message}\nat ${page.url()}: ${text.slice(0, 1500)}`);
  }

  async function signInAtProvider(page, login) {
    await page.goto(`${consoleUrl}/contracts`);
    const h = new Harness();
    const violations = await h.axe(page);
    fs.mkdirSync(path.join(out, 'console'), { recursive: true });
    await page.screenshot({ path: path.join(out, 'console', '00-sign-in-oidc.png'), fullPage: true });
    assert.deepEqual(violations, []);
    await page.click('button:has-text("Continue to sign in")');
    await page.waitForURL((url) => url.href.startsWith(issuer)).catch((e) => explain(page, e));
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any');
    await page.click('button[type="submit"]');
    // The provider's consent step, the first time.
    const consent = page.locator('button[type="submit"]:has-text("Continue")');
    await Promise.race([
      page.waitForURL((url) => url.href.startsWith(consoleUrl)),
      consent.waitFor().then(() => consent.click()),
    ]);
    await page.waitForURL((url) => url.href.startsWith(consoleUrl) && !url.pathname.startsWith("/sign-in/callback")).catch(async (e) => { await page.screenshot({ path: "/tmp/oidc-fail.png" }); console.log("URL", page.url(), (await page.content()).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").slice(0, 1500)); throw e; });
  }

  it('signs in with the authorization code and PKCE, as the principal svledger sees', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    const authorizations = [];
    page.on('request', (r) => { if (r.url().startsWith(`${issuer}/auth`)) authorizations.push(new URL(r.url())); });
    await signInAtProvider(page, 'alice');
    assert.match(page.url(), /\/contracts$/);
    assert.match(await page.locator('.svl-person').innerText(), /Signed in as alice \(admin\)/);
    assert.ok(await page.locator('tbody tr').count() >= 10, 'an admin sees the contracts');
    const auth = authorizations[0];
    assert.equal(auth.searchParams.get('response_type'), 'code');
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.match(auth.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.ok(auth.searchParams.get('state') && auth.searchParams.get('nonce'));
    await context.close();
  });

  it('refuses a callback it did not start', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${consoleUrl}/sign-in/callback?code=forged&state=forged`);
    assert.equal(response.status(), 400);
    assert.match(await page.locator('h1').innerText(), /You could not be signed in/);
    await context.close();
  });

  it('signs in a person without a role, who is shown nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    await signInAtProvider(page, 'mallory');
    assert.match(await page.locator('h1').innerText(), /You do not have permission/);
    assert.equal(await page.locator('tbody tr').count(), 0);
    await context.close();
  });
});
