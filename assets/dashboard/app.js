// The dashboard: loads the chosen range's history (closed windows, alerts, the archive's stats), draws it, then keeps
// it current from the live feed. `window.logpulse` exposes the state and the charts (for tests and for a curious
// person with the browser console).
import { eventsUrl, getJson, setToken, takeTokenFromAddress } from './api.js';
import { renderHealth, renderTotals } from './cards.js';
import { fmtNumber, fmtPercent, PALETTE, TimeChart } from './charts.js';
import { LiveFeed } from './live.js';
import { aligned, alertKey, errorRate, periodPoints, perSecond, statusPoints, totalsOf, windowKey } from './series.js';
import { createTables } from './top-tables.js';
import { readState, timeSpan, writeState } from './view-state.js';

/** Rows asked for at once (the routes' maximum). */
const MAX_ROWS = 10_000;
/** The pipeline chart keeps this many seconds of live events. */
const PIPELINE_SECONDS = 300;

const $ = (id) => document.getElementById(id);
const iso = (ms) => new Date(ms).toISOString();

takeTokenFromAddress();
const state = readState();
const dash = {
  state,
  loads: 0,
  live: 'connecting',
  pipeline: null,
  noPipeline: false,
  span: null,
  current: null,
  previous: null,
  alerts: [],
  /** Alerts that came over the live feed: when (highlighted for a while). */
  newAlerts: new Map(),
  charts: {},
};
window.logpulse = dash;

// --- history ----------------------------------------------------------------------------------------------------

/** A period's windows (/windows) and, where the window files do not reach back, the archive's minutes. */
async function loadPeriod(from, to) {
  /** `gap`: why the start of the range has no data, if it has none. */
  const period = { from, to, windows: new Map(), minutes: [], notes: [], gap: null };
  const range = { since: iso(from), until: iso(to), order: 'desc', limit: MAX_ROWS };
  const [summary, status] = await Promise.all([getJson('windows', { ...range, kind: 'summary' }), getJson('windows', { ...range, kind: 'status' })]);
  for (const row of [...summary.rows, ...status.rows]) period.windows.set(windowKey(row), row);
  if (summary.total > summary.rows.length || status.total > status.rows.length) {
    period.notes.push(`Only the newest ${MAX_ROWS} rows of /windows are drawn for this range.`);
  }
  const oldest = summary.rows.length > 0 ? Date.parse(summary.rows[summary.rows.length - 1].window_start) : to;
  if (oldest - from >= 60_000) {
    try {
      const minutes = await getJson('minute-stats', { from: iso(from), to: iso(oldest), sort: 'minute', order: 'asc', limit: MAX_ROWS });
      period.minutes = minutes.rows;
    } catch (err) {
      if (err.status === 401) throw err;
      const why = err.status === 503 ? 'the archive is off (archive.enabled)' : err.status === 404 ? 'this daemon has no /minute-stats' : err.message;
      period.gap = `No windows before ${new Date(oldest).toLocaleString()}; the archive's per-minute counts would cover that part, but ${why}.`;
    }
  }
  return period;
}

let generation = 0;
let loading = false;

/** Reloads everything the range shows; a newer call wins over an older one still in flight. */
async function loadAll() {
  const mine = ++generation;
  loading = true;
  const span = timeSpan(state);
  try {
    const [current, previous, alerts] = await Promise.all([
      loadPeriod(span.from, span.to),
      state.compare ? loadPeriod(span.from - span.length, span.from) : null,
      getJson('alerts', { since: iso(span.from), until: iso(span.to), order: 'desc', limit: 500 }),
    ]);
    if (mine !== generation) return;
    Object.assign(dash, { span, current, previous, alerts: alerts.rows, alertsTotal: alerts.total });
    dash.loads++;
    showProblem(null);
    renderAll();
    tables.reloadRemote();
  } catch (err) {
    if (mine === generation) showProblem(err);
  } finally {
    if (mine === generation) loading = false;
  }
}

