/** Shared CLI plumbing: loading a spec file with --set overrides, log options, errors -> exit codes. */
import { readFileSync } from 'node:fs';
import { KindlingError } from '../common/errors.js';
import { createLogger, type Logger } from '../common/logger.js';
import { loadJob, type Job } from '../spec/load.js';

export interface LogFlags {
  logLevel?: string;
  logFile?: string;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function readJob(file: string, sets: string[] = []): Job {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KindlingError('USAGE', `cannot read job spec ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'give the path of a KindlingJob YAML file' });
  }
  return loadJob(text, { source: file, sets });
}

export function logger(flags: LogFlags, bindings: Record<string, unknown> = {}): Logger {
  return createLogger({ level: flags.logLevel, file: flags.logFile }, bindings);
}
