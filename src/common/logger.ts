/**
 * pino loggers. JSON lines to stderr (default level warn, so a terminal shows the progress
 * line and the summary, not logs) or to a file (`--log-file`). Child loggers carry job,
 * stage and task ids. Worker processes inherit the settings through the environment.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: string;
  file?: string;
}

export function createLogger(opts: LogOptions = {}, bindings: Record<string, unknown> = {}): Logger {
  const level = opts.level ?? process.env.KINDLING_LOG_LEVEL ?? 'warn';
  const file = opts.file ?? process.env.KINDLING_LOG_FILE;
  const dest = file ? pino.destination({ dest: file, append: true, mkdir: true, sync: true }) : pino.destination(2);
  return pino(
    {
      level,
      base: { pid: process.pid, ...bindings },
      // Never let a credential reach a log line, whatever field it hides in.
      redact: { paths: ['token', '*.token', 'headers.authorization', '*.secretAccessKey', '*.accessKeyId'], censor: '[redacted]' },
    },
    dest,
  );
}

/** The environment that makes a child process log the way this one does. */
export function logEnv(opts: LogOptions): Record<string, string> {
  const env: Record<string, string> = {};
  if (opts.level) env.KINDLING_LOG_LEVEL = opts.level;
  if (opts.file) env.KINDLING_LOG_FILE = opts.file;
  return env;
}
