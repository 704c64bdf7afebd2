// The whole view — range, comparison, refresh, each table's sort and page — lives in the address's query string, so
// a link (or a reload) shows the same thing. Defaults are left out, to keep links short.

/** Relative ranges, in ms. */
export const RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 };
export const REFRESH_SECONDS = [0, 5, 30, 60];

/** Each table's default sort; `page` starts at 0. */
export const TABLE_DEFAULTS = {
  urls: { sort: 'errors', order: 'desc' },
  ips: { sort: 'errors', order: 'desc' },
  statuses: { sort: 'errors', order: 'desc' },
  alerts: { sort: 'emitted_at', order: 'desc' },
};

const DEFAULTS = { range: '1h', compare: false, refresh: 0 };

/** The view the address describes (anything unreadable falls back to its default). */
export function readState(search = location.search) {
  const q = new URLSearchParams(search);
  const state = { ...DEFAULTS, from: null, to: null, tables: {} };
  const range = q.get('range');
  if (range in RANGES) state.range = range;
  const from = Date.parse(q.get('from') ?? '');
  const to = Date.parse(q.get('to') ?? '');
  if (range === 'custom' && from < to) Object.assign(state, { range: 'custom', from, to });
  state.compare = q.get('compare') === '1';
  const refresh = Number(q.get('refresh'));
  if (REFRESH_SECONDS.includes(refresh)) state.refresh = refresh;
  for (const [name, d] of Object.entries(TABLE_DEFAULTS)) {
    const page = Number(q.get(`${name}.page`));
    const order = q.get(`${name}.order`);
    state.tables[name] = {
      sort: q.get(`${name}.sort`) || d.sort,
      order: order === 'asc' || order === 'desc' ? order : d.order,
      page: Number.isInteger(page) && page > 0 ? page : 0,
    };
  }
  return state;
}

/** Puts the view in the address (replacing the history entry: every click is not a back-button step). */
export function writeState(state) {
  const q = new URLSearchParams(location.search);
  for (const key of [...q.keys()]) q.delete(key);
  if (state.range !== DEFAULTS.range) q.set('range', state.range);
  if (state.range === 'custom') {
    q.set('from', new Date(state.from).toISOString());
    q.set('to', new Date(state.to).toISOString());
  }
  if (state.compare) q.set('compare', '1');
  if (state.refresh !== DEFAULTS.refresh) q.set('refresh', String(state.refresh));
  for (const [name, t] of Object.entries(state.tables)) {
    const d = TABLE_DEFAULTS[name];
    if (t.sort !== d.sort) q.set(`${name}.sort`, t.sort);
    if (t.order !== d.order) q.set(`${name}.order`, t.order);
    if (t.page > 0) q.set(`${name}.page`, String(t.page));
  }
  const search = q.toString();
  history.replaceState(history.state, '', `${location.pathname}${search === '' ? '' : `?${search}`}${location.hash}`);
}

/** The time span the view shows, in ms: a relative range ends now. */
export function timeSpan(state, now = Date.now()) {
  if (state.range === 'custom') return { from: state.from, to: state.to, length: state.to - state.from, relative: false };
  const length = RANGES[state.range];
  return { from: now - length, to: now, length, relative: true };
}
