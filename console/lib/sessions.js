'use strict';
// Sign-in sessions: an opaque random id in a cookie (HttpOnly, SameSite=Lax,
// Secure over HTTPS), the person's bearer token kept on the server, and a
// CSRF token that every form posts back.
//
// Held in memory: a restart signs everyone out, which is safe (nothing but
// the token is kept). Not shared between console processes.
const crypto = require('node:crypto');
const cookie = require('cookie');

const COOKIE = 'svledger_session';

class Sessions {
  // `idleMs`: a session unused this long is forgotten (default 8 hours, a
  // working day). `secure`: the console is served over HTTPS, so the cookie
  // is Secure and __Host- prefixed. `now`: the clock, injectable for tests.
  constructor({ idleMs = 8 * 3600 * 1000, secure = false, now = Date.now,
                maxSessions = 10000 } = {}) {
    this.idleMs = idleMs;
    this.secure = secure;
    this.now = now;
    this.maxSessions = maxSessions;
    this.byId = new Map();
    this.cookieName = secure ? `__Host-${COOKIE}` : COOKIE;
  }

  // Starts a session for `person` ({principal, token, roles, ...}) and sets
  // its cookie on `res`. Any earlier session of this browser is dropped
  // first (no fixation).
  start(req, res, person) {
    const old = readCookie(req, this.cookieName);
    if (old) this.byId.delete(old);
    this.sweep();
    const id = crypto.randomBytes(32).toString('base64url');
    const session = { ...person, csrf: crypto.randomBytes(32).toString('base64url'),
                      seen: this.now() };
    this.byId.set(id, session);
    res.cookie(this.cookieName, id, {
      httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/',
    });
    return session;
  }

  // The session of `req`'s cookie, or undefined.
  get(req) {
    const id = readCookie(req, this.cookieName);
    const session = id && this.byId.get(id);
    if (!session) return undefined;
    // Idle too long, or past its token's expiry (an OIDC token's exp).
    if (this.now() - session.seen > this.idleMs ||
        (session.expiresAt && this.now() >= session.expiresAt)) {
      this.byId.delete(id);
      return undefined;
    }
    session.seen = this.now();
    return session;
  }

  // Forgets `req`'s session and clears its cookie.
  end(req, res) {
    const id = readCookie(req, this.cookieName);
    if (id) this.byId.delete(id);
    res.clearCookie(this.cookieName, { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/' });
  }

  // Whether `token` (from a posted form) is `session`'s CSRF token.
  csrfMatches(session, token) {
    if (typeof token !== 'string') return false;
    const a = Buffer.from(session.csrf);
    const b = Buffer.from(token);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  sweep() {
    const now = this.now();
    for (const [id, s] of this.byId) {
      if (now - s.seen > this.idleMs) this.byId.delete(id);
    }
    // Bounded: past the limit the least recently started go first.
    while (this.byId.size >= this.maxSessions) {
      this.byId.delete(this.byId.keys().next().value);
    }
  }
}

function readCookie(req, name) {
  return cookie.parse(req.headers.cookie || '')[name];
}

module.exports = { Sessions };
