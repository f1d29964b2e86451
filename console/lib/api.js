'use strict';
// A client of svledger's HTTP/JSON API (the Connect protocol's unary JSON
// form; see ../../http/README.md). The console holds no rules of its own:
// every page asks svledger with the signed-in person's bearer token, so
// authentication, authorization, limits and errors are svledger's.

// One RPC's outcome. `ok` is true for HTTP 200; otherwise `code` is the
// Connect code ("permission_denied", "not_found", ...) and `message` says
// what is wrong, as svledger wrote it.
class ApiResult {
  constructor(status, body) {
    this.status = status;
    this.ok = status === 200;
    this.body = this.ok ? body : {};
    this.code = this.ok ? 'ok' : (body.code || 'unknown');
    this.message = this.ok ? '' : (body.message || `HTTP ${status}`);
  }
}

// One call's answer as an ApiResult: svledger's JSON, or "unavailable"
// when it cannot be reached.
async function resultOf(url, init) {
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return new ApiResult(503, {
      code: 'unavailable',
      message: `svledger is not answering (${error.cause?.code || error.name})`,
    });
  }
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = { code: 'unknown', message: `HTTP ${response.status} without JSON` };
  }
  return new ApiResult(response.status, body);
}

// Thread-safety is Node's: one event loop; an Api is shared by all requests.
class Api {
  // `baseUrl`: svledger's HTTP API, e.g. "http://127.0.0.1:8080".
  // `timeoutMs`: each call's deadline, sent as Connect-Timeout-Ms too.
  constructor(baseUrl, { timeoutMs = 10000 } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  // Calls `method` ("ProgressService/ListContracts") with the JSON object
  // `request` as `token`'s holder. Never throws for an answer svledger gave;
  // a connection failure is an ApiResult with code "unavailable".
  async call(method, request, token) {
    const headers = {
      'Content-Type': 'application/json',
      'Connect-Protocol-Version': '1',
      'Connect-Timeout-Ms': String(this.timeoutMs),
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    return resultOf(`${this.baseUrl}/svledger.v1.${method}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(request || {}),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  // Uploads an evidence file for a delivery of `contractId` (svledger's
  // POST /evidence/{contract}; http/README.md, "Evidence files"). On 200
  // `body` is the Evidence to name in ReportDelivery. Never throws for an
  // answer svledger gave.
  async uploadEvidence(contractId, name, content, token) {
    const url = `${this.baseUrl}/evidence/${encodeURIComponent(contractId)}?name=${encodeURIComponent(name)}`;
    return resultOf(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      body: content,
      signal: AbortSignal.timeout(this.timeoutMs * 3),
    });
  }

  // Fetches the evidence file `sha256` of `contractId` as `token`'s holder
  // (svledger's GET /evidence/{contract}/{sha256}). Returns the fetch
  // Response, for the console to pass on; throws on a connection failure.
  async downloadEvidence(contractId, sha256, token) {
    return fetch(`${this.baseUrl}/evidence/${encodeURIComponent(contractId)}/${encodeURIComponent(sha256)}`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(this.timeoutMs * 3),
    });
  }

  // Opens the alert stream as Server-Sent Events from svledger, for the
  // console to pass on. Returns the fetch Response (its body streams) or
  // throws on a connection failure. `lastEventId` resumes after a position.
  async watchAlerts(request, token, lastEventId, signal) {
    const headers = {
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
      Authorization: `Bearer ${token}`,
    };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    return fetch(`${this.baseUrl}/svledger.v1.AlertService/WatchAlerts`, {
      method: 'POST', headers, body: JSON.stringify(request), signal,
    });
  }
}

module.exports = { Api, ApiResult };