/** Shows what went wrong (null: nothing); a 401 asks for the token instead. */
function showProblem(err, what = 'Could not load the history: ') {
  $('token-box').hidden = err?.status !== 401;
  const box = $('error');
  box.hidden = err === null || err?.status === 401;
  box.textContent = err === null ? '' : `${what}${err.message}`;
}

// --- drawing ----------------------------------------------------------------------------------------------------

function makeCharts() {
  const c = dash.charts;
  c.requests = new TimeChart($('chart-requests'), { series: [], format: fmtNumber });
  c.errors = new TimeChart($('chart-errors'), { series: [], format: fmtNumber });
  c.rate = new TimeChart($('chart-rate'), { series: [], format: fmtPercent });
  c.status = new TimeChart($('chart-status'), { series: [], format: fmtNumber });
  c.ips = new TimeChart($('chart-ips'), { series: [], format: fmtNumber });
  c.pipeline = new TimeChart($('chart-pipeline'), { series: [], format: fmtNumber, height: 130 });
}

/** Draws `data` on `chart` over `xRange` (s; null: the data's), rebuilding it when its series changed. */
function draw(chart, series, data, xRange = null) {
  const same = chart.series.length === series.length && chart.series.every((s, i) => s.label === series[i].label);
  if (same) chart.setData(data, xRange);
  else chart.setSeries(series, data, xRange);
}

function renderCharts() {
  const cur = periodPoints(dash.current);
  const prev = dash.previous ? periodPoints(dash.previous) : null;
  const shift = dash.span.length / 1000;
  const range = [dash.span.from / 1000, dash.span.to / 1000];
  const withPrevious = (label, color, value) => ({
    series: [{ label, color }, ...(prev ? [{ label: 'previous period', color: '--prev', dashed: true }] : [])],
    data: aligned([{ points: cur, value }, ...(prev ? [{ points: prev, value, shift }] : [])]),
  });
  for (const [name, label, color, value] of [
    ['requests', 'requests / s', '--c1', perSecond('requests')],
    ['errors', 'errors / s', '--c2', perSecond('errors')],
    ['rate', 'error rate', '--c4', errorRate],
  ]) {
    const { series, data } = withPrevious(label, color, value);
    draw(dash.charts[name], series, data, range);
  }
  const statuses = [...statusPoints(dash.current)];
  draw(
    dash.charts.status,
    statuses.map(([status], i) => ({ label: String(status), color: PALETTE[i % PALETTE.length] })),
    aligned(statuses.map(([, points]) => ({ points, value: (p) => p.count / p.seconds }))),
    range,
  );
  draw(
    dash.charts.ips,
    [
      { label: 'all clients', color: '--c1' },
      { label: 'clients with errors', color: '--c2' },
    ],
    aligned([
      { points: cur, value: (p) => p.uniqueIps },
      { points: cur, value: (p) => p.errorUniqueIps },
    ]),
    range,
  );
}

function renderAll() {
  if (dash.current === null) return;
  renderCharts();
  const before = dash.previous ? totalsOf(periodPoints(dash.previous)) : null;
  renderTotals($('totals'), totalsOf(periodPoints(dash.current)), before, dash.alertsTotal);
  tables.renderLocal();
  const notes = [...dash.current.notes, ...(dash.current.gap ? [dash.current.gap] : [])];
  if (dash.previous && periodPoints(dash.previous).length === 0) notes.push('Nothing to compare with: the previous period has no data.');
  $('notes').textContent = notes.join(' ');
}

let renderQueued = false;
/** Live events come in bursts (every row of a window, every status): one redraw per burst. */
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    slideRange();
    renderAll();
  }, 200);
}

/** A relative range ends now: rows that fell out of it go. */
function slideRange() {
  if (!dash.span?.relative) return;
  dash.span = timeSpan(state);
  for (const [key, row] of dash.current.windows) if (Date.parse(row.window_start) < dash.span.from) dash.current.windows.delete(key);
}

// --- live -------------------------------------------------------------------------------------------------------

const pipelineHistory = [];

