'use strict';
// The local demo's sign-in: svledger --dev-auth writes one bearer token per
// demo persona to <data dir>/dev-auth/tokens/<persona>.jwt (see
// ../../server/dev_auth.h). The sign-in page lists them; choosing one signs
// in with its token. What a persona may do is still decided by svledger
// from the token (the console asks WhoAmI), never from the persona's name.
//
// Production uses the council's identity provider instead (OIDC with PKCE);
// this source is only switched on by --dev-tokens-dir.
const fs = require('node:fs');
const path = require('node:path');

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

class DevPersonas {
  constructor(dir) {
    this.dir = dir;
  }

  // [{name, description}] of every token file, sorted by name. Read anew
  // each time: svledger mints the tokens again at every start.
  list() {
    let files = [];
    try {
      files = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return files.filter((f) => f.endsWith('.jwt'))
      .map((f) => f.slice(0, -4))
      .filter((name) => NAME.test(name))
      .sort()
      .map((name) => ({ name, description: describe(name) }));
  }

  // The token of persona `name`, or undefined for a name not listed.
  token(name) {
    if (typeof name !== 'string' || !NAME.test(name)) return undefined;
    try {
      return fs.readFileSync(path.join(this.dir, `${name}.jwt`), 'utf8').trim();
    } catch {
      return undefined;
    }
  }
}

// Words for the sign-in page; the roles themselves come from svledger.
function describe(name) {
  const title = (s) => s.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
  if (name.startsWith('manager-')) return `Contract manager, ${title(name.slice(8))} council`;
  if (name.startsWith('supplier-')) return `Supplier: ${title(name.slice(9))}`;
  if (name === 'auditor') return 'Auditor: reads everything';
  if (name === 'admin') return 'Administrator';
  return title(name);
}

module.exports = { DevPersonas };
