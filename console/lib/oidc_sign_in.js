'use strict';
// Sign-in with the council's identity provider: the OpenID Connect
// authorization-code flow with PKCE (S256), through openid-client. The
// console is a confidential client when given a secret, a public one
// otherwise; either way PKCE, `state` and `nonce` are checked.
//
// What the console passes to svledger as the bearer token is the one the
// council's provider issues for svledger (`bearer: 'access_token'`, when the
// provider issues JWT access tokens with svledger's audience, as Entra ID
// does for an API scope) or the ID token (`bearer: 'id_token'`, whose
// audience is the console's client id); svledger's --oidc-audience must
// match it.
const crypto = require('node:crypto');
const { Issuer, generators } = require('openid-client');

const PENDING_COOKIE = 'svledger_signin';
const PENDING_MS = 10 * 60 * 1000;  // an unfinished sign-in is dropped after this

class OidcSignIn {
  // Discovers the provider at `options.issuer` and returns an OidcSignIn.
  // options: {issuer, clientId, clientSecret (optional), redirectUri,
  // scopes (default 'openid profile email'), bearer ('access_token' |
  // 'id_token', default 'access_token'), secure (cookies Secure),
  // now (clock)}. Throws when discovery fails.
  static async discover(options) {
    const issuer = await Issuer.discover(options.issuer);
    // The ID token's algorithm: RS256 (OIDC's default) where the provider
    // offers it, else the first it names (ES256, say).
    const algs = issuer.metadata.id_token_signing_alg_values_supported || ['RS256'];
    const client = new issuer.Client({
      client_id: options.clientId,
      id_token_signed_response_alg: algs.includes('RS256') ? 'RS256' : algs[0],
      client_secret: options.clientSecret || undefined,
      response_types: ['code'],
      token_endpoint_auth_method: options.clientSecret ? 'client_secret_basic' : 'none',
    });
    return new OidcSignIn(issuer, client, options);
  }

  constructor(issuer, client, options) {
    this.issuer = issuer;
    this.client = client;
    this.redirectUri = options.redirectUri;
    this.scopes = options.scopes || 'openid profile email';
    this.bearer = options.bearer || 'access_token';
    this.secure = Boolean(options.secure);
    this.now = options.now || Date.now;
    this.key = crypto.randomBytes(32);  // seals the sign-in cookie
    this.name = new URL(issuer.issuer).host;
    this.authorizationOrigin = new URL(issuer.metadata.authorization_endpoint).origin;
  }

  // Where the provider sends the browser back (this console's
  // /sign-in/callback, registered at the provider). REQUIRES: set before
  // the first begin().
  setRedirectUri(uri) {
    this.redirectUri = uri;
  }

  // Starts a sign-in: the PKCE verifier, state, nonce and where to go
  // next travel in an HttpOnly cookie signed with this process's key (kept
  // by the browser, not the server, so no number of started sign-ins can
  // push out another person's), and the provider's authorization URL is
  // returned.
  begin(res, next) {
    const verifier = generators.codeVerifier();
    const pending = { state: generators.state(), nonce: generators.nonce(), verifier, next, at: this.now() };
    res.cookie(PENDING_COOKIE, this.seal(pending), {
      httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/sign-in', maxAge: PENDING_MS,
    });
    return this.client.authorizationUrl({
      redirect_uri: this.redirectUri,
      scope: this.scopes,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: generators.codeChallenge(verifier),
      code_challenge_method: 'S256',
    });
  }

  // Finishes a sign-in on the redirect back: checks the cookie's seal and
  // age and the state, exchanges the code with the verifier, checks the ID
  // token (signature, iss, aud, nonce, expiry). Returns {token, next,
  // expiresAt (ms, or undefined)}; throws an Error with a person-readable
  // message otherwise. The cookie is used up either way.
  async finish(req, res) {
    const pending = this.unseal(readCookie(req, PENDING_COOKIE));
    res.clearCookie(PENDING_COOKIE, { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/sign-in' });
    if (!pending || this.now() - pending.at > PENDING_MS) {
      throw new Error('The sign-in took too long or was started in another browser. Start again.');
    }
    const params = this.client.callbackParams(req);
    if (params.error) {
      throw new Error(`The identity provider refused the sign-in: ${params.error_description || params.error}`);
    }
    const tokens = await this.client.callback(this.redirectUri, params, {
      state: pending.state, nonce: pending.nonce, code_verifier: pending.verifier,
    });
    const token = this.bearer === 'id_token' ? tokens.id_token : tokens.access_token;
    if (!token) throw new Error(`The identity provider issued no ${this.bearer}.`);
    const claims = this.bearer === 'id_token' ? tokens.claims() : {};
    const exp = claims.exp || tokens.expires_at;
    return { token, next: pending.next, expiresAt: exp ? exp * 1000 : undefined };
  }

  // base64url(JSON).HMAC-SHA256, with a key drawn when the process starts.
  seal(value) {
    const body = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${body}.${crypto.createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  unseal(text) {
    if (typeof text !== 'string' || text.length > 4096) return undefined;
    const [body, mac] = text.split('.');
    if (!body || !mac) return undefined;
    const want = crypto.createHmac('sha256', this.key).update(body).digest();
    const got = Buffer.from(mac, 'base64url');
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  }
}

function readCookie(req, name) {
  return require('cookie').parse(req.headers.cookie || '')[name];
}

module.exports = { OidcSignIn };
