#!/usr/bin/env node
'use strict';
// svledger's web console: the composition root. Reads flags, builds the
// parts and serves until SIGINT or SIGTERM.
//
//   node server.js --api=http://127.0.0.1:8080 --listen=127.0.0.1:3000 \
//       --dev-tokens-dir=var/data/dev-auth/tokens
//
// Prints "svledger console on http://HOST:PORT/" once it is listening
// (port 0 picks a free one; tests read the line).
const { parseArgs } = require('node:util');
const { Api } = require('./lib/api');
const { Sessions } = require('./lib/sessions');
const { DevPersonas } = require('./lib/dev_personas');
const { createApp } = require('./lib/app');

const USAGE = `usage: node server.js [flags]
  --listen=HOST:PORT      where to serve the console (default 127.0.0.1:3000)
  --api=URL               svledger's HTTP/JSON API (default http://127.0.0.1:8080)
  --dev-tokens-dir=DIR    the local demo's sign-in: svledger --dev-auth's tokens
                          directory (<data dir>/dev-auth/tokens); off by default
  --secure-cookies        mark the session cookie Secure (behind HTTPS)
`;

function main() {
  let flags;
  try {
    flags = parseArgs({
      options: {
        listen: { type: 'string', default: '127.0.0.1:3000' },
        api: { type: 'string', default: 'http://127.0.0.1:8080' },
        'dev-tokens-dir': { type: 'string' },
        'secure-cookies': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`svledger console: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  const listen = /^(.+):(\d{1,5})$/.exec(flags.listen);
  if (!listen) {
    process.stderr.write(`svledger console: --listen: want HOST:PORT, got "${flags.listen}"\n`);
    process.exit(2);
  }
  try {
    new URL(flags.api);
  } catch {
    process.stderr.write(`svledger console: --api: not a URL: "${flags.api}"\n`);
    process.exit(2);
  }
  const devTokensDir = flags['dev-tokens-dir'];
  const app = createApp({
    api: new Api(flags.api),
    sessions: new Sessions({ secure: flags['secure-cookies'] }),
    personas: devTokensDir ? new DevPersonas(devTokensDir) : null,
  });
  const server = app.listen(Number(listen[2]), listen[1], () => {
    const { address, port } = server.address();
    process.stdout.write(`svledger console on http://${address}:${port}/\n`);
  });
  server.on('error', (error) => {
    process.stderr.write(`svledger console: --listen=${flags.listen}: ${error.message}\n`);
    process.exit(1);
  });
  server.headersTimeout = 20000;
  server.requestTimeout = 60000;
  const stop = () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
    server.closeAllConnections?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
