'use strict';
// The console's journeys in a real browser against the real svledger and
// console processes (harness.js): a supplier submits returns, a manager
// sees them arrive live and verifies one and rejects another, the
// commitment's status changes, a supplier cannot open another supplier's
// contract, and an auditor reads without buttons. Evidence goes up as a
// PDF with the return, and comes back only to who may read the contract. axe-core checks every
// page for WCAG 2.2 A/AA (no serious or critical violation), and each page
// is photographed into out/console/ for review.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Harness } = require('./harness');

const CONTRACT = 'NOR-2025-102';  // Greenway Construction's, Norwich council
const COMMITMENT = 'c1';          // apprenticeships, off track in the demo

const h = new Harness();
let supplier;  // the supplier's page, signed in
let manager;   // the manager's page, signed in
let periods;   // free months after the demo's last return of COMMITMENT

async function checkPage(page, name) {
  const violations = await h.axe(page);
  await h.screenshot(page, name);
  assert.deepEqual(violations, [], `${name}: axe found serious or critical violations`);
  assert.deepEqual(page.errors || [], [], `${name}: the page's scripts failed`);
}

// The first two whole months after the latest period reported for
// COMMITMENT, so a new return overlaps nothing (the demo moves with today).
async function freePeriods() {
  const { body } = await h.api('manager-norwich', 'ProgressService/ListDeliveries',
    { contractId: CONTRACT, pageSize: 500 });
  let last = { year: 2000, month: 1 };
  for (const d of body.deliveries) {
    const e = d.report.periodEnd;
    if (d.commitmentId === COMMITMENT && (e.year * 12 + e.month) > (last.year * 12 + last.month)) last = e;
  }
  const month = (k) => {
    const index = last.year * 12 + (last.month - 1) + k;
    const year = Math.floor(index / 12);
    const m = (index % 12) + 1;
    const days = new Date(Date.UTC(year, m, 0)).getUTCDate();
    const p = (n) => String(n).padStart(2, '0');
    return { start: `${year}-${p(m)}-01`, end: `${year}-${p(m)}-${p(days)}` };
  };
  return [month(1), month(2)];
}

// A small but real PDF (svledger checks the type by content).
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function statusOf(page) {
  return page.locator(`[data-commitment="${COMMITMENT}"] .govuk-tag`).first().innerText();
}

async function fillReturn(page, period, quantity) {
  await page.goto(`${h.url}/contracts/${CONTRACT}/commitments/${COMMITMENT}/return`);
  await page.fill('#periodStart', period.start);
  await page.fill('#periodEnd', period.end);
  await page.fill('#quantity', quantity);
  await page.fill('#note', `apprentices started ${period.start}`);
  await page.check('input[name="attest"][value="accurate"]');
  await page.check('input[name="attest"][value="evidence"]');
}

// A return with a link as its evidence.
async function submitReturn(page, period, quantity) {
  await fillReturn(page, period, quantity);
  await page.fill('#evidenceUri', `https://evidence.example/greenway/${period.start}.pdf`);
  await page.click('button:has-text("Submit return")');
  await page.waitForURL(/done=reported/);
}

