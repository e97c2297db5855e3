/**
 * Typed failures. Every error kindling raises on purpose is a KindlingError with a stable
 * `code`, a `retryable` flag (may another attempt succeed?), and where possible the place
 * (file, byte offset, field path) and a hint telling the user what to do.
 */
export type ErrorCode =
  | 'SPEC_INVALID'        // the job spec failed validation
  | 'SPEC_PARSE'          // the job spec is not valid YAML/JSON
  | 'INPUT_NOT_FOUND'     // no input path / no files matched
  | 'INPUT_BAD_RECORD'    // a record could not be parsed
  | 'INPUT_BAD_HEADER'    // the header does not match the schema
  | 'INPUT_CORRUPT'       // e.g. a truncated gzip stream
  | 'INPUT_CHANGED'       // a file changed between planning and reading
  | 'STORAGE'             // an object store operation failed
  | 'SHUFFLE_FETCH'       // a shuffle file could not be read
  | 'TASK_FAILED'         // a task failed (wraps its cause)
  | 'WORKER_LOST'         // a worker process died
  | 'PROTOCOL'            // coordinator/worker protocol violation
  | 'OUTPUT_EXISTS'       // refusing to overwrite a committed output
  | 'USAGE'               // bad CLI usage
  | 'INTERRUPTED'         // the user stopped the job (SIGINT/SIGTERM)
  | 'KUBERNETES'          // a Kubernetes API call failed or was refused
  | 'PODS_NOT_STARTING'   // worker pods could not start (image, scheduling, crash loop)
  | 'COORDINATOR_LOST'    // the coordinator pod died more often than allowed
  | 'QUERY_VALUE'         // an expression failed on a value: overflow, a value that does not cast
  | 'INTERNAL';

export interface ErrorPlace {
  file?: string;
  offset?: number;
  line?: number;
  field?: string;
}

export class KindlingError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly place?: ErrorPlace;
  readonly hint?: string;
  readonly lost?: LostShuffle[];

  constructor(code: ErrorCode, message: string, opts: { retryable?: boolean; place?: ErrorPlace; hint?: string; cause?: unknown; lost?: LostShuffle[] } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KindlingError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.place = opts.place;
    this.hint = opts.hint;
    if (opts.lost) this.lost = opts.lost;
  }

  /** One line for a human: what, where, what to do. */
  describe(): string {
    const where = placeText(this.place);
    return `${this.message}${where ? ` (${where})` : ''}${this.hint ? `; ${this.hint}` : ''}`;
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, retryable: this.retryable, place: this.place, hint: this.hint, ...(this.lost ? { lost: this.lost } : {}) };
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  place?: ErrorPlace;
  hint?: string;
  /** SHUFFLE_FETCH: the map outputs that are gone (the coordinator reruns those map tasks). */
  lost?: LostShuffle[];
}

/** A map task's shuffle output that a reduce task could not find. */
export interface LostShuffle {
  /** The task (of the stage before, or of `stage`) whose output is gone. */
  map: number;
  uri: string;
  /** The stage that wrote it (absent: the stage before the reader's). */
  stage?: number;
}

export function placeText(p?: ErrorPlace): string {
  if (!p) return '';
  const parts: string[] = [];
  if (p.file) parts.push(p.file);
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  if (p.offset !== undefined) parts.push(`byte ${p.offset}`);
  if (p.field) parts.push(`field ${p.field}`);
  return parts.join(', ');
}

/** Turns anything thrown into a serializable error; unknown errors become INTERNAL, retryable. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof KindlingError) return e.toJSON();
  const err = e as { code?: string; message?: string };
  const message = err?.message ?? String(e);
  // Node's system errors (ENOENT, EMFILE ...) are storage trouble; let the scheduler retry.
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    return { code: 'STORAGE', message: `${err.code}: ${message}`, retryable: true };
  }
  return { code: 'INTERNAL', message, retryable: true };
}

export function fromSerialized(s: SerializedError): KindlingError {
  return new KindlingError(s.code, s.message, { retryable: s.retryable, place: s.place, hint: s.hint, lost: s.lost });
}
