// An archive cut that fails is an output fault (src/daemon/archive-fault.ts): told once per streak, retried with
// backoff, over at the first cut that writes; anything but an archive failure is not its business.
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';

import { ArchiveFault, errnoOf } from '../../src/daemon/archive-fault.js';
import { OutputFaults } from '../../src/daemon/output-faults.js';
import { LogpulseError } from '../../src/errors.js';

const archiveError = (code = 'ENOSPC') => new LogpulseError('LP_ERR_ARCHIVE', 'archive cut 3 failed: cannot write x: No space left on device (os error 28)', { syscallCode: code });

function faults(): { faults: OutputFaults; changes: () => number } {
  let changes = 0;
  const f = new OutputFaults({ log: pino({ level: 'silent' }), pendingBytes: () => 0, onChange: () => changes++ });
  return { faults: f, changes: () => changes };
}

describe('ArchiveFault', () => {
  it('tells the output faults once per streak, schedules one retry at a time, and ends the fault at the first success', async () => {
    const { faults: f, changes } = faults();
    const a = new ArchiveFault(() => f);
    const retry = vi.fn();
    expect(a.failed(archiveError(), retry)).toBe(true);
    expect(a.failed(archiveError(), retry)).toBe(true);
    expect(a.failing).toBe(true);
    expect(f.failing).toBe(1);
    expect(f.detail()).toMatch(/^archive cannot be written for \d+ s \(ENOSPC\): LP_ERR_ARCHIVE: archive cut 3 failed/);
    expect(changes()).toBe(1);
    await vi.waitFor(() => expect(retry).toHaveBeenCalledTimes(1));
    a.succeeded();
    expect(a.failing).toBe(false);
    expect(f.failing).toBe(0);
    expect(changes()).toBe(2);
    f.stop();
  });

  it('is not concerned by other failures', () => {
    const { faults: f } = faults();
    const a = new ArchiveFault(() => f);
    expect(a.failed(new LogpulseError('LP_ERR_CHECKPOINT', 'disk full'), () => {})).toBe(false);
    expect(a.failed(new Error('boom'))).toBe(false);
    expect(f.failing).toBe(0);
  });

  it('until() retries an archive failure until the cut writes, and throws anything else', async () => {
    const { faults: f } = faults();
    const a = new ArchiveFault(() => f);
    let attempts = 0;
    await a.until(async () => {
      if (++attempts < 3) throw archiveError();
    });
    expect(attempts).toBe(3);
    expect(a.failing).toBe(false);
    expect(f.failing).toBe(0);
    await expect(a.until(async () => Promise.reject(new LogpulseError('LP_ERR_CHECKPOINT', 'x')))).rejects.toThrow(/LP_ERR_CHECKPOINT/);
    f.stop();
  });

  it('stop() cancels a retry waiting for its turn', () => {
    vi.useFakeTimers();
    try {
      const a = new ArchiveFault(() => undefined);
      const retry = vi.fn();
      a.failed(archiveError(), retry);
      a.stop();
      vi.advanceTimersByTime(60_000);
      expect(retry).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('errnoOf', () => {
  it('names the errno of a native error message', () => {
    expect(errnoOf('cannot write /a: No space left on device (os error 28)')).toBe('ENOSPC');
    expect(errnoOf('cannot create directory /a: File exists (os error 17)')).toBe('EEXIST');
    expect(errnoOf('cannot build a record batch')).toBeUndefined();
  });
});
