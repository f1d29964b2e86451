'use strict';
// Returns and their review: a supplier submits a return for a commitment
// and period; a contract manager verifies or rejects it (with a reason);
// each sees the queue that is theirs.
const format = require('../format');
const { refuse, CONTRACT_ID } = require('./contracts');

const ID = /^[A-Za-z0-9][A-Za-z0-9._:#-]{0,127}$/;
const DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;
const REQUEST_ID = /^console-[0-9a-f]{32}$/;
// An uploaded file's evidence URI (app/evidence_files.h).
const UPLOADED = /^svledger-evidence:([0-9a-f]{64})$/;
const FILE_NAME_MAX = 255;
const TEXT_MAX = 2000;
const ATTESTATIONS = [
  { value: 'accurate', text: 'The figures are accurate and complete for this period.' },
  { value: 'evidence', text: 'The evidence supports the figures and the council may inspect it.' },
];

function install(app, { api, call, renderError, requestId, maxEvidenceBytes }) {
  // A manager's queue: returns awaiting verification, oldest first.
  app.get('/review', async (req, res, next) => {
    try {
      const result = await call(req, 'ProgressService/ListDeliveries',
        { state: 'DELIVERY_PENDING', pageSize: 200 });
      if (!result.ok) return refuse(res, result, renderError);
      return res.render('review.njk', {
        deliveries: result.body.deliveries || [], total: result.body.total || 0,
      });
    } catch (error) {
      return next(error);
    }
  });

  // A supplier's returns with their outcomes, newest first.
  app.get('/returns', async (req, res, next) => {
    try {
      const request = {};
      if (req.person.suppliers.length === 1) request.supplierId = req.person.suppliers[0];
      const result = await listDeliveries(req, call, request);
      if (!result.ok) return refuse(res, result, renderError);
      return res.render('returns.njk', {
        deliveries: result.deliveries.reverse(), total: result.total, truncated: result.truncated,
      });
    } catch (error) {
      return next(error);
    }
  });

  app.post('/contracts/:id/deliveries/:did/verify', async (req, res, next) => {
    try {
      const { id, did } = req.params;
      if (!CONTRACT_ID.test(id) || !ID.test(did)) return renderError(res, 404, 'Not found', '');
      const note = String(req.body.note || '').slice(0, TEXT_MAX);
      const result = await call(req, 'ContractService/VerifyDelivery', {
        requestId: validRequestId(req.body.requestId) || requestId(),
        contractId: id,
        verification: { deliveryId: did, note },
      });
      if (result.status === 400 || result.status === 409) {
        // Decided meanwhile (by a colleague, or a second click).
        return renderError(res, 409, 'The return could not be verified', result.message);
      }
      if (!result.ok) return refuse(res, result, renderError, id);
      return res.redirect(303, `/contracts/${encodeURIComponent(id)}?done=verified#deliveries`);
    } catch (error) {
      return next(error);
    }
  });

  app.get('/contracts/:id/deliveries/:did/reject', async (req, res, next) => {
    try {
      const { id, did } = req.params;
      const delivery = await findDelivery(req, call, id, did);
      if (!delivery.ok) return refuse(res, delivery, renderError, id);
      return res.render('reject.njk', {
        contractId: id, delivery: delivery.view, errors: {}, values: {}, requestId: requestId(),
      });
    } catch (error) {
      return next(error);
    }
  });

  app.post('/contracts/:id/deliveries/:did/reject', async (req, res, next) => {
    try {
      const { id, did } = req.params;
      const reason = String(req.body.reason || '').trim();
      const errors = {};
      if (!reason) errors.reason = 'Enter why the return is rejected';
      else if (reason.length > TEXT_MAX) errors.reason = `The reason must be ${TEXT_MAX} characters or fewer`;
      const rid = validRequestId(req.body.requestId) || requestId();
      if (Object.keys(errors).length === 0) {
        const result = await call(req, 'ContractService/RejectDelivery', {
          requestId: rid, contractId: id, rejection: { deliveryId: did, reason },
        });
        if (result.ok) {
          return res.redirect(303, `/contracts/${encodeURIComponent(id)}?done=rejected#deliveries`);
        }
        if (result.status !== 400 && result.status !== 409) return refuse(res, result, renderError, id);
        errors.reason = result.message;
      }
      const delivery = await findDelivery(req, call, id, did);
      if (!delivery.ok) return refuse(res, delivery, renderError, id);
      return res.status(400).render('reject.njk', {
        contractId: id, delivery: delivery.view, errors, values: { reason }, requestId: rid,
      });
    } catch (error) {
      return next(error);
    }
  });

  // Renders the "submit a return" form: blank (200) or with its errors (400).
  function renderReturn(res, status, found, errors, values, rid) {
    return res.status(status).render('return.njk', {
      ...found, errors, values, requestId: rid, attestations: ATTESTATIONS,
      maxEvidenceMb: Math.floor(maxEvidenceBytes / (1 << 20)),
    });
  }

  // The "submit a return" form for one commitment.
  app.get('/contracts/:id/commitments/:cid/return', async (req, res, next) => {
    try {
      const found = await findCommitment(req, call, req.params.id, req.params.cid);
      if (!found.ok) return refuse(res, found, renderError, req.params.id);
      return renderReturn(res, 200, found, {}, { attest: [] }, requestId());
    } catch (error) {
      return next(error);
    }
  });

  // A return: its evidence is a file uploaded with the form (stored by
  // svledger first, then named by the report) or a link. A file already
  // uploaded with an earlier try of the form is carried in hidden fields,
  // so correcting a date does not mean choosing the file again.
  app.post('/contracts/:id/commitments/:cid/return', async (req, res, next) => {
    try {
      const { id, cid } = req.params;
      const found = await findCommitment(req, call, id, cid);
      if (!found.ok) return refuse(res, found, renderError, id);
      const values = {
        periodStart: String(req.body.periodStart || '').trim(),
        periodEnd: String(req.body.periodEnd || '').trim(),
        quantity: String(req.body.quantity || '').trim().replace(/,/g, ''),
        denominator: String(req.body.denominator || '').trim().replace(/,/g, ''),
        evidenceUri: String(req.body.evidenceUri || '').trim(),
        note: String(req.body.note || '').trim(),
        attest: [].concat(req.body.attest || []),
        uploaded: uploadedFrom(req.body),
      };
      const file = req.file && req.file.field === 'evidenceFile' ? req.file : null;
      const errors = validateReturn(values, found.commitment, { file, maxEvidenceBytes });
      const rid = validRequestId(req.body.requestId) || requestId();
      // The file goes up even when another field is wrong, so the next try
      // carries it in hidden fields instead of asking for it again.
      if (file && !errors.evidenceFile && !errors.evidenceUri) {
        const stored = await api.uploadEvidence(id, file.name, file.content, req.person.token);
        if (stored.ok) {
          values.uploaded = { uri: stored.body.uri, name: stored.body.name || file.name, size: Number(stored.body.size || 0) };
        } else if (stored.status === 400 || stored.status === 413) {
          errors.evidenceFile = stored.message.replace(/^content: /, 'The file: ');
        } else {
          return refuse(res, stored, renderError, id);
        }
      }
      if (Object.keys(errors).length === 0) {
        const delivery = {
          deliveryId: `r${rid.slice(-12)}`,
          commitmentId: cid,
          periodStart: format.parseIsoDate(values.periodStart),
          periodEnd: format.parseIsoDate(values.periodEnd),
          quantity: values.quantity,
          note: values.note,
        };
        if (values.denominator) delivery.denominator = values.denominator;
        delivery.evidence = values.uploaded
          ? { uri: values.uploaded.uri, name: values.uploaded.name }
          : { uri: values.evidenceUri };
        const result = await call(req, 'ContractService/ReportDelivery',
          { requestId: rid, contractId: id, delivery });
        if (result.ok) {
          return res.redirect(303, `/contracts/${encodeURIComponent(id)}?done=reported#deliveries`);
        }
        if (result.status !== 400 && result.status !== 409) {
          return refuse(res, result, renderError, id);
        }
        const field = fieldOf(result.message);
        errors[field === 'evidenceUri' && values.uploaded ? 'evidenceFile' : field] = result.message;
      }
      return renderReturn(res, 400, found, errors, values, rid);
    } catch (error) {
      return next(error);
    }
  });

  // An evidence file of a contract's delivery, from svledger as the
  // signed-in person (who must be allowed to read the contract), passed on
  // as an attachment that the browser neither sniffs nor renders.
  app.get('/contracts/:id/evidence/:sha256', async (req, res, next) => {
    try {
      const { id, sha256 } = req.params;
      if (!CONTRACT_ID.test(id) || !/^[0-9a-f]{64}$/.test(sha256)) {
        return renderError(res, 404, 'Not found', '');
      }
      let response;
      try {
        response = await api.downloadEvidence(id, sha256, req.person.token);
      } catch (error) {
        return renderError(res, 503, 'Sorry, the service is unavailable',
          `svledger is not answering (${error.cause?.code || error.name}).`);
      }
      if (response.status !== 200) {
        let body = {};
        try {
          body = await response.json();
        } catch {
          body = {};
        }
        return refuse(res, { status: response.status, code: body.code, message: body.message || '' },
          renderError, id);
      }
      const content = Buffer.from(await response.arrayBuffer());
      res.set({
        'Content-Type': response.headers.get('content-type') || 'application/octet-stream',
        'Content-Disposition': response.headers.get('content-disposition') || 'attachment',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cache-Control': 'private, no-store',
      });
      return res.send(content);
    } catch (error) {
      return next(error);
    }
  });
}

// The file an earlier try of the form uploaded, from its hidden fields, or
// null. svledger checks the file exists when the report names it.
function uploadedFrom(body) {
  const uri = String(body.uploadedUri || '');
  if (!UPLOADED.test(uri)) return null;
  const name = String(body.uploadedName || '').slice(0, FILE_NAME_MAX);
  const size = Number(body.uploadedSize) || 0;
  return { uri, name, size };
}

// The form's problems, by field, in GOV.UK's words ("Enter ...").
// `file`: the file posted with the form, or null; `maxEvidenceBytes`: the
// console's limit on it.
function validateReturn(v, commitment, { file = null, maxEvidenceBytes = 25 << 20 } = {}) {
  const errors = {};
  const start = format.parseIsoDate(v.periodStart);
  const end = format.parseIsoDate(v.periodEnd);
  if (!v.periodStart) errors.periodStart = 'Enter the first day of the period';
  else if (!start) errors.periodStart = 'The first day of the period must be a real date, like 2026-07-01';
  if (!v.periodEnd) errors.periodEnd = 'Enter the last day of the period';
  else if (!end) errors.periodEnd = 'The last day of the period must be a real date, like 2026-09-30';
  if (start && end && format.isoDate(end) < format.isoDate(start)) {
    errors.periodEnd = 'The last day of the period must be on or after the first day';
  }
  if (!v.quantity) errors.quantity = 'Enter how much was delivered';
  else if (!DECIMAL.test(v.quantity)) errors.quantity = 'How much was delivered must be a number, like 12 or 12.5';
  if (commitment.aggregation === 'RATIO' || commitment.unit === 'PERCENT') {
    if (!v.denominator) errors.denominator = 'Enter the total the figure is a share of';
    else if (!DECIMAL.test(v.denominator) || Number(v.denominator) === 0) {
      errors.denominator = 'The total must be a number greater than 0';
    }
  }
  const hasFile = Boolean(file) || Boolean(v.uploaded);
  if (file && file.truncated) {
    errors.evidenceFile = `The file must be smaller than ${Math.floor(maxEvidenceBytes / (1 << 20))} MB`;
  } else if (file && (!file.name || file.name.length > FILE_NAME_MAX)) {
    errors.evidenceFile = `The file's name must be 1 to ${FILE_NAME_MAX} characters`;
  }
  if (!hasFile && !v.evidenceUri) {
    errors.evidenceFile = 'Upload the evidence, or give a link to it';
  } else if (hasFile && v.evidenceUri) {
    errors.evidenceUri = 'Upload a file or give a link, not both';
  } else if (v.evidenceUri && !/^https?:\/\/\S{1,2000}$/.test(v.evidenceUri)) {
    errors.evidenceUri = 'The evidence link must start with https:// or http://';
  }
  if (v.note.length > TEXT_MAX) errors.note = `The note must be ${TEXT_MAX} characters or fewer`;
  const attested = new Set(v.attest);
  if (!ATTESTATIONS.every((a) => attested.has(a.value))) {
    errors.attest = 'Confirm both statements to submit the return';
  }
  return errors;
}

// The form field a svledger error is about, from the field path that
// svledger's message starts with ("evidence.uri: required"; the command's
// fields are named without the request's "delivery.").
const FIELDS = [
  ['period_start', 'periodStart'], ['period_end', 'periodEnd'],
  ['quantity', 'quantity'], ['denominator', 'denominator'],
  ['evidence', 'evidenceUri'], ['note', 'note'],
];
function fieldOf(message) {
  const text = String(message).replace(/^delivery\./, '');
  const found = FIELDS.find(([prefix]) => text.startsWith(prefix));
  return found ? found[1] : 'summary';
}

function validRequestId(text) {
  return typeof text === 'string' && REQUEST_ID.test(text) ? text : '';
}

async function findCommitment(req, call, id, cid) {
  if (!CONTRACT_ID.test(id) || !ID.test(cid)) {
    return { ok: false, status: 404, message: `There is no commitment ${cid} on ${id}.` };
  }
  const progress = await call(req, 'ProgressService/GetContractProgress', { contractId: id });
  if (!progress.ok) return progress;
  const commitment = (progress.body.commitments || []).find((c) => c.commitmentId === cid);
  if (!commitment) {
    return { ok: false, status: 404, message: `Contract ${id} has no commitment ${cid}.` };
  }
  return { ok: true, contract: progress.body.contract, commitment };
}

// Every delivery `request` matches, following svledger's pages (500 each)
// up to `max`; oldest first, as svledger lists them.
async function listDeliveries(req, call, request, max = 5000) {
  const all = [];
  let pageToken = '';
  for (;;) {
    const result = await call(req, 'ProgressService/ListDeliveries',
      { ...request, pageSize: 500, ...(pageToken ? { pageToken } : {}) });
    if (!result.ok) return result;
    all.push(...(result.body.deliveries || []));
    pageToken = result.body.nextPageToken || '';
    if (!pageToken || all.length >= max) {
      return { ok: true, deliveries: all, total: result.body.total || all.length, truncated: Boolean(pageToken) };
    }
  }
}

async function findDelivery(req, call, id, did) {
  if (!CONTRACT_ID.test(id) || !ID.test(did)) {
    return { ok: false, status: 404, message: `There is no return ${did} on ${id}.` };
  }
  const result = await listDeliveries(req, call, { contractId: id });
  if (!result.ok) return result;
  const view = result.deliveries.find((d) => d.report && d.report.deliveryId === did);
  if (!view) return { ok: false, status: 404, message: `Contract ${id} has no return ${did}.` };
  return { ok: true, view };
}

module.exports = { install, validateReturn, listDeliveries };
