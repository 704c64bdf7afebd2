// The four tables: top error URLs and top client IPs from the archive's stats routes (/url-stats, /ip-stats: sorted and
// paged by the daemon), errors per status and alerts from the range's windows and alerts (sorted and paged here).
// Without the archive (the stats routes answer 503, or are not there) the URL table falls back to the windows'
// `top_urls` and the IP table to the IPs the `ip_error_rate` rule alerted on, with a note saying so.
import { getJson } from './api.js';
import { alertKey, statusTotals, topErrorUrls } from './series.js';
import { DataTable, localPage } from './tables.js';

const PAGE = 10;
const int = new Intl.NumberFormat();
const fmtInt = (v) => (v === null || v === undefined ? '–' : int.format(v));
const fmtPct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`);
/** Today's times without the date, as a person reads a recent alert. */
function fmtTime(v) {
  const d = new Date(v);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}
/** Live alerts stand out this long. */
const NEW_FOR_MS = 60_000;
const fmtAlertValue = (v, a) => (a.rule === 'errors_per_status' ? fmtInt(v) : fmtPct(v));

const COLUMNS = {
  urls: [
    { key: 'url', label: 'URL', wrap: true },
    { key: 'requests', label: 'requests', numeric: true, format: fmtInt },
    { key: 'errors', label: 'errors', numeric: true, format: fmtInt },
    { key: 'error_rate', label: 'error rate', numeric: true, format: fmtPct },
  ],
  urlsFallback: [
    { key: 'url', label: 'URL', wrap: true },
    { key: 'errors', label: 'errors', numeric: true, format: fmtInt },
  ],
  ips: [
    { key: 'ip', label: 'IP' },
    { key: 'nb_connexions', label: 'requests', numeric: true, format: fmtInt },
    { key: 'errors', label: 'errors', numeric: true, format: fmtInt },
  ],
  ipsFallback: [
    { key: 'ip', label: 'IP' },
    { key: 'alerts', label: 'alerts', numeric: true, format: fmtInt },
    { key: 'worst', label: 'worst rate', numeric: true, format: fmtPct },
  ],
  statuses: [
    { key: 'status', label: 'status', numeric: true },
    { key: 'errors', label: 'errors', numeric: true, format: fmtInt },
    { key: 'share', label: 'share', numeric: true, format: fmtPct },
    { key: 'peak', label: 'most in one window', numeric: true, format: fmtInt },
  ],
  alerts: [
    { key: 'emitted_at', label: 'fired', format: fmtTime },
    { key: 'window_start', label: 'window', format: fmtTime },
    { key: 'rule', label: 'rule' },
    { key: 'group', label: 'group', wrap: true },
    { key: 'value', label: 'value', numeric: true, format: fmtAlertValue },
    { key: 'threshold', label: 'threshold', numeric: true, format: fmtAlertValue },
    { key: 'message', label: 'message', wrap: true, sortable: false },
  ],
};

/** What the fallback shows instead of each stats table. */
const FALLBACK = {
  urls: 'errors counted over each window\u2019s top URLs',
  ips: 'the IPs the ip_error_rate rule alerted on',
};

/** Why a stats route gave no table: the archive is off (503), the daemon predates the route (404), or else. */
function fallbackNote(name, route, err) {
  const why =
    err.status === 503
      ? `The archive is off (archive.enabled), so /${route} cannot answer`
      : err.status === 404
        ? `This daemon has no /${route}`
        : `/${route} failed (${err.message})`;
  return `${why}: ${FALLBACK[name]}.`;
}

/** IPs the ip_error_rate rule alerted on: how often, and the worst rate seen. */
function alertedIps(alerts) {
  const byIp = new Map();
  for (const a of alerts) {
    if (a.rule !== 'ip_error_rate') continue;
    const seen = byIp.get(a.group) ?? { ip: a.group, alerts: 0, worst: 0 };
    seen.alerts++;
    seen.worst = Math.max(seen.worst, a.value);
    byIp.set(a.group, seen);
  }
  return [...byIp.values()];
}

/** `dash`: the page's data; `state.tables`: each table's sort and page; `onViewChange` keeps them in the address. */
export function createTables({ dash, state, onViewChange }) {
  /** Per stats table: 'remote' while its route answers, else 'fallback' with the reason. */
  const remote = {
    urls: { route: 'url-stats', mode: 'remote', note: null, fallbackRows: () => topErrorUrls(dash.current) },
    ips: { route: 'ip-stats', mode: 'remote', note: null, fallbackRows: () => alertedIps(dash.alerts) },
  };
  const local = {
    statuses: () => statusTotals(dash.current),
    alerts: () => dash.alerts,
  };

  const tables = {};
  for (const name of ['urls', 'ips', 'statuses', 'alerts']) {
    tables[name] = new DataTable(document.getElementById(`table-${name}`), {
      columns: COLUMNS[name],
      pageSize: PAGE,
      onChange: (view) => {
        state.tables[name] = view;
        onViewChange();
        if (name in remote && remote[name].mode === 'remote') void loadRemote(name);
        else renderOne(name);
      },
      ...(name === 'alerts' ? { rowClass: (a) => (Date.now() - (dash.newAlerts.get(alertKey(a)) ?? 0) < NEW_FOR_MS ? 'new' : ''), empty: 'no alert in this range' } : {}),
    });
  }

  async function loadRemote(name) {
    const r = remote[name];
    const view = state.tables[name];
    const span = dash.span;
    try {
      const page = await getJson(r.route, {
        from: new Date(span.from).toISOString(),
        to: new Date(span.to).toISOString(),
        sort: view.sort,
        order: view.order,
        limit: PAGE,
        offset: view.page * PAGE,
      });
      r.mode = 'remote';
      tables[name].columns = COLUMNS[name];
      tables[name].render({ rows: page.rows, total: page.total, view });
    } catch (err) {
      if (err.status === 401) return; // the history load asks for the token
      r.mode = 'fallback';
      r.note = fallbackNote(name, r.route, err);
      renderOne(name);
    }
  }

  /** Draws a table from rows held in the page (sorted and paged here). */
  function renderOne(name) {
    if (dash.current === null) return;
    const fallback = name in remote;
    const columns = fallback ? COLUMNS[`${name}Fallback`] : COLUMNS[name];
    const view = { ...state.tables[name] };
    if (!columns.some((c) => c.key === view.sort)) view.sort = columns.find((c) => c.numeric)?.key ?? columns[0].key;
    const rows = fallback ? remote[name].fallbackRows() : local[name]();
    const page = localPage(rows, view, PAGE);
    tables[name].columns = columns;
    tables[name].render({ ...page, note: fallback ? remote[name].note : null });
  }

  return {
    /** After a history load: the stats tables ask the daemon again (they may have become available). */
    reloadRemote() {
      for (const name of Object.keys(remote)) void loadRemote(name);
    },
    /** After any change of the page's data: the tables drawn from it. */
    renderLocal() {
      for (const name of Object.keys(local)) renderOne(name);
      for (const [name, r] of Object.entries(remote)) if (r.mode === 'fallback') renderOne(name);
    },
  };
}
