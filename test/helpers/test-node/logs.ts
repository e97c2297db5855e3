// Container logs as the kubelet keeps and serves them: the runtime writes each instance's stdout
// and stderr to a file in the CRI log format (`<RFC 3339 nano time> <stdout|stderr> <F|P> <text>`,
// P for a partial line whose rest follows), and GET /containerLogs reads it with the PodLogOptions
// the API server passes through (tailLines, sinceSeconds/sinceTime, timestamps, limitBytes, follow).
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

import { nano, sleep } from './util.js';

export class LogWriter {
  private fd: number | undefined;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'a');
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.fd === undefined || chunk.length === 0) return;
    const head = `${nano()} ${stream} `;
    const parts: Buffer[] = [];
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; start = i + 1, i = chunk.indexOf(10, start)) {
      parts.push(Buffer.from(`${head}F `), chunk.subarray(start, i), Buffer.from('\n'));
    }
    if (start < chunk.length) parts.push(Buffer.from(`${head}P `), chunk.subarray(start), Buffer.from('\n'));
    writeSync(this.fd, Buffer.concat(parts));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  /** ms since the epoch */
  since?: number;
  timestamps?: boolean;
  limitBytes?: number;
}

/** PodLogOptions from a /containerLogs query string; throws on values the kubelet rejects. */
export function logOptions(q: URLSearchParams): LogOptions & { previous: boolean } {
  const bool = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
  const int = (k: string) => {
    const v = q.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${k}: ${v}`);
    return n;
  };
  const tail = q.get('tail');
  const tailLines = tail === 'all' ? undefined : (int('tailLines') ?? (tail ? int('tail') : undefined));
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  let since: number | undefined;
  if (sinceSeconds !== undefined) since = Date.now() - sinceSeconds * 1000;
  else if (sinceTime) {
    since = Date.parse(sinceTime);
    if (Number.isNaN(since)) throw new Error(`invalid sinceTime: ${sinceTime}`);
  }
  const limitBytes = int('limitBytes');
  if (limitBytes === 0) throw new Error('limitBytes must be a positive integer');
  return { follow: bool('follow'), previous: bool('previous'), timestamps: bool('timestamps'), tailLines, since, limitBytes };
}

interface Rec {
  ts: string;
  full: boolean;
  text: Buffer;
}

function parse(buf: Buffer): Rec[] {
  const recs: Rec[] = [];
  let start = 0;
  for (let i = buf.indexOf(10); i !== -1; start = i + 1, i = buf.indexOf(10, start)) {
    const line = buf.subarray(start, i);
    const a = line.indexOf(32);
    const b = line.indexOf(32, a + 1);
    if (a < 0 || b < 0) continue;
    const tag = line.subarray(b + 1, b + 2).toString();
    recs.push({ ts: line.subarray(0, a).toString(), full: tag === 'F', text: line.subarray(b + 3) });
  }
  return recs;
}

/**
 * Writes the log of one container instance to `out` with the kubelet's options. With follow, keeps
 * streaming appended records until `ended()` says the container is gone and everything was sent,
 * or `closed()` says the client went away.
 */
export async function serveLog(
  file: string,
  o: LogOptions,
  out: { write(b: Buffer | string): unknown },
  ended: () => boolean,
  closed: () => boolean,
): Promise<void> {
  let budget = o.limitBytes ?? Infinity;
  const emit = (r: Rec) => {
    if (o.since !== undefined && Date.parse(r.ts) < o.since) return;
    let b = Buffer.concat([o.timestamps ? Buffer.from(`${r.ts} `) : Buffer.alloc(0), r.text, r.full ? Buffer.from('\n') : Buffer.alloc(0)]);
    if (b.length > budget) b = b.subarray(0, budget);
    budget -= b.length;
    if (b.length) out.write(b);
  };
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return; // never written: nothing logged yet
  }
  try {
    let offset = 0;
    const readNew = (): Buffer => {
      const size = fstatSync(fd).size;
      if (size <= offset) return Buffer.alloc(0);
      const buf = Buffer.alloc(size - offset);
      const n = readSync(fd, buf, 0, buf.length, offset);
      const whole = buf.subarray(0, buf.lastIndexOf(10, n - 1) + 1); // complete records only
      offset += whole.length;
      return whole;
    };
    let recs = parse(readNew());
    if (o.tailLines !== undefined) {
      // The last N lines, a line being a run of partial records ended by a full one.
      const starts: number[] = [];
      let lineStart = 0;
      recs.forEach((r, i) => {
        if (!r.full) return;
        starts.push(lineStart);
        lineStart = i + 1;
      });
      if (lineStart < recs.length) starts.push(lineStart);
      recs = o.tailLines === 0 ? [] : recs.slice(starts.length > o.tailLines ? starts[starts.length - o.tailLines] : 0);
    }
    for (const r of recs) if (budget > 0) emit(r);
    if (!o.follow) return;
    while (budget > 0 && !closed()) {
      const done = ended(); // read after checking: whatever was written before the end is sent
      const more = parse(readNew());
      for (const r of more) if (budget > 0) emit(r);
      if (done && more.length === 0) return;
      if (more.length === 0) await sleep(100);
    }
  } finally {
    closeSync(fd);
  }
}

/** The text of a log file (the last `tailLines` lines, at most `maxBytes` of its end), for tests and termination messages. */
export function readLogText(file: string, tailLines?: number, maxBytes?: number): string {
  let recs: Rec[];
  try {
    recs = parse(readFileSync(file));
  } catch {
    return '';
  }
  let text = Buffer.concat(recs.flatMap((r) => (r.full ? [r.text, Buffer.from('\n')] : [r.text]))).toString('utf8');
  if (tailLines !== undefined) text = text.split(/(?<=\n)/).slice(-tailLines).join('');
  if (maxBytes !== undefined && Buffer.byteLength(text) > maxBytes) text = Buffer.from(text).subarray(-maxBytes).toString('utf8');
  return text;
}
