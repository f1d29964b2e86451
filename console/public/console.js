// svledger console: live alerts. Progressive enhancement: without
// JavaScript the page is complete and a reload shows what changed; with it,
// the alerts panel listens to /alerts/stream (Server-Sent Events, resumed
// by the browser with Last-Event-ID after a drop) and lists each alert.
import { initAll } from '/assets/govuk/govuk-frontend.min.js';

// GOV.UK Frontend's components: error summaries take focus, buttons
// refuse a double click, and so on.
initAll();

const panel = document.querySelector('[data-svl-alerts]');
if (panel && 'EventSource' in window) {
  const list = panel.querySelector('[data-svl-alert-list]');
  const contract = panel.getAttribute('data-svl-alerts');
  const source = new EventSource(contract
    ? `/alerts/stream?contract=${encodeURIComponent(contract)}` : '/alerts/stream');
  panel.hidden = false;
  const unavailable = (why) => {
    source.close();
    const item = document.createElement('li');
    item.textContent = `Live alerts are unavailable (${why}). Reload the page to see changes.`;
    list.prepend(item);
  };
  // svledger ends a stream it cannot go on with by an `error` event with a
  // body: no reconnecting then. A refused first request closes the source.
  source.addEventListener('error', (event) => {
    if (event.data) {
      let message = 'the server ended the stream';
      try { message = JSON.parse(event.data).message || message; } catch { /* as is */ }
      unavailable(message);
    } else if (source.readyState === EventSource.CLOSED) {
      unavailable('the server refused the stream');
    }
  });
  source.onmessage = (event) => {
    let response;
    try {
      response = JSON.parse(event.data);
    } catch {
      return;
    }
    for (const alert of response.alerts || []) {
      const item = document.createElement('li');
      item.className = 'svl-alert';
      item.setAttribute('data-alert-delivery', alert.deliveryId || '');
      item.textContent = describe(alert);
      list.prepend(item);
    }
  };
}

// One sentence per alert, in words (the alert's JSON names its change).
function describe(alert) {
  const who = alert.actor ? ` by ${alert.actor}` : '';
  const what = alert.commitmentId ? ` on commitment ${alert.commitmentId}` : '';
  if (alert.deliveryReported) return `Return ${alert.deliveryId} submitted${who}${what}: pending verification.`;
  if (alert.deliveryVerified) return `Return ${alert.deliveryId} verified${who}${what}.`;
  if (alert.deliveryRejected) return `Return ${alert.deliveryId} rejected${who}${what}: ${alert.deliveryRejected.reason || ''}`;
  if (alert.statusChanged) return `Commitment ${alert.commitmentId} is now ${String(alert.statusChanged.to || '').toLowerCase().replace(/_/g, ' ')}.`;
  if (alert.caseOpened) return `Enforcement case ${alert.caseId} opened${what}.`;
  if (alert.caseEscalated) return `Enforcement case ${alert.caseId} escalated${what}.`;
  if (alert.caseAction) return `Action recorded on case ${alert.caseId}${who}.`;
  if (alert.caseClosed) return `Enforcement case ${alert.caseId} closed${who}.`;
  if (alert.assessmentRecorded) return `Performance assessment recorded${who}.`;
  return `Change at log position ${alert.position}.`;
}
