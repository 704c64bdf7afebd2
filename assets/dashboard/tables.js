// Tables that sort (click a header: again to reverse) and page (prev / next). The rows come from elsewhere — a
// stats route of the daemon asked for one page, or rows held in the page sorted here (`localPage`) — so a table
// only draws and reports what was clicked.

/** Text node helper: never innerHTML with data (URLs and user agents are attacker-controlled text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) v && node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

export { el };

/**
 * `columns`: `[{key, label, numeric?, wrap? (long text), format(value, row)?, sortable?}]`; `onChange({sort, order, page})` after a click (the owner
 * loads that page and calls `render`). `pageSize` rows per page.
 */
export class DataTable {
  constructor(host, { columns, pageSize = 10, onChange = () => {}, empty = 'nothing in this range', rowClass = () => '' }) {
    this.host = host;
    this.columns = columns;
    this.pageSize = pageSize;
    this.onChange = onChange;
    this.empty = empty;
    this.rowClass = rowClass;
    this.view = { sort: null, order: 'desc', page: 0 };
  }

  /** Draws `rows` (one page) of `total`, sorted as `view` says; `note` is a line under the title (a fallback). */
  render({ rows, total, view, note = null }) {
    this.view = view;
    const head = el(
      'tr',
      {},
      ...this.columns.map((c) => {
        const sortable = c.sortable !== false;
        const sorted = view.sort === c.key ? (view.order === 'asc' ? 'ascending' : 'descending') : null;
        return el(
          'th',
          {
            class: `${c.numeric ? 'num' : ''} ${sortable ? 'sortable' : ''}`,
            'aria-sort': sorted,
            'data-key': c.key,
            title: sortable ? 'sort by this column (again: reverse)' : undefined,
            onclick: sortable ? () => this.#sortBy(c) : undefined,
          },
          c.label,
        );
      }),
    );
    const body = rows.map((row) =>
      el(
        'tr',
        { class: this.rowClass(row) },
        ...this.columns.map((c) => el('td', { class: c.numeric ? 'num' : c.wrap ? 'text' : '' }, c.format ? c.format(row[c.key], row) : (row[c.key] ?? '–'))),
      ),
    );
    const first = view.page * this.pageSize;
    const pager = el(
      'div',
      { class: 'pager' },
      el('button', { type: 'button', disabled: view.page === 0, onclick: () => this.onChange({ ...this.view, page: this.view.page - 1 }) }, '‹ prev'),
      el('button', { type: 'button', disabled: first + rows.length >= total, onclick: () => this.onChange({ ...this.view, page: this.view.page + 1 }) }, 'next ›'),
      total === 0 ? '' : `${first + 1}–${first + rows.length} of ${total}`,
    );
    this.host.replaceChildren(
      ...(note ? [el('p', { class: 'table-note' }, note)] : []),
      el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)),
      ...(rows.length === 0 ? [el('div', { class: 'empty' }, this.empty)] : []),
      pager,
    );
  }

  #sortBy(column) {
    const same = this.view.sort === column.key;
    const order = same ? (this.view.order === 'asc' ? 'desc' : 'asc') : column.numeric ? 'desc' : 'asc';
    this.onChange({ sort: column.key, order, page: 0 });
  }
}

/** One page of rows held in the page, sorted by `view.sort` / `view.order`. */
export function localPage(rows, view, pageSize) {
  const dir = view.order === 'asc' ? 1 : -1;
  const sorted = [...rows].sort((a, b) => {
    const x = a[view.sort];
    const y = b[view.sort];
    return (x < y ? -1 : x > y ? 1 : 0) * dir;
  });
  const page = Math.min(view.page, Math.max(0, Math.ceil(sorted.length / pageSize) - 1));
  return { rows: sorted.slice(page * pageSize, (page + 1) * pageSize), total: sorted.length, view: { ...view, page } };
}
