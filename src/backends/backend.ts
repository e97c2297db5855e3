import type { SerializedError } from '../common/errors.js';

/** A backend launches and stops workers; the coordinator is the same whatever the backend. */
export interface WorkerLaunch {
  /** The coordinator's URL as workers reach it. */
  url: string;
  token: string;
  replicas: number;
  threads: number;
  /** Workers that died unexpectedly are replaced at most this often (default 2 x replicas). */
  maxReplacements?: number;
  runId: string;
  /** Environment for workers (log settings). Never holds secrets other than the token. */
  env: Record<string, string>;
  /** Called when a worker has been launched (for logs). */
  onSpawn?(worker: string): void;
  /** Called when a worker ends; `expected` is false for a crash or kill. */
  onExit(worker: string, expected: boolean, detail: string): void;
  /** The backend gives up (e.g. no pod can start): the job fails with this error. */
  onFatal?(error: SerializedError): void;
}

export interface Backend {
  readonly name: string;
  start(launch: WorkerLaunch): Promise<void>;
  /** Asks workers to finish and waits (up to a grace period, then kills). */
  stop(): Promise<void>;
  /** Workers currently alive. */
  alive(): number;
}
