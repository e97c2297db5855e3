// A private, real MinIO per test file: free port, temporary data dir, random credentials.
// The binary comes from the cache scripts/services.mjs builds (`node scripts/services.mjs build`);
// its locating code, the pinned version and the process helpers are imported from there.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface Minio {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** us-east-1 */
  region: string;
  /** MinIO's data directory (temporary; removed by dispose() and at process exit). */
  dataDir: string;
  /** SIGTERM (SIGKILL after 10 s); keeps the port and the data for start(). */
  stop(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** SIGKILL, for fault tests; keeps the port and the data for start(). */
  kill(): Promise<void>;
  /** Starts it again after stop() or kill(): same port, credentials and data. No-op if running. */
  start(): Promise<void>;
  /** stop() and remove the temporary directory. */
  dispose(): Promise<void>;
}

/** What test code uses from scripts/services.mjs (plain JS, so typed here). */
interface Services {
  MINIO_VERSION: string;
  MINIO_REGION: string;
  minioBinPath(): string;
  findMinio(): string | undefined;
  freePort(): Promise<number>;
  randomCredentials(): { accessKeyId: string; secretAccessKey: string };
  spawnMinio(o: {
    binary: string;
    dataDir: string;
    port: number;
    consolePort: number;
    accessKeyId: string;
    secretAccessKey: string;
    logFile: string;
  }): ChildProcess;
  waitReady(endpoint: string, o: { child?: ChildProcess; logFile?: string; timeoutMs?: number }): Promise<number>;
  stopPid(pid: number, graceMs?: number): Promise<'gone' | 'SIGTERM' | 'SIGKILL'>;
  MinioStartError: new (message: string, exited: boolean) => Error & { exited: boolean };
}

let services: Promise<Services> | undefined;

/** scripts/services.mjs, found by walking up from this file (it runs from dist/test/helpers/). */
function loadServices(): Promise<Services> {
  services ??= (async () => {
    for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
      const p = join(d, 'scripts', 'services.mjs');
      if (existsSync(p)) return (await import(pathToFileURL(p).href)) as Services;
      if (dirname(d) === d) throw new Error(`scripts/services.mjs not found above ${fileURLToPath(import.meta.url)}`);
    }
  })();
  return services;
}

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
// Never leave a MinIO or its data behind, even when a test forgets stop(), fails half-way, or
// the test runner stops the file with a signal (the signal is re-raised after the cleanup).
function cleanUp(): void {
  for (const c of running) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.once('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, function onSignal() {
    cleanUp();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  });
}

/**
 * Starts a private MinIO (free port, temporary data dir) from the cached binary. If the binary has
 * not been built: in CI (process.env.CI set) throws, so the tests fail and never skip silently;
 * outside CI returns undefined, so the caller can skip with {@link MINIO_SKIP_REASON}.
 */
export async function startMinio(): Promise<Minio | undefined> {
  const s = await loadServices();
  const binary = s.findMinio();
  if (!binary) {
    if (process.env.CI) {
      throw new Error(
        `MinIO ${s.MINIO_VERSION} is not built (${s.minioBinPath()}); CI must build it before the tests: ` +
          '`node scripts/services.mjs build` (.ci/run does).',
      );
    }
    return undefined;
  }
  const root = mkdtempSync(join(tmpdir(), 'kindling-minio-'));
  tempDirs.add(root);
  const dataDir = join(root, 'data');
  const logFile = join(root, 'minio.log');
  mkdirSync(dataDir);
  const { accessKeyId, secretAccessKey } = s.randomCredentials();
  let port = 0;
  let consolePort = 0;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const c = s.spawnMinio({ binary, dataDir, port, consolePort, accessKeyId, secretAccessKey, logFile });
    running.add(c);
    c.once('exit', () => running.delete(c));
    child = c;
    try {
      await s.waitReady(`http://127.0.0.1:${port}`, { child: c, logFile });
      // Idle, a forgotten MinIO must not keep the test process alive; the exit hook kills it.
      c.unref();
    } catch (e) {
      await halt('SIGKILL');
      throw e;
    }
  };

  const halt = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
    c.ref(); // keep the event loop alive until its exit is seen
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    if (signal === 'SIGKILL') c.kill('SIGKILL');
    else await s.stopPid(c.pid); // SIGTERM, SIGKILL after 10 s
    await exited; // reaped: the port and the data dir are free again
  };

  // Fresh ports, retried: another process may take a "free" port before MinIO binds it.
  for (let attempt = 1; ; attempt++) {
    port = await s.freePort();
    do consolePort = await s.freePort();
    while (consolePort === port);
    try {
      await launch();
      break;
    } catch (e) {
      const retry = e instanceof s.MinioStartError && e.exited && attempt < 3;
      if (!retry) {
        rmSync(root, { recursive: true, force: true });
        tempDirs.delete(root);
        throw e;
      }
    }
  }

  const m: Minio = {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId,
    secretAccessKey,
    region: s.MINIO_REGION,
    dataDir,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    start: async () => {
      if (!child) await launch();
    },
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
    dispose: async () => {
      await halt('SIGTERM');
      rmSync(root, { recursive: true, force: true });
      tempDirs.delete(root);
    },
  };
  return m;
}

/** Why startMinio() returned undefined, for `t.skip(...)` outside CI. */
export const MINIO_SKIP_REASON = 'MinIO is not built; `npm test` builds it when Go is on PATH (or `node scripts/provision.mjs minio`, a few minutes once)';

/** An S3 client for m (path-style, as MinIO needs without wildcard DNS). */
export function s3Client(m: Minio): S3Client {
  return new S3Client({
    endpoint: m.endpoint,
    region: m.region,
    forcePathStyle: true,
    credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
  });
}

export async function createBucket(m: Minio, bucket: string): Promise<void> {
  const s3 = s3Client(m);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
}
