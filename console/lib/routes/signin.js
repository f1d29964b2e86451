'use strict';
// Signing in and out. In the local demo (--dev-tokens-dir) the sign-in page
// lists the demo personas; choosing one signs in with its token. The roles
// shown and used come from svledger's WhoAmI for that token.

// Where a sign-in may send the browser next: a path on this site only.
function safeNext(next) {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

// `oidc`: an OidcSignIn (the council's identity provider) or null;
// `personas`: DevPersonas (the local demo) or null. Either or both.
function install(app, { api, sessions, personas, oidc }) {
  app.get('/sign-in', (req, res) => {
    res.render('signin.njk', {
      personas: personas ? personas.list() : [],
      oidc: oidc ? { name: oidc.name } : null,
      next: safeNext(req.query.next),
      errors: {},
    });
  });

  // The council's identity provider: away to it, and back with a code.
  app.post('/sign-in/oidc', (req, res) => {
    if (!oidc) return res.status(404).render('error.njk', { status: 404, title: 'Page not found' });
    return res.redirect(303, oidc.begin(res, safeNext(req.body.next)));
  });

  app.get('/sign-in/callback', async (req, res, next) => {
    if (!oidc) return res.status(404).render('error.njk', { status: 404, title: 'Page not found' });
    let signedIn;
    try {
      signedIn = await oidc.finish(req, res);
    } catch (error) {
      console.error(`console: an OIDC sign-in failed: ${error.message}`);
      return res.status(400).render('error.njk', {
        status: 400, title: 'You could not be signed in', detail: error.message,
      });
    }
    try {
      const who = await api.call('AdminService/WhoAmI', {}, signedIn.token);
      if (!who.ok) {
        return res.status(who.status).render('error.njk', {
          status: who.status, title: 'You could not be signed in', detail: who.message,
        });
      }
      sessions.start(req, res, { ...personFrom(who.body, signedIn.token), expiresAt: signedIn.expiresAt });
      return res.redirect(303, signedIn.next);
    } catch (error) {
      return next(error);
    }
  });

  app.post('/sign-in', async (req, res, next) => {
    try {
      const nextPath = safeNext(req.body.next);
      const name = req.body.persona;
      const token = personas && personas.token(name);
      if (!token) {
        return res.status(400).render('signin.njk', {
          personas: personas ? personas.list() : [],
          oidc: oidc ? { name: oidc.name } : null,
          next: nextPath,
          errors: { persona: 'Select who you want to sign in as' },
        });
      }
      const who = await api.call('AdminService/WhoAmI', {}, token);
      if (!who.ok) {
        return res.status(who.status).render('error.njk', {
          status: who.status, title: 'You could not be signed in', detail: who.message,
        });
      }
      sessions.start(req, res, personFrom(who.body, token));
      return res.redirect(303, nextPath);
    } catch (error) {
      return next(error);
    }
  });

  app.post('/sign-out', (req, res) => {
    sessions.end(req, res);
    res.redirect(303, '/sign-in');
  });
}

// What the console keeps of a person: the token, the principal, and what
// its bindings let the pages offer (svledger still decides each call).
function personFrom(whoAmI, token) {
  const bindings = whoAmI.bindings || [];
  const has = (role) => bindings.some((b) => b.role === role);
  const scopes = (role) => bindings.filter((b) => b.role === role).map((b) => b.scope);
  return {
    token,
    principal: whoAmI.principal,
    bindings,
    isAdmin: has('ROLE_ADMIN'),
    isAuditor: has('ROLE_AUDITOR'),
    councils: scopes('ROLE_MANAGER'),
    suppliers: scopes('ROLE_SUPPLIER'),
    isManager: has('ROLE_MANAGER'),
    isSupplier: has('ROLE_SUPPLIER'),
    roleText: bindings.map((b) => `${b.role.replace('ROLE_', '').toLowerCase()}${b.scope ? ` of ${b.scope}` : ''}`).join(', '),
  };
}

module.exports = { install, safeNext };
