'use strict';
// How the console writes svledger's figures for people: money from pence
// (exact: BigInt, never floating point), dates, statuses as GOV.UK tags.

// "£2,900,000.00" from {pence: "290000000"}; "" when absent.
function money(value) {
  if (!value || value.pence === undefined) return '';
  let pence = BigInt(value.pence);
  const negative = pence < 0n;
  if (negative) pence = -pence;
  const pounds = (pence / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = (pence % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}£${pounds}.${rest}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July',
  'August', 'September', 'October', 'November', 'December'];

// "1 October 2024" from {year, month, day}; "" when unset.
function date(d) {
  if (!d || !d.year) return '';
  return `${d.day} ${MONTHS[d.month - 1]} ${d.year}`;
}

// "2024-10-01" from {year, month, day}.
function isoDate(d) {
  if (!d || !d.year) return '';
  const p = (n, w) => String(n).padStart(w, '0');
  return `${p(d.year, 4)}-${p(d.month, 2)}-${p(d.day, 2)}`;
}

// {year, month, day} from "2024-10-01", or undefined.
function parseIsoDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text || '').trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(year, month - 1, day));
  if (t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

// "3 December 2026, 14:05" (UTC) from {unixMicros}.
function instant(i) {
  if (!i || !i.unixMicros) return '';
  const t = new Date(Number(BigInt(i.unixMicros) / 1000n));
  const hh = String(t.getUTCHours()).padStart(2, '0');
  const mm = String(t.getUTCMinutes()).padStart(2, '0');
  return `${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()}, ${hh}:${mm}`;
}

// A GOV.UK tag for a commitment or contract status.
const STATUS = {
  ON_TRACK: ['On track', 'govuk-tag--green'],
  AT_RISK: ['At risk', 'govuk-tag--yellow'],
  OFF_TRACK: ['Off track', 'govuk-tag--red'],
  MET: ['Met', 'govuk-tag--blue'],
  MISSED: ['Missed', 'govuk-tag--red'],
  NOT_STARTED: ['Not started', 'govuk-tag--grey'],
  WITHDRAWN: ['Withdrawn', 'govuk-tag--grey'],
};
function statusTag(status) {
  const [text, classes] = STATUS[status] || [humanize(status), 'govuk-tag--grey'];
  return { text, classes };
}

const DELIVERY = {
  DELIVERY_PENDING: ['Pending verification', 'govuk-tag--yellow'],
  DELIVERY_VERIFIED: ['Verified', 'govuk-tag--green'],
  DELIVERY_REJECTED: ['Rejected', 'govuk-tag--red'],
  DELIVERY_SUPERSEDED: ['Superseded', 'govuk-tag--grey'],
};
function deliveryTag(state) {
  const [text, classes] = DELIVERY[state] || [humanize(state), 'govuk-tag--grey'];
  return { text, classes };
}

// "PERFORMANCE_NOTICE" -> "Performance notice".
function humanize(code) {
  if (!code) return '';
  const s = String(code).replace(/^(CASE_|RATING_|ROLE_)/, '').toLowerCase().replace(/_/g, ' ');
  return s[0].toUpperCase() + s.slice(1);
}

// Units as a person reads them beside a number.
const UNITS = { PEOPLE: 'people', FTE: 'FTE posts', WEEKS: 'weeks', DAYS: 'days',
  HOURS: 'hours', GBP: '£', PERCENT: '%', TONNES_CO2E: 'tonnes CO2e', KWH: 'kWh',
  CUBIC_METRES: 'm³', COUNT: '', MILES: 'miles', HECTARES: 'hectares' };
function unit(u) {
  return UNITS[u] === undefined ? humanize(u) : UNITS[u];
}

// An exact decimal string ("1234.5678") for display: rounded half up to at
// most `places` places and grouped in thousands ("1,234.57"), in BigInt
// arithmetic so no binary floating point touches a figure.
function decimal(text, places = 2) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text ?? '0').trim() || '0');
  if (!m) return String(text);
  const [, sign, whole, frac = ''] = m;
  const scale = 10n ** BigInt(places);
  let scaled = BigInt(whole + frac.padEnd(places, '0').slice(0, places));
  if (frac.length > places && frac[places] >= '5') scaled += 1n;
  const int = (scaled / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = (scaled % scale).toString().padStart(places, '0').replace(/0+$/, '');
  const zero = scaled === 0n;
  return `${sign && !zero ? '-' : ''}${int}${rest ? `.${rest}` : ''}`;
}

// `uri` if it is an http(s) URL a browser may follow, else '' (the page
// then shows it as text): svledger takes any URI as evidence, and a
// `javascript:` one must never become a link.
function safeHref(uri) {
  try {
    const url = new URL(uri);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '';
  } catch {
    return '';
  }
}

// Where the console serves `evidence` of a delivery of `contractId`: an
// uploaded file (svledger-evidence:<sha256>) through the console's
// download route, a link as safeHref has it, else ''.
function evidenceHref(contractId, evidence) {
  const uri = (evidence && evidence.uri) || '';
  const uploaded = /^svledger-evidence:([0-9a-f]{64})$/.exec(uri);
  if (uploaded) return `/contracts/${encodeURIComponent(contractId)}/evidence/${uploaded[1]}`;
  return safeHref(uri);
}

// A file's size for people: "820 bytes", "12 KB", "3.4 MB" (1 KB = 1024).
function fileSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

module.exports = { safeHref, evidenceHref, fileSize, money, date, isoDate, parseIsoDate, instant, statusTag, deliveryTag,
  humanize, unit, decimal };
