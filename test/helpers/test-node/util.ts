// Shared types and small helpers of the test node (test/helpers/test-node.ts).
import type { ChildProcess } from 'node:child_process';

import type { LogWriter } from './logs.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Obj = Record<string, any>;

/** A terminated container instance, as containerStatuses[].state.terminated reports it. */
export interface Term {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  message?: string;
  containerID?: string;
}

/** One run of a container (a restart makes a new one): its id and its CRI-format log file. */
export interface Instance {
  n: number;
  id: string;
  file: string;
  writer: LogWriter;
  /** The process exited and its output pipes are closed: nothing more will be logged. */
  ended: boolean;
}

export interface Ctr {
  spec: Obj;
  /** <podDir>/logs/<container>/: one <restartCount>.log per instance, as the kubelet keeps them. */
  logDir: string;
  env?: Record<string, string>;
  proc?: ChildProcess;
  inst?: Instance;
  /** Instances by number (the previous one serves `kubectl logs --previous`). */
  insts: Instance[];
  restarts: number;
  state: 'waiting' | 'running' | 'terminated';
  waiting: { reason: string; message?: string };
  startedAt?: string;
  term?: Term;
  last?: Term;
  timer?: NodeJS.Timeout;
  /** The readiness probe passed (or there is none). */
  ready: boolean;
  /** The startup probe passed (or there is none). */
  started: boolean;
  /** Why the running instance is being killed (a failed liveness/startup probe). */
  killing?: string;
  killTimer?: NodeJS.Timeout;
  pullFailures: number;
  createErrors: number;
}

export interface Run {
  ns: string;
  name: string;
  uid: string;
  ip: string;
  dir: string;
  pod: Obj;
  policy: string;
  startTime: string;
  ctrs: Ctr[];
  /** volume name -> host directory (the pod's view of it; see volumes.ts) */
  volumes: Map<string, string>;
  terminal?: 'Succeeded' | 'Failed';
  deleting: boolean;
  killTimer?: NodeJS.Timeout;
  chain: Promise<unknown>;
  /** condition type -> [status, lastTransitionTime] */
  conds: Map<string, [string, string]>;
  /** token refresh timers and the like, cleared when the pod goes */
  timers: Set<NodeJS.Timeout>;
}

export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
export const micro = (): string => new Date().toISOString().replace(/Z$/, '000Z');
/** RFC 3339 with nanoseconds, as CRI log files and `kubectl logs --timestamps` show time. */
export const nano = (d = new Date()): string => d.toISOString().replace(/Z$/, '000000Z');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends sig to a container's process group (the container), or to the process alone. */
export function signal(p: ChildProcess | undefined, sig: NodeJS.Signals): void {
  if (!p?.pid) return;
  try {
    process.kill(-p.pid, sig);
  } catch {
    if (p.exitCode !== null || p.signalCode !== null) return;
    try {
      process.kill(p.pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** A container's env var `$(VAR)` expansion, as the kubelet does it: `$$` escapes, unknown stays. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, k: string | undefined) => (k === undefined ? '$' : (env[k] ?? m)));
}
