// Undelivered webhook alerts on disk: `checkpoint.dir/webhook.msgpack`, written like the checkpoint (temp, fsync,
// rename, dir fsync), so a crash leaves the previous list or the new one. Delivery is at-least-once: the list is
// rewritten after alerts are delivered, so a crash in between sends those again (same idempotency key).
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { pack, unpack } from 'msgpackr';

import { writeFileAtomic } from '../durable-file.js';
import type { Alert } from '../pipeline/output-port.js';
import { dirMode } from '../file-modes.js';

const FILE = 'webhook.msgpack';

interface Stored {
  version: 1;
  savedAt: string;
  alerts: Alert[];
}

export function webhookStorePath(dir: string): string {
  return join(dir, FILE);
}

export async function writePending(dir: string, alerts: readonly Alert[]): Promise<void> {
  await mkdir(dir, { recursive: true, mode: dirMode() });
  const stored: Stored = { version: 1, savedAt: new Date().toISOString(), alerts: [...alerts] };
  await writeFileAtomic(webhookStorePath(dir), pack(stored));
}

/**
 * The alerts saved in `dir` (none when there is no file). A file that is not a list of alerts is moved aside (and
 * said so by the caller): what it held cannot be sent, but it must not stop the daemon from starting either.
 */
export async function readPending(dir: string): Promise<{ alerts: Alert[]; rejectedTo?: string }> {
  const path = webhookStorePath(dir);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { alerts: [] };
    throw err;
  }
  let stored: Partial<Stored> = {};
  try {
    stored = unpack(bytes) as Partial<Stored>;
  } catch {
    // handled below
  }
  if (stored.version === 1 && Array.isArray(stored.alerts) && stored.alerts.every(isAlert)) return { alerts: stored.alerts };
  const aside = `${path}.rejected-${Date.now()}`;
  await rename(path, aside);
  return { alerts: [], rejectedTo: aside };
}

export async function removePending(dir: string): Promise<void> {
  await rm(webhookStorePath(dir), { force: true });
}

function isAlert(a: unknown): a is Alert {
  const x = a as Partial<Alert> | null;
  return typeof x === 'object' && x !== null && typeof x.rule === 'string' && typeof x.window_start === 'string' && typeof x.group === 'string';
}
