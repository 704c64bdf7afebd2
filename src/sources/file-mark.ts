// Where a `file:` source is, as a durable cut checkpoints it: the stream (`file:/abs/path`, `#N` after the N-1th
// rotation), the bytes of it handed to the pipeline, and the file they came from — its device and inode and a hash
// of its first bytes — so that a restart goes on at that byte only in that same file. A file rotated or replaced
// while the daemon was down is read from its start instead (the rest of the old one is not found).
//
// Checkpoints keep positions as numbers by name (StreamPositions, shared with Kafka), so the identity goes in
// beside the offset under `<stream>|dev`, `|ino`, `|head` (how many first bytes were hashed) and `|hash`.
import { createHash } from 'node:crypto';

import type { OpenFile } from './file-open.js';
import type { StreamPositions } from './source.js';

/** At most this many first bytes identify a file (fewer while it is shorter). */
export const HEAD_BYTES = 4096;

export interface FileIdentity {
  dev: number;
  ino: number;
}

/** A position read back from a checkpoint. */
export interface SavedMark {
  stream: string;
  /** 1 for `file:/abs/path`, N for `file:/abs/path#N`. */
  generation: number;
  offset: number;
  /** Absent when nothing of that stream was read yet (offset 0). */
  file: (FileIdentity & { head: number; hash: number }) | null;
}

/** The stream of a file source: `file:/abs/path`, then `file:/abs/path#2` after the first truncation or rotation. */
export function fileStream(path: string, generation: number): string {
  return generation === 1 ? `file:${path}` : `file:${path}#${generation}`;
}

/** 48 bits of SHA-256: exact as a JavaScript number, and no accidental match between two different heads. */
export function headHash(bytes: Uint8Array): number {
  return createHash('sha256').update(bytes).digest().readUIntBE(0, 6);
}

/** What has been handed to the sink so far (updated as each call is made, not as bytes are read). */
export class FileMark {
  #stream: string;
  #offset = 0;
  #file: FileIdentity | null = null;
  #head: Buffer = Buffer.alloc(0);

  constructor(stream: string) {
    this.#stream = stream;
  }

  /** Call before handing `chunk` on: the pipeline may take its memory. */
  delivered(stream: string, file: FileIdentity, chunk: Uint8Array): void {
    if (stream !== this.#stream) this.ended(stream);
    this.#file = file;
    if (this.#head.length < HEAD_BYTES) {
      const take = Math.min(HEAD_BYTES - this.#head.length, chunk.length);
      this.#head = Buffer.concat([this.#head, chunk.subarray(0, take)]);
    }
    this.#offset += chunk.length;
  }

  /** The stream ended; `next` is the one that follows (nothing of it read yet). */
  ended(next: string): void {
    this.#stream = next;
    this.#offset = 0;
    this.#file = null;
    this.#head = Buffer.alloc(0);
  }

  /** A restart goes on in the checkpoint's stream, whose first bytes it has read again. */
  restore(saved: SavedMark, file: FileIdentity, head: Buffer): void {
    this.#stream = saved.stream;
    this.#offset = saved.offset;
    this.#file = saved.offset > 0 ? file : null;
    this.#head = head;
  }

  positions(): StreamPositions {
    const s = this.#stream;
    const out: StreamPositions = { [s]: this.#offset };
    if (this.#file !== null) {
      Object.assign(out, { [`${s}|dev`]: this.#file.dev, [`${s}|ino`]: this.#file.ino, [`${s}|head`]: this.#head.length, [`${s}|hash`]: headHash(this.#head) });
    }
    return out;
  }
}

/**
 * The first bytes of `file` the checkpoint hashed when it is the file `saved` was read from (same device and inode,
 * at least that long, the same first bytes); null when it is not.
 */
export async function savedHead(file: OpenFile, saved: SavedMark): Promise<Buffer | null> {
  if (saved.file === null) return Buffer.alloc(0);
  if (!file.regular || file.dev !== saved.file.dev || file.ino !== saved.file.ino) return null;
  const size = (await file.fh.stat()).size;
  const head = Buffer.alloc(saved.file.head);
  const { bytesRead } = await file.fh.read(head, 0, head.length, 0);
  return size >= saved.offset && bytesRead === head.length && headHash(head) === saved.file.hash ? head : null;
}

/** The position a checkpoint holds for the file at `path` (absolute), or null. */
export function savedMark(positions: StreamPositions, path: string): SavedMark | null {
  const base = `file:${path}`;
  for (const [stream, offset] of Object.entries(positions)) {
    const generation = stream === base ? 1 : stream.startsWith(`${base}#`) ? Number(stream.slice(base.length + 1)) : NaN;
    if (!Number.isInteger(generation) || generation < 1 || !Number.isInteger(offset) || offset < 0) continue;
    const [dev, ino, head, hash] = ['dev', 'ino', 'head', 'hash'].map((k) => positions[`${stream}|${k}`]);
    const file = dev !== undefined && ino !== undefined && head !== undefined && hash !== undefined ? { dev, ino, head, hash } : null;
    return { stream, generation, offset, file };
  }
  return null;
}