function onPipeline(stats) {
  dash.pipeline = stats;
  renderHealth($('health'), stats);
  pipelineHistory.push(stats);
  while (pipelineHistory.length > PIPELINE_SECONDS) pipelineHistory.shift();
  const points = pipelineHistory.map((s) => ({ t: Date.parse(s.at) / 1000, lines: s.lines_per_s, records: s.records_per_s }));
  draw(
    dash.charts.pipeline,
    [
      { label: 'lines / s', color: '--c3' },
      { label: 'records / s', color: '--c5' },
    ],
    aligned([
      { points, value: (p) => p.lines },
      { points, value: (p) => p.records },
    ]),
    // The last PIPELINE_SECONDS, or less while the page is young (at least a minute, so the first points show as a line).
    [Math.max(points[points.length - 1].t - PIPELINE_SECONDS, Math.min(points[0].t, points[points.length - 1].t - 60)), points[points.length - 1].t],
  );
}

const feed = new LiveFeed(eventsUrl, {
  onState(s) {
    dash.live = s;
    const badge = $('conn');
    badge.className = `badge ${s}`;
    badge.textContent = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', down: 'live feed down' }[s];
    if (s === 'live' && dash.noPipeline) badge.textContent = 'files only';
  },
  onHello({ pipeline }) {
    dash.noPipeline = !pipeline;
    if (!pipeline) {
      renderHealth($('health'), null, true);
      $('conn').textContent = 'files only';
    }
  },
  onWindow(row) {
    if (dash.current === null || !dash.span.relative) return;
    dash.current.windows.set(windowKey(row), row);
    scheduleRender();
  },
  onAlert(alert) {
    if (dash.current === null || !dash.span.relative) return;
    const key = alertKey(alert);
    if (dash.alerts.some((a) => alertKey(a) === key)) return;
    dash.alerts.unshift(alert);
    dash.alertsTotal++;
    dash.newAlerts.set(key, Date.now());
    scheduleRender();
  },
  onPipeline,
  // The daemon may have restarted: what it emitted meanwhile is only in its history.
  onReconnected: () => void loadAll(),
});

// --- controls ---------------------------------------------------------------------------------------------------

const toLocalInput = (ms) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
};

function showControls() {
  $('range').value = state.range;
  $('custom-range').hidden = state.range !== 'custom';
  if (state.range === 'custom') {
    $('from').value = toLocalInput(state.from);
    $('to').value = toLocalInput(state.to);
  }
  $('compare').checked = state.compare;
  $('refresh').value = String(state.refresh);
}

/** The view changed: keep it in the address, start the table pages over, reload. */
function changed() {
  for (const t of Object.values(state.tables)) t.page = 0;
  writeState(state);
  showControls();
  void loadAll();
}

$('range').addEventListener('change', (e) => {
  if (e.target.value === 'custom') {
    const span = timeSpan(state);
    $('custom-range').hidden = false;
    $('from').value = toLocalInput(span.from);
    $('to').value = toLocalInput(span.to);
    return; // applied with "Show"
  }
  state.range = e.target.value;
  changed();
});
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  const from = new Date($('from').value).getTime();
  const to = new Date($('to').value).getTime();
  if (!(from < to)) {
    showProblem({ message: '"from" must be before "to".' }, '');
    return;
  }
  Object.assign(state, { range: 'custom', from, to });
  changed();
});
$('compare').addEventListener('change', (e) => {
  state.compare = e.target.checked;
  changed();
});

let refreshTimer = null;
function startRefresh() {
  clearInterval(refreshTimer);
  if (state.refresh > 0) refreshTimer = setInterval(() => loading || void loadAll(), state.refresh * 1000);
}
$('refresh').addEventListener('change', (e) => {
  state.refresh = Number(e.target.value);
  writeState(state);
  startRefresh();
});

$('token-box').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('token-input').value.trim());
  $('token-input').value = '';
  feed.start();
  void loadAll();
});

// Dark or light mode changed: the canvas colours are read when a chart is built.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const chart of Object.values(dash.charts)) chart.build();
});

// --- start ------------------------------------------------------------------------------------------------------

const tables = createTables({ dash, state, onViewChange: () => writeState(state) });
makeCharts();
showControls();
renderHealth($('health'), null);
startRefresh();
void loadAll();
feed.start();
