// The number cards: the range's totals (with the change from the previous period when comparing) and the pipeline's
// own health from the live feed's `pipeline` events.
import { el } from './tables.js';

const int = new Intl.NumberFormat();
const fmtInt = (v) => (v === null || v === undefined ? '–' : int.format(Math.round(v)));
const fmtRate = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)} %`);

function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

function card(label, value, extra = null, title = undefined) {
  return el('div', { class: 'card', title }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value, ...(extra ? [extra] : [])));
}

/** "+12 %" against the previous period (more errors shows as a warning colour, fewer as good). */
function delta(now, before, { points = false, moreIsBad = true } = {}) {
  if (now === null || before === null || before === undefined) return null;
  let text;
  let change;
  if (points) {
    change = (now - before) * 100;
    text = `${change >= 0 ? '+' : ''}${change.toFixed(2)} pp`;
  } else {
    if (before === 0) return null;
    change = ((now - before) / before) * 100;
    text = `${change >= 0 ? '+' : ''}${change.toFixed(1)} %`;
  }
  const cls = Math.abs(change) < 0.05 ? '' : (change > 0) === moreIsBad ? 'up' : 'down';
  return el('span', { class: `delta ${cls}`, title: 'against the previous period' }, text);
}

/** `now` and `before` are `totalsOf` results (before: null when not comparing); `alerts` the range's count. */
export function renderTotals(host, now, before, alerts) {
  const b = before ?? {};
  const cmp = before !== null;
  host.replaceChildren(
    card('Requests', fmtInt(now.requests), cmp ? delta(now.requests, b.requests, { moreIsBad: false }) : null),
    card('Errors', fmtInt(now.errors), cmp ? delta(now.errors, b.errors) : null),
    card('Error rate', fmtRate(now.rate), cmp ? delta(now.rate, b.rate, { points: true }) : null),
    card('Peak unique IPs', fmtInt(now.peakIps), cmp ? delta(now.peakIps, b.peakIps, { moreIsBad: false }) : null, 'the most distinct client IPs in one window'),
    card('Alerts', fmtInt(alerts)),
  );
}

/** The latest `pipeline` event; null: none yet; `noPipeline`: the API runs alone (logpulse api). */
export function renderHealth(host, stats, noPipeline = false) {
  if (noPipeline) {
    host.replaceChildren(el('div', { class: 'empty' }, 'No pipeline in this process (logpulse api): history from the output files only; use Refresh.'));
    return;
  }
  const s = stats ?? {};
  const lag = s.closed_through ? Math.max(0, (Date.parse(s.at) - Date.parse(s.closed_through)) / 1000) : null;
  host.replaceChildren(
    card('Lines / s', fmtInt(s.lines_per_s)),
    card('Records / s', fmtInt(s.records_per_s)),
    card('Rejected / s', fmtInt(s.rejected_per_s), null, `total rejected: ${fmtInt(s.totals?.rejected)}`),
    card('Late / s', fmtInt(s.late_per_s), null, `total late: ${fmtInt(s.totals?.late)}`),
    card('Output pending', s.pending_output_bytes === undefined ? '–' : bytes(s.pending_output_bytes), null, 'bytes not yet durable (sources pause at 256 MiB)'),
    card(
      'Window lag',
      lag === null ? '–' : `${lag.toFixed(0)} s`,
      null,
      s.closed_through ? `every window up to ${new Date(s.closed_through).toLocaleString()} is closed (event time)` : 'no window closed yet',
    ),
  );
}