describe('console journeys', { timeout: 180000 }, () => {
  before(async () => {
    await h.start();
    periods = await freePeriods();
  });
  after(async () => h.stop());

  it('the sign-in page lists the demo personas', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.url}/contracts`);
    assert.match(page.url(), /\/sign-in\?next=%2Fcontracts/);
    assert.ok(await page.locator('input[value="manager-norwich"]').count() === 1);
    await page.click('button:has-text("Sign in")');
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Select who you want to sign in as/);
    await checkPage(page, '01-sign-in-error');
    await context.close();
  });

  it('a supplier sees its contracts and submits a return, which is pending', async () => {
    supplier = await h.signIn('supplier-greenway-construction');
    const rows = await supplier.locator('tbody tr').allInnerTexts();
    assert.ok(rows.length > 0 && rows.every((r) => r.includes('Greenway')), `rows: ${rows}`);
    await checkPage(supplier, '02-supplier-contracts');

    await supplier.goto(`${h.url}/contracts/${CONTRACT}`);
    assert.equal(await statusOf(supplier), 'Off track');
    await checkPage(supplier, '03-supplier-contract');

    // An empty form names each field and records nothing.
    const before = (await h.api('manager-norwich', 'ProgressService/ListDeliveries', { contractId: CONTRACT })).body.total;
    await supplier.click(`[data-commitment="${COMMITMENT}"] a:has-text("Submit a return")`);
    await supplier.click('button:has-text("Submit return")');
    const summary = await supplier.locator('.govuk-error-summary').innerText();
    for (const words of ['Enter the first day of the period', 'Enter how much was delivered',
      'Upload the evidence, or give a link to it', 'Confirm both statements']) {
      assert.match(summary, new RegExp(words));
    }
    await checkPage(supplier, '04-supplier-return-errors');
    assert.equal((await h.api('manager-norwich', 'ProgressService/ListDeliveries', { contractId: CONTRACT })).body.total, before);

    // A web page renamed .pdf is refused by its content, by svledger.
    await fillReturn(supplier, periods[0], '10');
    await supplier.setInputFiles('#evidenceFile',
      { name: 'payroll.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><body>hi</body></html>\n') });
    await supplier.click('button:has-text("Submit return")');
    assert.match(await supplier.locator('#evidenceFile-error').innerText(), /text\/html is not accepted as evidence/);

    // A real PDF with a mistyped date: the file is kept for the next try.
    await fillReturn(supplier, { start: periods[0].start, end: '2000-01-01' }, '10');
    await supplier.setInputFiles('#evidenceFile',
      { name: 'Payroll July £.pdf', mimeType: 'application/pdf', buffer: PDF });
    await supplier.click('button:has-text("Submit return")');
    assert.match(await supplier.locator('.govuk-error-summary').innerText(), /on or after the first day/);
    assert.match(await supplier.locator('main').innerText(), /Uploaded: Payroll July £\.pdf \(\d+ bytes\)/);
    await checkPage(supplier, '05-supplier-return-file-kept');
    await supplier.fill('#periodEnd', periods[0].end);
    await supplier.click('button:has-text("Submit return")');
    await supplier.waitForURL(/done=reported/);
    assert.match(await supplier.locator('.govuk-notification-banner').innerText(), /pending verification/);
    const row = supplier.locator('tr[data-delivery]', { hasText: periods[0].start }).first();
    assert.match(await row.innerText(), /Pending verification/);
    assert.match(await row.innerText(), /Payroll July £\.pdf/);
    await checkPage(supplier, '05-supplier-return-submitted');
  });

  it('the evidence file opens as an attachment for the council, and for no other supplier', async () => {
    const page = await h.signIn('manager-norwich');
    await page.goto(`${h.url}/contracts/${CONTRACT}`);
    const link = page.locator('tr[data-delivery]', { hasText: periods[0].start }).first()
      .locator('a', { hasText: 'Payroll July' });
    const href = await link.getAttribute('href');
    assert.match(href, new RegExp(`^/contracts/${CONTRACT}/evidence/[0-9a-f]{64}$`));
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'Payroll July £.pdf');
    const response = await page.request.get(`${h.url}${href}`);
    assert.equal(response.status(), 200);
    assert.deepEqual(await response.body(), PDF);
    assert.equal(response.headers()['content-type'], 'application/pdf');
    assert.match(response.headers()['content-disposition'], /^attachment;/);
    assert.equal(response.headers()['x-content-type-options'], 'nosniff');
    await page.context().close();

    const other = await h.signIn('supplier-acme-facilities');
    const refused = await other.request.get(`${h.url}${href}`);
    assert.equal(refused.status(), 403);
    await other.context().close();
  });

  it('the manager sees a new return arrive live, verifies one and rejects another', async () => {
    manager = await h.signIn('manager-norwich');
    await manager.locator('[data-svl-alerts]').waitFor({ state: 'visible' });
    await checkPage(manager, '06-manager-contracts');
    await manager.goto(`${h.url}/review`);
    assert.match(await manager.locator('main').innerText(), new RegExp(CONTRACT));
    await checkPage(manager, '07-manager-review-queue');

    await manager.goto(`${h.url}/contracts/${CONTRACT}`);
    await manager.locator('[data-svl-alerts]').waitFor({ state: 'visible' });
    // The supplier submits while the manager's page is open: the alert
    // appears without a reload.
    await submitReturn(supplier, periods[1], '3');
    const alert = manager.locator('.svl-alert', { hasText: 'submitted' });
    await alert.first().waitFor({ state: 'visible' });
    assert.match(await alert.first().innerText(), /pending verification/);
    await checkPage(manager, '08-manager-contract-live-alert');

    // Verify the first: it counts, and the commitment is back on track.
    await manager.reload();
    const first = manager.locator('tr[data-delivery]', { hasText: periods[0].start }).first();
    await first.locator('button:has-text("Verify")').click();
    await manager.waitForURL(/done=verified/);
    assert.match(await manager.locator('tr[data-delivery]', { hasText: periods[0].start }).first().innerText(), /Verified/);
    assert.equal(await statusOf(manager), 'On track');

    // Reject the second: a reason is required, and the supplier sees it.
    await manager.locator('tr[data-delivery]', { hasText: periods[1].start }).first()
      .locator('a:has-text("Reject")').click();
    await manager.click('button:has-text("Reject return")');
    assert.match(await manager.locator('.govuk-error-summary').innerText(), /Enter why the return is rejected/);
    await checkPage(manager, '09-manager-reject-error');
    await manager.fill('#reason', 'No payroll evidence for the three apprentices');
    await manager.click('button:has-text("Reject return")');
    await manager.waitForURL(/done=rejected/);
    await checkPage(manager, '10-manager-contract-after-decisions');
  });

  it('the manager sees the council by theme and outcome, the enforcement queue and a case', async () => {
    await manager.goto(`${h.url}/councils`);
    assert.match(manager.url(), /\/councils\/norwich$/);
    const bars = await manager.locator('svg.svl-bar').count();
    assert.ok(bars >= 3, `${bars} status bars`);
    assert.match(await manager.locator('main').innerText(), /Apprenticeships created for local residents/);
    await checkPage(manager, '11-manager-council-overview');
    await manager.goto(`${h.url}/cases`);
    const cases = manager.locator('tbody tr');
    assert.ok(await cases.count() >= 1);
    assert.doesNotMatch(await manager.locator('tbody').innerText(), /DER-|LAN-|RUT-/);
    await checkPage(manager, '12-manager-enforcement-queue');
    await cases.first().locator('a').first().click();
    assert.match(await manager.locator('h1').innerText(), /^Case /);
    assert.ok(await manager.locator('.svl-timeline li').count() >= 1);
    await checkPage(manager, '13-manager-case-history');
  });

  it('the supplier sees the outcomes with the rejection reason', async () => {
    await supplier.goto(`${h.url}/returns`);
    const text = await supplier.locator('main').innerText();
    assert.match(text, /No payroll evidence for the three apprentices/);
    await checkPage(supplier, '14-supplier-returns');
    await supplier.click('a:has-text("Your scorecard")');
    assert.match(await supplier.locator('main').innerText(), /Standing[\s\S]*(met|not met): /);
    await checkPage(supplier, '15-supplier-scorecard');
  });

  it('a supplier cannot open another supplier\'s contract, in the page or the API', async () => {
    const other = await h.signIn('supplier-acme-facilities');
    const response = await other.goto(`${h.url}/contracts/${CONTRACT}`);
    assert.equal(response.status(), 403);
    assert.match(await other.locator('h1').innerText(), /You do not have permission to view this contract/);
    await checkPage(other, '16-other-supplier-refused');
    const api = await h.api('supplier-acme-facilities', 'ProgressService/GetContractProgress', { contractId: CONTRACT });
    assert.equal(api.status, 403);
    assert.equal(api.body.code, 'permission_denied');
    await other.context().close();
  });

  it('evidence given as a javascript: URI is shown as text, never a link', async () => {
    const reported = await h.api('supplier-greenway-construction', 'ContractService/ReportDelivery', {
      requestId: 'hostile-evidence', contractId: CONTRACT, delivery: {
        deliveryId: 'hostile', commitmentId: 'c2', quantity: '1', note: 'x',
        periodStart: { year: 2026, month: 10, day: 1 }, periodEnd: { year: 2026, month: 10, day: 31 },
        evidence: { uri: 'javascript:alert(document.cookie)' },
      },
    });
    if (reported.status !== 200) return;  // svledger refused it: nothing to show
    await manager.goto(`${h.url}/contracts/${CONTRACT}`);
    const row = manager.locator('tr[data-delivery="hostile"]');
    assert.match(await row.innerText(), /javascript:alert/);
    assert.equal(await manager.locator('a[href^="javascript:"]').count(), 0);
  });

  it('an auditor reads everything and is offered no decisions', async () => {
    const auditor = await h.signIn('auditor');
    assert.ok(await auditor.locator('tbody tr').count() >= 10);
    await auditor.goto(`${h.url}/contracts/${CONTRACT}`);
    assert.equal(await auditor.locator('button:has-text("Verify")').count(), 0);
    assert.equal(await auditor.locator('a:has-text("Submit a return")').count(), 0);
    await checkPage(auditor, '17-auditor-contract');
    await auditor.click('a:has-text("Event history of this contract")');
    const events = await auditor.locator('tbody tr').allInnerTexts();
    assert.ok(events.some((e) => /ContractRegistered/.test(e)), 'the registration is in the history');
    assert.ok(events.some((e) => /DeliveryRejected\s+manager-norwich/.test(e)), 'the rejection, with its actor');
    await checkPage(auditor, '18-auditor-event-history');
    await auditor.context().close();
  });

  it('a form posted without the session\'s CSRF token is refused', async () => {
    const page = await h.signIn('manager-norwich');
    const status = await page.evaluate(async (url) => (await fetch(url, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'note=x',
    })).status, `${h.url}/contracts/${CONTRACT}/deliveries/d1/verify`);
    assert.equal(status, 403);
    await page.context().close();
  });
});
