'use strict';
// The console's pages: an Express app on svledger's HTTP/JSON API. Each
// route asks svledger as the signed-in person and renders GOV.UK Design
// System components (govuk-frontend's Nunjucks macros). Every page works
// without JavaScript; public/console.js adds the live alerts panel.
//
// Who may see or do what is svledger's decision: a page svledger refuses
// is shown as the refusal (403 "You do not have permission ..."), never
// filtered or guessed here.
const crypto = require('node:crypto');
const path = require('node:path');
const express = require('express');
const nunjucks = require('nunjucks');
const format = require('./format');
const { multipart } = require('./multipart');

const MAX_FORM_BYTES = 64 * 1024;  // the largest form a page posts
const NOTE_MAX = 2000;             // svledger's limit on notes and reasons

// `deps`: {api: Api, sessions: Sessions, personas: DevPersonas | null,
//          oidc: OidcSignIn | null, clock: () => Date,
//          maxEvidenceBytes: the largest evidence file a return may carry
//          (default 25 MiB, svledger's default; svledger's own limit
//          decides too)}.
function createApp({
  api, sessions, personas, oidc = null, clock = () => new Date(), maxEvidenceBytes = 25 << 20,
}) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  const root = path.join(__dirname, '..');
  const govuk = path.join(root, 'node_modules', 'govuk-frontend', 'dist');
  const env = nunjucks.configure([path.join(root, 'views'), govuk], {
    autoescape: true, express: app, noCache: false,
  });
  env.addGlobal('format', format);
  env.addGlobal('newRequestId', () => requestId());
  app.set('view engine', 'njk');

  // Security headers on every response: no framing, no sniffing, a CSP that
  // allows only this origin's scripts and styles, and GOV.UK's one inline
  // script (which adds `js-enabled`) by a nonce drawn for this response.
  app.use((req, res, next) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
      'Content-Security-Policy': [
        "default-src 'self'", "img-src 'self' data:", "object-src 'none'",
        // A sign-in form redirects to the identity provider: its origin
        // is allowed as a form's destination too.
        "base-uri 'none'", `form-action 'self'${oidc ? ` ${oidc.authorizationOrigin}` : ''}`,
        "frame-ancestors 'none'",
        `script-src 'self' 'nonce-${nonce}'`,
      ].join('; '),
    });
    next();
  });

  // Server-Timing on every rendered page: the milliseconds from the
  // request's arrival to its HTML (svledger's answers and the template),
  // for operators' browsers and bench/console_bench.js.
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    const render = res.render.bind(res);
    res.render = (view, options) => render(view, options, (error, html) => {
      if (error) return next(error);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      res.set('Server-Timing', `app;dur=${ms.toFixed(2)}`);
      return res.send(html);
    });
    next();
  });

  // govuk-frontend's CSS, JS, fonts and images, from node_modules (no CDN).
  app.use('/assets', express.static(path.join(govuk, 'govuk', 'assets'), { maxAge: '1d' }));
  app.use('/assets/govuk', express.static(path.join(govuk, 'govuk'), { maxAge: '1d' }));
  app.use('/public', express.static(path.join(root, 'public'), { maxAge: '1h' }));
  app.use(express.urlencoded({ extended: false, limit: MAX_FORM_BYTES, parameterLimit: 50 }));

  app.get('/healthz', (req, res) => res.type('text/plain').send('ok\n'));

  // The person signed in, or undefined; `res.locals` carries what every
  // page's layout needs.
  app.use((req, res, next) => {
    const session = sessions.get(req);
    req.person = session;
    res.locals.person = session;
    res.locals.csrf = session ? session.csrf : '';
    res.locals.path = req.path;
    res.locals.apiUrl = api.baseUrl;
    // A signed-in page is nobody else's: not kept for the Back button of a
    // shared council PC after sign-out.
    if (session) res.set('Cache-Control', 'no-store');
    // On a 401 from svledger (the token expired): the session ends and the
    // person signs in again, coming back to this page (a form's page).
    res.locals.signInAgain = () => {
      sessions.end(req, res);
      const back = req.method === 'GET' ? req.originalUrl : req.originalUrl.split('/').slice(0, 3).join('/');
      return res.redirect(303, `/sign-in?next=${encodeURIComponent(back)}`);
    };
    next();
  });

  // The return form posts multipart/form-data (its evidence file): parsed
  // here, for the CSRF check below to read its token.
  app.use(multipart({
    maxFileBytes: maxEvidenceBytes,
    maxFieldBytes: MAX_FORM_BYTES,
    onBusy: (res) => renderError(res, 503, 'Too many uploads at once',
      'Wait a minute and submit the form again.'),
  }));

  // Every POST but the sign-in forms carries the session's CSRF token
  // (before sign-in there is no session; those forms change nothing but
  // who is signed in, and the OIDC one is guarded by state and PKCE).
  app.use((req, res, next) => {
    if (req.method !== 'POST' || req.path === '/sign-in' || req.path === '/sign-in/oidc') return next();
    if (!req.person || !sessions.csrfMatches(req.person, req.body._csrf)) {
      return renderError(res, 403, 'This form has expired',
        'Go back, reload the page and try again.');
    }
    return next();
  });

  const signin = require('./routes/signin');
  signin.install(app, { api, sessions, personas, oidc });

  // From here on, pages need a signed-in person.
  app.use((req, res, next) => {
    if (req.person) return next();
    return res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
  });

  const ctx = { api, clock, renderError, call: makeCall(api), requestId, maxEvidenceBytes };
  require('./routes/contracts').install(app, ctx);
  require('./routes/deliveries').install(app, ctx);
  require('./routes/overview').install(app, ctx);
  require('./routes/alerts').install(app, ctx);

  app.use((req, res) => renderError(res, 404, 'Page not found',
    'If you typed the web address, check it is correct.'));
  // An error thrown by a route: logged, and a page that says so.
  // eslint-disable-next-line no-unused-vars
  app.use((error, req, res, next) => {
    if (error.type === 'entity.too.large') {
      return renderError(res, 413, 'The form is too large', 'Shorten the text and try again.');
    }
    if (error.status === 400) {
      return renderError(res, 400, 'The form could not be read', 'Go back and submit it again.');
    }
    console.error(`console: ${req.method} ${req.path}: ${error.stack || error}`);
    return renderError(res, 500, 'Sorry, there is a problem with the service',
      'Try again later.');
  });
  return app;
}

// A request id for a form: random when the form is drawn and posted back
// with it, so a double submit or a retried POST records once (svledger
// answers a repeat "already recorded").
function requestId() {
  return `console-${crypto.randomBytes(16).toString('hex')}`;
}

// The queries that take `latest`: a person expects a page to show all that
// was recorded before they asked, their own write of a moment ago and
// another person's included, so these wait until svledger's read model has
// applied the log's head.
const READ_LATEST = new Set([
  'ProgressService/GetContractProgress', 'ProgressService/ListContracts',
  'ProgressService/GetCouncilSummary', 'ProgressService/GetSupplierScorecard',
  'ProgressService/ListDeliveries', 'EnforcementService/ListCases',
  'EnforcementService/GetCase',
]);

// call(req, method, body): svledger's answer as the signed-in person.
function makeCall(api) {
  return (req, method, body) => api.call(
    method, READ_LATEST.has(method) ? { ...body, latest: true } : body,
    req.person && req.person.token);
}

// The page for an error svledger (or the console) gave, with its HTTP status.
function renderError(res, status, title, detail) {
  res.status(status).render('error.njk', { title, detail, status });
}

module.exports = { createApp };
