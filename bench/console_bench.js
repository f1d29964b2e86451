#!/usr/bin/env node
'use strict';
// How long the console takes to render a contract page with 10 commitments
// and 40 deliveries: the released svledger binary and the console, each its
// own process on loopback, and a contract-manager's session asking for the
// page again and again. Prints the console's own Server-Timing (request in,
// HTML out: svledger's three answers and the template) and what the client
// waited, as percentiles, and writes them as JSON with --json.
//
//   node bench/console_bench.js --svledger=build/release/server/svledger \
//       [--pages=300] [--json=FILE]
//
// Target (issue 17): under 200 ms server time.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.resolve(__dirname, '..');
const { values: flags } = parseArgs({
  options: {
    svledger: { type: 'string', default: path.join(root, 'build/release/server/svledger') },
    pages: { type: 'string', default: '300' },
    json: { type: 'string', default: '' },
  },
});

function startAndRead(command, args, pattern, what) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no start line in 60 s:\n${seen}`)), 60000);
    const onData = (chunk) => {
      seen += chunk;
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${what} exited (${code}):\n${seen}`)));
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-bench-'));
  const children = [];
  try {
    const svledger = await startAndRead(flags.svledger, [
      '--listen=127.0.0.1:0', '--http-listen=127.0.0.1:0', '--metrics-listen=127.0.0.1:0',
      `--data-dir=${dir}/data`, `--frameworks-dir=${root}/frameworks`, '--dev-auth',
    ], /svledger HTTP API on (http:\/\/[0-9.]+:\d+)\/[\s\S]*demo tokens in (\S+) \(svctl/,
    'svledger');
    children.push(svledger.child);
    const [, apiUrl, tokens] = svledger.match;
    const admin = fs.readFileSync(path.join(tokens, 'admin.jwt'), 'utf8').trim();
    const call = async (method, body) => {
      const r = await fetch(`${apiUrl}/svledger.v1.${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${admin}` },
        body: JSON.stringify(body),
      });
      if (r.status !== 200) throw new Error(`${method}: ${r.status} ${await r.text()}`);
    };
    const date = (year, month, day) => ({ year, month, day });
    await call('ContractService/RegisterContract', {
      requestId: 'page', contract: {
        contractId: 'CB-PAGE', framework: { id: 'derbyshire', version: 1 },
        title: 'A contract as the console shows it', supplierId: 'supplier-page',
        supplierName: 'Supplier', start: date(2025, 4, 1), end: date(2030, 3, 31),
        contractManager: 'bench',
      },
    });
    await call('ContractService/AddCommitments', {
      requestId: 'page-add', contractId: 'CB-PAGE',
      commitments: Array.from({ length: 10 }, (_, j) => ({
        commitmentId: `c${j}`, measureId: 'jobs.new_local', target: '100', due: date(2029, 3, 31),
      })),
    });
    for (let d = 0; d < 40; ++d) {
      // Quarter d / 10 from April 2025, as month indexes since year 0.
      const first = 2025 * 12 + 3 + 3 * Math.floor(d / 10);
      const last = first + 2;
      const year = Math.floor(first / 12);
      const month = (first % 12) + 1;
      const endYear = Math.floor(last / 12);
      const endMonth = (last % 12) + 1;
      const endDay = new Date(Date.UTC(endYear, endMonth, 0)).getUTCDate();
      await call('ContractService/ReportDelivery', {
        requestId: `page-d${d}`, contractId: 'CB-PAGE', delivery: {
          deliveryId: `d${d}`, commitmentId: `c${d % 10}`, periodStart: date(year, month, 1),
          periodEnd: date(endYear, endMonth, endDay), quantity: '3',
          evidence: { uri: `https://evidence.example/CB-PAGE/d${d}` }, note: 'quarterly return',
        },
      });
    }
    const consoleProcess = await startAndRead(process.execPath, [
      path.join(root, 'console', 'server.js'), '--listen=127.0.0.1:0', `--api=${apiUrl}`,
      `--dev-tokens-dir=${tokens}`,
    ], /svledger console on (http:\/\/[0-9.]+:\d+)\//, 'console');
    children.push(consoleProcess.child);
    const url = consoleProcess.match[1];
    const signIn = await fetch(`${url}/sign-in`, {
      method: 'POST', redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'persona=manager-derbyshire&next=/contracts',
    });
    if (signIn.status !== 303) throw new Error(`sign-in: HTTP ${signIn.status} ${await signIn.text()}`);
    const cookie = signIn.headers.getSetCookie().at(-1).split(';')[0];
    const server = [];
    const client = [];
    const pages = Number(flags.pages);
    for (let i = 0; i < pages + 20; ++i) {
      const t0 = process.hrtime.bigint();
      const r = await fetch(`${url}/contracts/CB-PAGE`, { headers: { cookie } });
      const html = await r.text();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (process.env.DUMP) fs.writeFileSync(process.env.DUMP, html);
      if (r.status !== 200 || (html.match(/data-delivery=/g) || []).length !== 40 ||
          (html.match(/data-commitment=/g) || []).length !== 10) {
        throw new Error(`page ${i}: HTTP ${r.status}, want 10 commitments and 40 deliveries: ` +
          `${(html.match(/data-commitment=/g) || []).length} and ${(html.match(/data-delivery=/g) || []).length}`);
      }
      if (i < 20) continue;  // warm-up
      server.push(Number(/app;dur=([0-9.]+)/.exec(r.headers.get('server-timing'))[1]));
      client.push(ms);
    }
    server.sort((a, b) => a - b);
    client.sort((a, b) => a - b);
    const result = {
      pages,
      server_ms: { p50: percentile(server, 0.5), p99: percentile(server, 0.99), max: server[server.length - 1] },
      client_ms: { p50: percentile(client, 0.5), p99: percentile(client, 0.99) },
      target_server_ms: 200,
    };
    console.log(`contract page (10 commitments, 40 deliveries), ${pages} renders: server ` +
      `p50=${result.server_ms.p50.toFixed(2)}ms p99=${result.server_ms.p99.toFixed(2)}ms ` +
      `max=${result.server_ms.max.toFixed(2)}ms; client p50=${result.client_ms.p50.toFixed(2)}ms ` +
      `p99=${result.client_ms.p99.toFixed(2)}ms (target: server < 200 ms)`);
    if (flags.json) fs.writeFileSync(flags.json, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`console_bench: ${error.message}`);
  process.exit(1);
});
