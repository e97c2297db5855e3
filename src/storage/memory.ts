/**
 * An in-memory ObjectStore (`mem://` URIs), per process. Used to warm up the task code in a
 * fresh worker thread without touching the disk, and by tests.
 */
import { KindlingError } from '../common/errors.js';
import type { ObjectInfo, ObjectStore } from './store.js';

export class MemoryStore implements ObjectStore {
  readonly scheme = 'mem';
  private objects = new Map<string, Uint8Array>();

  join(base: string, ...parts: string[]): string {
    let out = base.replace(/\/+$/, '');
    for (const p of parts) out += '/' + p.replace(/^\/+/, '');
    return out;
  }

  async head(uri: string): Promise<ObjectInfo | undefined> {
    const o = this.objects.get(uri);
    return o && { uri, size: o.byteLength, etag: String(o.byteLength) };
  }

  async list(uri: string): Promise<ObjectInfo[]> {
    const prefix = uri.endsWith('/') ? uri : `${uri}/`;
    return [...this.objects.keys()].filter((k) => k === uri || k.startsWith(prefix)).sort().map((k) => ({ uri: k, size: this.objects.get(k)!.byteLength, etag: '' }));
  }

  private get(uri: string): Uint8Array {
    const o = this.objects.get(uri);
    if (!o) throw new KindlingError('INPUT_NOT_FOUND', `no such object: ${uri}`, { place: { file: uri } });
    return o;
  }

  async readRange(uri: string, start: number, end: number): Promise<Uint8Array> {
    return this.get(uri).subarray(start, Math.min(end, this.get(uri).byteLength));
  }

  async *readStream(uri: string, start = 0, chunkSize = 1 << 20): AsyncIterable<Uint8Array> {
    const o = this.get(uri);
    for (let i = start; i < o.byteLength; i += chunkSize) yield o.subarray(i, Math.min(i + chunkSize, o.byteLength));
  }

  async readAll(uri: string): Promise<Uint8Array> {
    return this.get(uri);
  }

  async write(uri: string, data: Uint8Array | string): Promise<void> {
    this.objects.set(uri, typeof data === 'string' ? Buffer.from(data) : data);
  }

  async writeIfAbsent(uri: string, data: Uint8Array | string): Promise<boolean> {
    if (this.objects.has(uri)) return false;
    await this.write(uri, data);
    return true;
  }

  async rename(from: string, to: string): Promise<void> {
    this.objects.set(to, this.get(from));
    this.objects.delete(from);
  }

  async delete(uri: string): Promise<void> {
    this.objects.delete(uri);
  }

  async deletePrefix(uri: string): Promise<void> {
    for (const o of await this.list(uri)) this.objects.delete(o.uri);
  }
}
