// One stats request as SQL. Two ways to answer:
//   - from the lambda tables (lambda.ts) when the request is about all time, or about minutes, and filters only on
//     the view's own key: a top-N over the view's one merged table;
//   - from the archive files themselves when it asks for a time range (`from`/`to`) of a view that is not per
//     minute, or filters on a column the view does not keep (`/ip-stats?status=404`): the archive holds every
//     record, so any range is answerable. Such an aggregate is kept (a few, newest first) so that paging through
//     it does not recompute it, until the archive changes.
// Request values reach SQL only as escaped literals of validated types; identifiers only from views.ts.
import { listArchiveFiles } from '../../archive/files.js';
import { recordsSql } from '../../batch/records.js';
import { sqlNumber, sqlString, sqlTimestamp } from '../../batch/sql.js';
import { statsViewQueries } from '../../batch/views.js';
import type { LambdaState, LambdaStats } from './lambda.js';
import { columnsOf, type StatsViewSpec, tableColumns } from './views.js';

export interface StatsQuery {
  limit: number;
  offset: number;
  sort: string;
  order: 'asc' | 'desc';
  ip?: string;
  url?: string;
  status?: number;
  /** µs since the epoch: inclusive, exclusive. */
  fromUs?: number;
  toUs?: number;
}

export interface StatsAnswer {
  rows: Array<Record<string, string | number>>;
  total: number;
  source: LambdaState & { layer: 'lambda' | 'archive' };
}

/** Answers kept for repeated requests (a dashboard polls the same pages), until the tables change. */
const ANSWER_CACHE = 256;
const FILTER_COLUMNS = { ip: 'ip', url: 'url', status: 'status' } as const;
const RANGE_CACHE = 4;

function filterClauses(q: StatsQuery): Array<[column: string, sql: string]> {
  const out: Array<[string, string]> = [];
  if (q.ip !== undefined) out.push([FILTER_COLUMNS.ip, `ip = ${sqlString(q.ip)}`]);
  if (q.url !== undefined) out.push([FILTER_COLUMNS.url, `url = ${sqlString(q.url)}`]);
  if (q.status !== undefined) out.push([FILTER_COLUMNS.status, `status = ${sqlNumber(q.status)}`]);
  return out;
}

/** The SELECT list of a response row: minutes as epoch ms (made ISO in JS). */
const outputColumns = (spec: StatsViewSpec): string => columnsOf(spec).map((c) => (c === 'minute' ? 'epoch_ms(minute) AS minute' : c)).join(', ');

function orderBy(spec: StatsViewSpec, q: StatsQuery): string {
  const dir = q.order === 'asc' ? 'ASC' : 'DESC';
  // Equal values are ordered by `tie` (views.ts): pages stay stable and disjoint.
  return q.sort === spec.key ? `${q.sort} ${dir} NULLS LAST` : `${q.sort} ${dir} NULLS LAST, tie`;
}

function toRow(spec: StatsViewSpec, values: unknown[]): Record<string, string | number> {
  const row: Record<string, string | number> = {};
  columnsOf(spec).forEach((c, i) => {
    const v = values[i];
    row[c] = c === 'minute' ? new Date(Number(v)).toISOString() : typeof v === 'bigint' ? Number(v) : (v as string | number);
  });
  return row;
}

export class StatsQueries {
  readonly #lambda: LambdaStats;
  /** Archive aggregates by request (newest last), with the generation they were made at. */
  readonly #ranges = new Map<string, { table: string; generation: number }>();
  /** Aggregates being made, so that two requests for one range make it once. */
  readonly #building = new Map<string, Promise<string>>();
  #tables = 0;
  readonly #answers = new Map<string, { generation: number; answer: StatsAnswer }>();

  constructor(lambda: LambdaStats) {
    this.#lambda = lambda;
  }

