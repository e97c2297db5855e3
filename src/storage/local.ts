import { promises as fs, createReadStream } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { KindlingError } from '../common/errors.js';
import { joinUri, type ObjectInfo, type ObjectStore, type ReadOptions } from './store.js';
import { globToRegExp, hasGlob } from './glob.js';

/** Local filesystem store. URIs are paths (absolute or relative to the cwd) or file:// URIs. */
export class LocalStore implements ObjectStore {
  readonly scheme = 'file';

  toPath(uri: string): string {
    return path.resolve(uri.startsWith('file://') ? fileURLToPath(uri) : uri);
  }

  join(base: string, ...parts: string[]): string {
    return joinUri(base, ...parts);
  }

  async head(uri: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await fs.stat(this.toPath(uri));
      if (!st.isFile()) return undefined;
      return { uri, size: st.size, etag: `${st.mtimeMs}-${st.size}` };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async list(uriOrGlob: string): Promise<ObjectInfo[]> {
    if (hasGlob(uriOrGlob)) {
      const p = this.toPath(uriOrGlob);
      const firstGlob = p.search(/[*?[{]/);
      const root = p.slice(0, p.lastIndexOf('/', firstGlob) + 1) || '/';
      const re = globToRegExp(p);
      const files = await walk(root);
      return files.filter((f) => re.test(f.path)).map((f) => this.info(uriOrGlob, p, f)).sort(byUri);
    }
    const p = this.toPath(uriOrGlob);
    let st;
    try {
      st = await fs.stat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    if (st.isFile()) return [{ uri: uriOrGlob, size: st.size, etag: `${st.mtimeMs}-${st.size}` }];
    const files = await walk(p);
    return files.map((f) => this.info(uriOrGlob, p, f)).sort(byUri);
  }

  private info(base: string, basePath: string, f: WalkEntry): ObjectInfo {
    // Keep the user's spelling of the prefix so errors name what they wrote.
    const rel = path.relative(hasGlob(base) ? '/' : basePath, f.path);
    const uri = hasGlob(base) ? f.path : this.join(base, rel.split(path.sep).join('/'));
    return { uri, size: f.size, etag: `${f.mtimeMs}-${f.size}` };
  }

  async readRange(uri: string, start: number, end: number, opts?: ReadOptions): Promise<Uint8Array> {
    const fh = await this.open(uri);
    try {
      const st = await fh.stat();
      checkEtag(uri, st, opts);
      const stop = Math.min(end, st.size);
      if (stop <= start) return new Uint8Array(0);
      const buf = Buffer.allocUnsafe(stop - start);
      let off = 0;
      while (off < buf.length) {
        const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return off === buf.length ? buf : buf.subarray(0, off);
    } finally {
      await fh.close();
    }
  }

  async *readStream(uri: string, start = 0, chunkSize = 4 << 20, opts?: ReadOptions): AsyncIterable<Uint8Array> {
    const p = this.toPath(uri);
    const fh = await this.open(uri); // a clear error for a missing file
    try {
      checkEtag(uri, await fh.stat(), opts);
    } finally {
      await fh.close();
    }
    for await (const chunk of createReadStream(p, { start, highWaterMark: chunkSize })) yield chunk as Buffer;
  }

  async readAll(uri: string): Promise<Uint8Array> {
    try {
      return await fs.readFile(this.toPath(uri));
    } catch (e) {
      throw this.wrap(e, uri);
    }
  }

  async write(uri: string, data: Uint8Array | string): Promise<void> {
    const p = this.toPath(uri);
    await fs.mkdir(path.dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${randomBytes(6).toString('hex')}`;
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, p);
  }

  async writeIfAbsent(uri: string, data: Uint8Array | string): Promise<boolean> {
    const p = this.toPath(uri);
    await fs.mkdir(path.dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${randomBytes(6).toString('hex')}`;
    await fs.writeFile(tmp, data);
    try {
      await fs.link(tmp, p); // link fails with EEXIST when the target exists: atomic create-if-absent
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const dest = this.toPath(to);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rename(this.toPath(from), dest);
  }

  async delete(uri: string): Promise<void> {
    await fs.rm(this.toPath(uri), { force: true });
  }

  async deletePrefix(uri: string): Promise<void> {
    await fs.rm(this.toPath(uri), { recursive: true, force: true });
  }

  private async open(uri: string) {
    try {
      return await fs.open(this.toPath(uri), 'r');
    } catch (e) {
      throw this.wrap(e, uri);
    }
  }

  private wrap(e: unknown, uri: string): Error {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return new KindlingError('INPUT_NOT_FOUND', `no such file: ${uri}`, { place: { file: uri }, hint: 'check the path' });
    }
    return new KindlingError('STORAGE', `cannot read ${uri}: ${(e as Error).message}`, { retryable: true, place: { file: uri }, cause: e });
  }
}

function checkEtag(uri: string, st: { mtimeMs: number; size: number }, opts?: ReadOptions): void {
  if (opts?.etag && opts.etag !== `${st.mtimeMs}-${st.size}`) {
    throw new KindlingError('INPUT_CHANGED', `${uri} changed since the job was planned`, { place: { file: uri }, hint: 'rerun the job once the input is stable' });
  }
}

interface WalkEntry { path: string; size: number; mtimeMs: number }

async function walk(dir: string): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const ent of entries) {
    // Hidden files and in-progress temporaries are never inputs.
    if (ent.name.startsWith('.') || ent.name.startsWith('_') || ent.name.includes('.tmp-')) continue;
    const full = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...(await walk(full)));
    else if (ent.isFile()) {
      const st = await fs.stat(full);
      out.push({ path: full, size: st.size, mtimeMs: st.mtimeMs });
    }
  }
  return out;
}

function byUri(a: ObjectInfo, b: ObjectInfo): number {
  return a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0;
}
