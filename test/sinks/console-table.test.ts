// The console: the window table and alert lines a person watching the daemon reads.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ConsoleTable, formatAlertLine, renderWindowTable } from '../../src/sinks/console-table.js';
import type { Alert, WindowRow } from '../../src/pipeline/output-port.js';

const us = (iso: string): number => Date.parse(iso) * 1000;
const ANSI = /\x1b\[/;

const closedRow: WindowRow = {
  windowStartUs: us('2025-06-09T09:42:30Z'),
  windowEndUs: us('2025-06-09T09:43:00Z'),
  requests: 1200,
  errors: 113,
  uniqueIps: 950,
  statuses: [
    { status: 404, count: 12 },
    { status: 500, count: 101 },
  ],
  closed: true,
};
const openRow: WindowRow = {
  windowStartUs: us('2025-06-09T09:43:00Z'),
  windowEndUs: us('2025-06-09T09:43:30Z'),
  requests: 0,
  errors: 0,
  uniqueIps: 0,
  statuses: [],
  closed: false,
};

const alert: Alert = {
  type: 'ERRORS_PER_STATUS',
  rule: 'errors_per_status',
  window_start: '2025-06-09T09:42:30.000Z',
  window_end: '2025-06-09T09:43:00.000Z',
  group: '500',
  value: 101,
  threshold: 100,
  message: 'status 500: 101 errors > 100 in window 2025-06-09T09:42:30.000Z (early)',
  emitted_at: '2025-06-09T09:42:51.123Z',
};

class Capture {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('renderWindowTable', () => {
  it('shows each window once, in time order, with its numbers', () => {
    const out = renderWindowTable([openRow, closedRow]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^window \(UTC\)\s+requests\s+errors\s+error %\s+unique IPs\s+top error statuses\s+state$/);
    expect(lines[1]).toMatch(/^09:42:30–09:43:00\s+1200\s+113\s+9\.42\s+950\s+500:101 404:12\s+closed$/);
    expect(lines[2]).toMatch(/^09:43:00–09:43:30\s+0\s+0\s+0\.00\s+0\s+-\s+open$/);
    // Columns line up: every row puts "state" at the same column.
    const stateCol = lines[0]!.indexOf('state');
    expect(lines[1]!.indexOf('closed')).toBe(stateCol);
    expect(lines[2]!.indexOf('open')).toBe(stateCol);
    expect(out).not.toMatch(ANSI);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('keeps the most frequent error statuses only', () => {
    const statuses = [400, 401, 403, 404, 429, 500, 503].map((status, i) => ({ status, count: i + 1 }));
    const out = renderWindowTable([{ ...closedRow, statuses }]);
    expect(out).toContain('503:7 500:6 429:5 404:4 403:3 ');
    expect(out).not.toContain('401:2');
  });

  it('renders nothing for no rows', () => {
    expect(renderWindowTable([])).toBe('');
  });
});

describe('formatAlertLine', () => {
  it('prints an errors_per_status alert as one line', () => {
    expect(formatAlertLine(alert)).toBe('ALERT errors_per_status window 09:42:30–09:43:00 status=500 value=101 > 100');
  });

  it('shows rate rules as percentages with their group', () => {
    const rate: Alert = { ...alert, type: 'URL_ERROR_RATE', rule: 'url_error_rate', group: '/resource/3', value: 0.4, threshold: 0.3 };
    expect(formatAlertLine(rate)).toBe('ALERT url_error_rate window 09:42:30–09:43:00 url=/resource/3 value=40.00% > 30.00%');
    const global: Alert = { ...alert, type: 'GLOBAL_ERROR_RATE', rule: 'global_error_rate', group: 'all', value: 0.031, threshold: 0.025 };
    expect(formatAlertLine(global)).toBe('ALERT global_error_rate window 09:42:30–09:43:00 group=all value=3.10% > 2.50%');
  });
});

describe('ConsoleTable', () => {
  it('prints, every tick, only the windows updated since the last one, latest numbers winning; no colour off a TTY', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const stream = new Capture(false);
    const table = new ConsoleTable({ stream, everyMs: 10_000 });
    table.start();
    table.update([{ ...closedRow, requests: 10, closed: false }]);
    table.update([closedRow]);
    vi.advanceTimersByTime(10_000);
    expect(stream.text).toContain('1200');
    expect(stream.text).not.toMatch(/\s10\s/);
    expect(stream.text.trimEnd().split('\n')).toHaveLength(2);

    stream.text = '';
    vi.advanceTimersByTime(10_000); // nothing updated: nothing printed
    expect(stream.text).toBe('');

    table.update([openRow]);
    table.alert(alert);
    expect(stream.text).toBe('ALERT errors_per_status window 09:42:30–09:43:00 status=500 value=101 > 100\n');
    table.stop(); // prints what is left
    expect(stream.text).toContain('09:43:00–09:43:30');
    expect(stream.text).not.toMatch(ANSI);
  });

  it('colours on a TTY', () => {
    const stream = new Capture(true);
    const table = new ConsoleTable({ stream });
    table.update([closedRow]);
    table.alert(alert);
    table.stop();
    expect(stream.text).toMatch(ANSI);
    // The words stay intact inside the colour codes.
    expect(stream.text).toContain('ALERT errors_per_status window 09:42:30–09:43:00 status=500 value=101 > 100');
  });

  it('can be forced plain on a TTY', () => {
    const stream = new Capture(true);
    const table = new ConsoleTable({ stream, color: false });
    table.update([closedRow]);
    table.alert(alert);
    table.stop();
    expect(stream.text).not.toMatch(ANSI);
  });
});
