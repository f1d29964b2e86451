'use strict';
// Starts the real svledger binary (demo data, dev personas) and the real
// console against it, each on port 0 in a temporary directory, and a
// headless Debian Chromium driven by playwright-core. For the console's
// browser tests (journeys.test.js).
//
// Environment: SVLEDGER_BIN (the svledger binary), SVLEDGER_ROOT (the
// repository), SVLEDGER_OUT (where screenshots go; default <root>/out).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createRequire } = require('node:module');

const root = process.env.SVLEDGER_ROOT || path.resolve(__dirname, '..', '..');
const consoleRequire = createRequire(path.join(root, 'console', 'package.json'));
const { chromium } = consoleRequire('playwright-core');
const AXE = consoleRequire.resolve('axe-core/axe.min.js');

// Resolves with the first match of `pattern` in `child`'s stdout, or
// rejects when the process exits or `deadlineMs` passes first.
function waitForLine(child, pattern, what, deadlineMs = 60000) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no "${pattern}" within ${deadlineMs} ms; printed:\n${seen}`)), deadlineMs);
    const onData = (chunk) => {
      seen += chunk;
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { seen += chunk; });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${what}: ${error.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before "${pattern}"; printed:\n${seen}`));
    });
  });
}

class Harness {
  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svledger-console-'));
    this.out = process.env.SVLEDGER_OUT || path.join(root, 'out');
    fs.mkdirSync(path.join(this.out, 'console'), { recursive: true });
    const bin = process.env.SVLEDGER_BIN || path.join(root, 'build', 'release', 'server', 'svledger');
    this.svledger = spawn(bin, [
      '--listen=127.0.0.1:0', '--http-listen=127.0.0.1:0', '--metrics-listen=127.0.0.1:0',
      `--data-dir=${this.dir}/data`, `--frameworks-dir=${root}/frameworks`, '--demo', '--dev-auth',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const http = await waitForLine(this.svledger, /svledger HTTP API on (http:\/\/[0-9.]+:\d+)\//, 'svledger');
    this.apiUrl = http[1];
    this.tokensDir = path.join(this.dir, 'data', 'dev-auth', 'tokens');
    this.console = spawn(process.execPath, [
      path.join(root, 'console', 'server.js'), '--listen=127.0.0.1:0', `--api=${this.apiUrl}`,
      `--dev-tokens-dir=${this.tokensDir}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await waitForLine(this.console, /svledger console on (http:\/\/[0-9.]+:\d+)\//, 'console');
    this.url = line[1];
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }

  async stop() {
    if (this.browser) await this.browser.close();
    for (const child of [this.console, this.svledger]) {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  token(persona) {
    return fs.readFileSync(path.join(this.tokensDir, `${persona}.jwt`), 'utf8').trim();
  }

  // Calls svledger's HTTP API directly, as `persona`.
  async api(persona, method, body) {
    const response = await fetch(`${this.apiUrl}/svledger.v1.${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token(persona)}` },
      body: JSON.stringify(body || {}),
    });
    return { status: response.status, body: await response.json() };
  }

  // A new browser context (its own cookies) signed in as `persona` through
  // the sign-in page.
  async signIn(persona) {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    // Scripts that throw, CSP refusals and assets that fail to load are the
    // page's failures too (a page itself may answer 400 or 403 on purpose).
    page.errors = [];
    page.on('pageerror', (error) => page.errors.push(error.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.errors.push(m.text());
    });
    page.on('response', (r) => {
      const type = r.request().resourceType();
      if (r.status() >= 400 && type !== 'document' && type !== 'fetch') page.errors.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${this.url}/sign-in`);
    await page.check(`input[name="persona"][value="${persona}"]`);
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(/\/contracts/);
    return page;
  }

  // Runs axe-core on `page` for WCAG 2.2 A and AA; returns the serious and
  // critical violations (empty when the page passes).
  async axe(page) {
    // Evaluated through the DevTools protocol, which the page's CSP does not
    // govern (a <script> tag would be refused, as it should be).
    await page.evaluate(fs.readFileSync(AXE, 'utf8'));
    const result = await page.evaluate(async () => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    }));
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  async screenshot(page, name) {
    await page.screenshot({ path: path.join(this.out, 'console', `${name}.png`), fullPage: true });
  }
}

module.exports = { Harness, waitForLine };
