// The TCP side of the Spark socket peer: a server like `nc -lk PORT` fed by a generator, serving the data file's
// lines to every client that connects (each Spark query opens its own connection) and keeping connections open
// after the last line, as a live generator would.
//
// Feeding: 'burst' writes the whole file at once. 'paced' keeps at most `inFlight` lines sent but not yet
// processed (by the slowest consumer, as reported through `setProcessed`): a producer that exactly keeps up.
// Why pacing matters: Spark's socket source (TextSocketMicroBatchStream, "designed only for tutorials") buffers
// every line it has read and hands each micro-batch its lines as a scala ListBuffer read by index, which costs
// O(n^2) in the batch size. Fed faster than it drains, its backlog becomes one huge batch and the job stalls
// (200 k lines burst in: ~10 min). Pacing keeps batches at a size the seed's live setup produces, so we measure
// Spark's throughput and not that pathology.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';

const GRAN = 1000; // credits move in steps of this many lines

interface Conn {
  socket: Socket;
  sentLines: number;
}

export class LineServer {
  private readonly conns = new Set<Conn>();
  private processed = 0;
  private readonly fd: number;

  private constructor(
    private readonly server: Server,
    private readonly file: string,
    /** ends[i] = byte offset just past line (i + 1) * GRAN; the last entry is the file size. */
    private readonly ends: number[],
    readonly totalLines: number,
    private readonly inFlight: number | null,
  ) {
    this.fd = openSync(file, 'r');
    server.on('connection', (socket) => {
      const conn = { socket, sentLines: 0 };
      this.conns.add(conn);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.conns.delete(conn));
      if (this.inFlight === null) {
        conn.sentLines = this.totalLines;
        createReadStream(this.file).pipe(socket, { end: false });
      } else {
        this.topUp(conn);
      }
    });
  }

  static async open(file: string, inFlight: number | null): Promise<LineServer> {
    const ends: number[] = [];
    let lines = 0;
    let pos = 0;
    let lastByte = 0x0a;
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) {
        if (++lines % GRAN === 0) ends.push(pos + i + 1);
      }
      pos += chunk.length;
      lastByte = chunk[chunk.length - 1];
    }
    if (lastByte !== 0x0a) lines++; // a last line without newline
    if (lines % GRAN !== 0) ends.push(pos);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const credit = inFlight === null ? null : Math.max(GRAN, Math.round(inFlight / GRAN) * GRAN);
    return new LineServer(server, file, ends, lines, credit);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Lines processed by the slowest consumer so far: releases more lines to every connection. */
  setProcessed(lines: number): void {
    if (lines <= this.processed) return;
    this.processed = lines;
    for (const c of this.conns) this.topUp(c);
  }

  private byteEnd(lines: number): number {
    if (lines === 0) return 0;
    return lines >= this.totalLines ? this.ends[this.ends.length - 1] : this.ends[lines / GRAN - 1];
  }

  private topUp(c: Conn): void {
    const target = Math.min(this.totalLines, Math.floor((this.processed + this.inFlight!) / GRAN) * GRAN);
    if (target <= c.sentLines) return;
    const from = this.byteEnd(c.sentLines);
    const buf = Buffer.allocUnsafe(this.byteEnd(target) - from);
    let got = 0;
    while (got < buf.length) got += readSync(this.fd, buf, got, buf.length - got, from + got);
    c.sentLines = target;
    c.socket.write(buf);
  }

  close(): Promise<void> {
    closeSync(this.fd);
    return new Promise((resolve) => {
      for (const c of this.conns) c.socket.destroy();
      this.server.close(() => resolve());
    });
  }
}
