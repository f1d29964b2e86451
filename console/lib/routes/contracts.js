'use strict';
// Contracts: the list a person may see (a manager's councils, a supplier's
// own, everything for an auditor) and a contract's page: each commitment's
// progress against plan, its deliveries with evidence, and its cases.
const format = require('../format');

const STATUSES = ['ON_TRACK', 'AT_RISK', 'OFF_TRACK', 'MET', 'MISSED'];
const CONTRACT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function install(app, { call, renderError }) {
  app.get('/', (req, res) => res.redirect(303, '/contracts'));

  app.get('/contracts', async (req, res, next) => {
    try {
      const status = STATUSES.includes(req.query.status) ? req.query.status : '';
      const council = typeof req.query.council === 'string' ? req.query.council.slice(0, 64) : '';
      const request = { pageSize: 100 };
      if (status) request.status = status;
      if (council) request.council = council;
      if (typeof req.query.page === 'string') request.pageToken = req.query.page.slice(0, 512);
      const result = await call(req, 'ProgressService/ListContracts', request);
      if (!result.ok) return refuse(res, result, renderError);
      return res.render('contracts.njk', {
        contracts: result.body.contracts || [],
        nextPage: result.body.nextPageToken || '',
        filter: { status, council },
        statuses: STATUSES,
      });
    } catch (error) {
      return next(error);
    }
  });

  app.get('/contracts/:id', async (req, res, next) => {
    try {
      const id = req.params.id;
      if (!CONTRACT_ID.test(id)) {
        return renderError(res, 404, 'Contract not found', `There is no contract ${id}.`);
      }
      const { listDeliveries } = require('./deliveries');
      const [progress, deliveries, cases] = await Promise.all([
        call(req, 'ProgressService/GetContractProgress', { contractId: id }),
        listDeliveries(req, call, { contractId: id }),
        call(req, 'EnforcementService/ListCases', { contractId: id, pageSize: 100 }),
      ]);
      for (const r of [progress, deliveries, cases]) {
        if (!r.ok) return refuse(res, r, renderError, id);
      }
      const views = deliveries.deliveries;
      // Newest first on the page; svledger lists oldest first.
      views.reverse();
      return res.render('contract.njk', {
        progress: progress.body,
        commitments: (progress.body.commitments || []).map(chartOf),
        deliveries: views,
        cases: cases.body.cases || [],
        flash: req.query.done || '',
      });
    } catch (error) {
      return next(error);
    }
  });
}

// The page for a refusal: the words svledger gave, under a heading that
// says what it means for the person.
function refuse(res, result, renderError, contractId) {
  if (result.status === 403) {
    return renderError(res, 403,
      contractId ? 'You do not have permission to view this contract'
        : 'You do not have permission to view this page', result.message);
  }
  if (result.status === 404) {
    return renderError(res, 404, contractId ? 'Contract not found' : 'Not found', result.message);
  }
  if (result.status === 401) return res.locals.signInAgain();
  return renderError(res, result.status >= 500 ? 503 : result.status,
    'Sorry, there is a problem with the service', result.message);
}

// A commitment with the widths of its progress chart, in percent of the
// chart (the larger of the target and what is delivered and pending):
// delivered, pending on top of it, and the expected-to-date line.
function chartOf(c) {
  const target = Number(c.target || 0);
  const delivered = Number(c.delivered || 0);
  const pending = Number(c.pending || 0);
  const expected = Number(c.expected || 0);
  const scale = Math.max(target, delivered + pending, expected, 1e-9);
  const pct = (x) => Math.max(0, Math.min(100, (100 * x) / scale)).toFixed(2);
  const u = format.unit(c.unit);
  const words = (x) => (u === '£' ? `£${format.decimal(x)}` : `${format.decimal(x)}${u ? ` ${u}` : ''}`);
  return {
    ...c,
    chart: {
      delivered: pct(delivered), pending: pct(pending), expected: pct(expected), target: pct(target),
      label: `${words(c.delivered)} delivered and ${words(c.pending)} pending of a target of ` +
        `${words(c.target)}; ${words(c.expected)} expected by now`,
    },
    words,
  };
}

module.exports = { install, refuse, CONTRACT_ID };
