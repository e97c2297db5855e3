/** Terminal presentation: the live progress line, sizes, durations and plain tables. */
import type { Progress } from '../coordinator/run-job.js';

export function bytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** One line: stage, tasks done/total, rows/s, ETA. */
export function progressLine(p: Progress): string {
  const s = p.stages.find((x) => x.succeeded < x.total) ?? p.stages[p.stages.length - 1];
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.records / secs : 0;
  const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0;
  const eta = s.kind === 'map' && frac > 0 && frac < 1 ? ` ETA ${duration(Math.round((p.elapsedMs * (1 - frac)) / frac))}` : '';
  return `stage ${s.id} (${s.kind}) ${s.succeeded}/${s.total} tasks, ${s.running} running | ${count(p.records)} rows, ${count(Math.round(rate))} rows/s${eta} | ${duration(p.elapsedMs)}`;
}

export class ProgressReporter {
  private last = '';
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}
  get enabled(): boolean {
    return Boolean(this.stream.isTTY) && !process.env.CI;
  }
  update(p: Progress): void {
    this.note(progressLine(p));
  }
  /** One line of progress text, replacing the last. */
  note(text: string): void {
    if (!this.enabled) return;
    const line = text.slice(0, (this.stream.columns || 120) - 1);
    if (line === this.last) return;
    this.last = line;
    this.stream.write(`\r\x1b[2K${line}`);
  }
  clear(): void {
    if (this.enabled && this.last) this.stream.write('\r\x1b[2K');
    this.last = '';
  }
}

/** A plain text table; numbers right-aligned. */
export function table(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const right = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || typeof r[i] === 'bigint' || r[i] === null));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  return String(v);
}