  /** The answer to `q`; the same request again before the tables change is answered from memory. */
  async answer(spec: StatsViewSpec, q: StatsQuery): Promise<StatsAnswer> {
    this.#lambda.asked();
    const key = JSON.stringify([spec.view, q]);
    const generation = this.#lambda.state.generation;
    const kept = this.#answers.get(key);
    this.#answers.delete(key);
    if (kept !== undefined && kept.generation === generation) {
      this.#answers.set(key, kept);
      return { ...kept.answer, source: { ...kept.answer.source, refreshedAt: this.#lambda.state.refreshedAt } };
    }
    const answer = await this.#compute(spec, q);
    this.#answers.set(key, { generation, answer });
    if (this.#answers.size > ANSWER_CACHE) this.#answers.delete(this.#answers.keys().next().value!);
    return answer;
  }

  async #compute(spec: StatsViewSpec, q: StatsQuery): Promise<StatsAnswer> {
    const filters = filterClauses(q);
    const ranged = q.fromUs !== undefined || q.toUs !== undefined;
    const fromArchive = filters.some(([column]) => column !== spec.key) || (ranged && spec.key !== 'minute');
    const state = this.#lambda.state;
    return fromArchive
      ? { ...(await this.#fromArchive(spec, q, filters)), source: { ...state, layer: 'archive' } }
      : { ...(await this.#fromLambda(spec, q, filters)), source: { ...state, layer: 'lambda' } };
  }

  async #rows(sql: string): Promise<unknown[][]> {
    return (await this.#lambda.reader.runAndReadAll(sql)).getRowsJS() as unknown[][];
  }

  async #fromLambda(spec: StatsViewSpec, q: StatsQuery, filters: Array<[string, string]>): Promise<Omit<StatsAnswer, 'source'>> {
    const where = filters.map(([, sql]) => sql);
    if (spec.key === 'minute') {
      // Whole minutes: the one starting before `from` is in when `from` falls inside it.
      if (q.fromUs !== undefined) where.push(`minute >= ${sqlTimestamp(Math.floor(q.fromUs / 60e6) * 60e6)}`);
      if (q.toUs !== undefined) where.push(`minute < ${sqlTimestamp(q.toUs)}`);
    }
    const cond = where.length === 0 ? 'true' : where.join(' AND ');
    const table = `merged_${spec.view}`;
    // A key is one row at most: its index finds it, and a top-N around it would cost 10x the lookup.
    const oneKey = filters.some(([column]) => column === spec.key);
    const page = oneKey ? '' : ` ORDER BY ${orderBy(spec, q)} LIMIT ${q.limit} OFFSET ${q.offset}`;
    const found = (await this.#rows(`SELECT ${outputColumns(spec)} FROM ${table} WHERE ${cond}${page}`)).map((r) => toRow(spec, r));
    const rows = oneKey ? found.slice(q.offset, q.offset + q.limit) : found;
    const [[total]] = (await this.#rows(`SELECT count(*) FROM ${table} WHERE ${cond}`)) as [[bigint]];
    return { rows, total: Number(total) };
  }

  async #fromArchive(spec: StatsViewSpec, q: StatsQuery, filters: Array<[string, string]>): Promise<Omit<StatsAnswer, 'source'>> {
    const table = await this.#rangeTable(spec, q, filters);
    const rows = (await this.#rows(`SELECT ${outputColumns(spec)} FROM ${table} ORDER BY ${orderBy(spec, q)} LIMIT ${q.limit} OFFSET ${q.offset}`)).map((r) =>
      toRow(spec, r),
    );
    const [[total]] = (await this.#rows(`SELECT count(*) FROM ${table}`)) as [[bigint]];
    return { rows, total: Number(total) };
  }

  /** The view over the archive's records in the range and filters, as a table kept for the next pages. */
  #rangeTable(spec: StatsViewSpec, q: StatsQuery, filters: Array<[string, string]>): Promise<string> {
    const key = JSON.stringify([spec.view, q.fromUs, q.toUs, filters]);
    let building = this.#building.get(key);
    if (building === undefined) {
      building = this.#makeRangeTable(key, spec, q, filters).finally(() => this.#building.delete(key));
      this.#building.set(key, building);
    }
    return building;
  }

  async #makeRangeTable(key: string, spec: StatsViewSpec, q: StatsQuery, filters: Array<[string, string]>): Promise<string> {
    const generation = this.#lambda.state.generation;
    const cached = this.#ranges.get(key);
    if (cached !== undefined && cached.generation === generation) {
      this.#ranges.delete(key);
      this.#ranges.set(key, cached);
      return cached.table;
    }
    const range = { sinceUs: q.fromUs, untilUs: q.toUs };
    const { files } = await listArchiveFiles(this.#lambda.archiveDir, range);
    const records = `SELECT * FROM (${recordsSql(files, range)}) WHERE ${filters.length === 0 ? 'true' : filters.map(([, s]) => s).join(' AND ')}`;
    const view = statsViewQueries(`(${records})`, { errorStatusMin: this.#lambda.errorStatusMin }).find((v) => v.name === spec.view)!;
    const table = `range_${++this.#tables}`;
    await this.#lambda.reader.run(`CREATE TABLE ${table} AS SELECT ${tableColumns(spec)} FROM (${view.sql})`);
    if (cached !== undefined) await this.#drop(key);
    this.#ranges.set(key, { table, generation });
    while (this.#ranges.size > RANGE_CACHE) await this.#drop(this.#ranges.keys().next().value!);
    return table;
  }

  async #drop(key: string): Promise<void> {
    const entry = this.#ranges.get(key);
    this.#ranges.delete(key);
    if (entry !== undefined) await this.#lambda.reader.run(`DROP TABLE IF EXISTS ${entry.table}`);
  }
}
