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
const { OidcSignIn } = require('./lib/oidc_sign_in');

const USAGE = `usage: node server.js [flags]
  --listen=HOST:PORT      where to serve the console (default 127.0.0.1:3000)
  --api=URL               svledger's HTTP/JSON API (default http://127.0.0.1:8080)
  --dev-tokens-dir=DIR    the local demo's sign-in: svledger --dev-auth's tokens
                          directory (<data dir>/dev-auth/tokens); off by default
  --secure-cookies        mark the session cookie Secure (behind HTTPS)
  --max-evidence-bytes=N  the largest evidence file a return may upload
                          (default 26214400, svledger's default: set both)
  --oidc-issuer=URL       sign in with this OpenID Connect provider (the
                          council's: Entra ID, Okta, ...): authorization code
                          with PKCE; off by default
  --oidc-client-id=ID     the console's client id at that provider
  --oidc-client-secret-file=FILE
                          its client secret, if it is a confidential client
  --oidc-redirect-uri=URL where the provider sends the browser back: this
                          console's /sign-in/callback (default from --listen)
  --oidc-scopes=S         scopes to ask for (default "openid profile email")
  --oidc-bearer=KIND      what svledger gets as the bearer token: access_token
                          (default; a JWT with svledger's audience) or id_token
`;

async function main() {
  let flags;
  try {
    flags = parseArgs({
      options: {
        listen: { type: 'string', default: '127.0.0.1:3000' },
        api: { type: 'string', default: 'http://127.0.0.1:8080' },
        'dev-tokens-dir': { type: 'string' },
        'secure-cookies': { type: 'boolean', default: false },
        'max-evidence-bytes': { type: 'string', default: String(25 << 20) },
        'oidc-issuer': { type: 'string' },
        'oidc-client-id': { type: 'string' },
        'oidc-client-secret-file': { type: 'string' },
        'oidc-redirect-uri': { type: 'string' },
        'oidc-scopes': { type: 'string', default: 'openid profile email' },
        'oidc-bearer': { type: 'string', default: 'access_token' },
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
  const maxEvidenceBytes = Number(flags['max-evidence-bytes']);
  if (!/^\d{1,10}$/.test(flags['max-evidence-bytes']) || maxEvidenceBytes < 1) {
    process.stderr.write(`svledger console: --max-evidence-bytes: want a number of bytes, got "${flags['max-evidence-bytes']}"\n`);
    process.exit(2);
  }
  const oidc = await oidcFrom(flags, listen);
  const app = createApp({
    maxEvidenceBytes,
    api: new Api(flags.api),
    sessions: new Sessions({ secure: flags['secure-cookies'] }),
    personas: devTokensDir ? new DevPersonas(devTokensDir) : null,
    oidc,
  });
  const server = app.listen(Number(listen[2]), listen[1], () => {
    const { address, port } = server.address();
    if (oidc && !flags['oidc-redirect-uri']) {
      // Loopback only (checked above): the host as --listen wrote it, so
      // the sign-in cookie's host is the one the browser uses.
      oidc.setRedirectUri(`http://${listen[1]}:${port}/sign-in/callback`);
    }
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

// The OIDC sign-in the flags ask for, or null; exits naming the flag
// that is wrong or the provider that cannot be discovered.
async function oidcFrom(flags, listen) {
  const fail = (message) => {
    process.stderr.write(`svledger console: ${message}\n`);
    process.exit(2);
  };
  if (!flags['oidc-issuer']) {
    if (flags['oidc-client-id']) fail('--oidc-client-id needs --oidc-issuer');
    return null;
  }
  if (!flags['oidc-client-id']) fail('--oidc-issuer needs --oidc-client-id');
  if (!['access_token', 'id_token'].includes(flags['oidc-bearer'])) {
    fail(`--oidc-bearer: want access_token or id_token, got "${flags['oidc-bearer']}"`);
  }
  let secret;
  if (flags['oidc-client-secret-file']) {
    try {
      secret = require('node:fs').readFileSync(flags['oidc-client-secret-file'], 'utf8').trim();
    } catch (error) {
      fail(`--oidc-client-secret-file: ${error.message}`);
    }
  }
  const redirectUri = flags['oidc-redirect-uri'];  // else set once listening
  if (!redirectUri && !/^(127\.\d+\.\d+\.\d+|localhost)$/.test(listen[1])) {
    fail(`--oidc-redirect-uri is needed when --listen=${flags.listen} is not loopback: ` +
      'give the public https://.../sign-in/callback registered at the provider');
  }
  try {
    return await OidcSignIn.discover({
      issuer: flags['oidc-issuer'], clientId: flags['oidc-client-id'], clientSecret: secret,
      redirectUri, scopes: flags['oidc-scopes'], bearer: flags['oidc-bearer'],
      secure: flags['secure-cookies'],
    });
  } catch (error) {
    return fail(`--oidc-issuer=${flags['oidc-issuer']}: discovery failed: ${error.message}`);
  }
}

main();
