'use strict';
// The views above one contract: a council's overview by theme and outcome,
// the enforcement queue, a case's history, a supplier's scorecard and
// standing, and (for auditors) a contract's event history from the log.
const { refuse, CONTRACT_ID } = require('./contracts');

const COUNCIL = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SUPPLIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CASE_ID = /^[A-Za-z0-9][A-Za-z0-9._:#-]{0,127}$/;
const HISTORY_PAGE = 200;

// A rollup's status counts as a stacked bar's segments, in percent.
function statusBar(rollup) {
  const s = (rollup && rollup.statuses) || {};
  const parts = [
    ['met', 'Met', s.met], ['onTrack', 'On track', s.onTrack], ['atRisk', 'At risk', s.atRisk],
    ['offTrack', 'Off track', s.offTrack], ['missed', 'Missed', s.missed],
  ].filter(([, , n]) => n > 0);
  const total = parts.reduce((sum, [, , n]) => sum + n, 0);
  let x = 0;
  const segments = parts.map(([key, text, n]) => {
    const width = (100 * n) / total;
    const segment = { key, text, n, x: x.toFixed(2), width: width.toFixed(2) };
    x += width;
    return segment;
  });
  return { total, segments, label: parts.map(([, text, n]) => `${n} ${text.toLowerCase()}`).join(', ') || 'no commitments' };
}

function install(app, { call, renderError }) {
  // The councils a person may see: a manager's own; everyone's for an
  // auditor or administrator.
  app.get('/councils', async (req, res, next) => {
    try {
      if (req.person.councils.length === 1 && !req.person.isAuditor && !req.person.isAdmin) {
        return res.redirect(303, `/councils/${encodeURIComponent(req.person.councils[0])}`);
      }
      const result = await call(req, 'ProgressService/ListFrameworks', {});
      if (!result.ok) return refuse(res, result, renderError);
      return res.render('councils.njk', { frameworks: result.body.frameworks || [] });
    } catch (error) {
      return next(error);
    }
  });

  app.get('/councils/:council', async (req, res, next) => {
    try {
      const { council } = req.params;
      if (!COUNCIL.test(council)) return renderError(res, 404, 'Council not found', '');
      const result = await call(req, 'ProgressService/GetCouncilSummary', { council });
      if (!result.ok) return refuse(res, result, renderError);
      const summary = result.body;
      for (const theme of summary.themes || []) {
        theme.bar = statusBar(theme.rollup);
        for (const outcome of theme.outcomes || []) outcome.bar = statusBar(outcome.rollup);
      }
      return res.render('council.njk', { summary, totalBar: statusBar(summary.total) });
    } catch (error) {
      return next(error);
    }
  });

  // Open enforcement cases, as svledger orders them (most urgent first).
  app.get('/cases', async (req, res, next) => {
    try {
      const overdueOnly = req.query.overdue === 'yes';
      const result = await call(req, 'EnforcementService/ListCases',
        { state: 'CASE_OPEN', overdueOnly, pageSize: 200 });
      if (!result.ok) return refuse(res, result, renderError);
      return res.render('cases.njk', { cases: result.body.cases || [], overdueOnly });
    } catch (error) {
      return next(error);
    }
  });

  app.get('/contracts/:id/cases/:caseId', async (req, res, next) => {
    try {
      const { id, caseId } = req.params;
      if (!CONTRACT_ID.test(id) || !CASE_ID.test(caseId)) return renderError(res, 404, 'Case not found', '');
      const result = await call(req, 'EnforcementService/GetCase', { contractId: id, caseId });
      if (!result.ok) return refuse(res, result, renderError, id);
      return res.render('case.njk', { kase: result.body });
    } catch (error) {
      return next(error);
    }
  });

  // A supplier's own scorecard; others' by id for managers and auditors
  // (svledger decides who may see which).
  app.get('/scorecard', (req, res) => {
    if (req.person.suppliers.length === 0) {
      return renderError(res, 404, 'No scorecard', 'Only a supplier has a scorecard of its own.');
    }
    return res.redirect(303, `/suppliers/${encodeURIComponent(req.person.suppliers[0])}`);
  });

  app.get('/suppliers/:supplier', async (req, res, next) => {
    try {
      const { supplier } = req.params;
      if (!SUPPLIER.test(supplier)) return renderError(res, 404, 'Supplier not found', '');
      const result = await call(req, 'ProgressService/GetSupplierScorecard', { supplierId: supplier });
      if (!result.ok) return refuse(res, result, renderError);
      return res.render('scorecard.njk', { card: result.body, bar: statusBar(result.body.total) });
    } catch (error) {
      return next(error);
    }
  });

  // The contract's events as the log holds them, with who and when: for
  // auditors (svledger refuses the raw log to other roles).
  app.get('/contracts/:id/history', async (req, res, next) => {
    try {
      const { id } = req.params;
      if (!CONTRACT_ID.test(id)) return renderError(res, 404, 'Contract not found', '');
      const from = /^\d{1,12}$/.test(req.query.from || '') ? req.query.from : '0';
      const result = await call(req, 'EventLog/ReadStream',
        { streamId: `contract-${id}`, fromVersion: from, limit: HISTORY_PAGE });
      if (!result.ok) return refuse(res, result, renderError, id);
      const events = result.body.events || [];
      const last = Number(result.body.lastStreamVersion || 0);
      const shownTo = events.length ? Number(events[events.length - 1].streamVersion || 0) : last;
      return res.render('history.njk', {
        contractId: id, events, next: shownTo < last ? String(shownTo + 1) : '', last,
      });
    } catch (error) {
      return next(error);
    }
  });
}

module.exports = { install, statusBar };
