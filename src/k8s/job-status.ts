/**
 * The KindlingJob status: what `kubectl get kj` and `kubectl describe kj` show. It is rebuilt
 * from what is observed (the coordinator's task counts, the pods), never accumulated, and
 * written with JSON merge patches on the status subresource by the operator (phase before
 * the coordinator runs, coordinator restarts, failures to start) and by the coordinator
 * (progress, output, failure).
 */
export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';
export const TERMINAL: readonly Phase[] = ['Succeeded', 'Failed'];

export interface Condition {
  type: 'Accepted' | 'CoordinatorReady' | 'Running' | 'Complete' | 'Failed';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface StageTasks {
  stage: string;
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
}

export interface JobStatus {
  phase?: Phase;
  observedGeneration?: number;
  conditions?: Condition[];
  /** "37/48 tasks": the printer column. */
  progress?: string;
  tasks?: StageTasks[];
  workers?: { desired: number; ready: number; summary: string };
  startTime?: string;
  completionTime?: string;
  runId?: string;
  /** Where the coordinator copies the pods' logs at the end of the run. */
  logs?: string;
  coordinator?: { pod?: string; attempts: number; url?: string };
  /** inputRecords: records read, good and bad; rejectedRows: the bad ones skipped or quarantined. */
  output?: { uri: string; manifest: string; rows: number; files: number; inputRecords: number; rejectedRows?: number };
  failure?: { reason: string; message: string; task?: string };
}

export const isTerminal = (phase: Phase | undefined): boolean => phase === 'Succeeded' || phase === 'Failed';

export const timestamp = (ms: number = Date.now()): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The conditions for a phase, keeping each condition's lastTransitionTime when its status did
 * not change (the Kubernetes convention).
 */
export function conditionsFor(phase: Phase, reason: string, message: string, previous: Condition[] = [], generation?: number): Condition[] {
  const want: Record<Condition['type'], Condition['status']> = {
    Accepted: 'True',
    CoordinatorReady: phase === 'Running' ? 'True' : 'False',
    Running: phase === 'Running' ? 'True' : 'False',
    Complete: phase === 'Succeeded' ? 'True' : 'False',
    Failed: phase === 'Failed' ? 'True' : 'False',
  };
  if (phase === 'Failed' && reason === 'SpecInvalid') want.Accepted = 'False';
  const now = timestamp();
  return (Object.keys(want) as Condition['type'][]).map((type) => {
    const prev = previous.find((c) => c.type === type);
    const status = want[type];
    const relevant = status === 'True' || (type === 'Accepted' && status === 'False');
    return {
      type,
      status,
      reason: relevant ? reason : prev?.status === status ? prev.reason : reason,
      message: relevant ? message : '',
      lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
  });
}

/** "37/48 tasks" over all stages. */
export function progressText(tasks: StageTasks[]): string {
  const total = tasks.reduce((a, s) => a + s.total, 0);
  const done = tasks.reduce((a, s) => a + s.succeeded, 0);
  return `${done}/${total} tasks`;
}
