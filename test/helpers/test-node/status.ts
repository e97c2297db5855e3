// A pod's status as the kubelet computes it (pkg/kubelet/kubelet_pods.go getPhase and
// generateAPIPodStatus, simplified to what the test node runs: no init containers).
import { now, type Ctr, type Run, type Term } from './util.js';

/** The kubelet's getPhase; a terminating pod whose containers all stopped ends Succeeded or Failed. */
export function phase(run: Run): string {
  if (run.terminal) return run.terminal;
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const k of run.ctrs) {
    if (k.state === 'running') running++;
    else if (k.state === 'terminated') {
      stopped++;
      if (k.term?.exitCode === 0) succeeded++;
    } else if (k.last) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (run.deleting && run.ctrs.every((k) => k.state === 'terminated')) return (run.terminal = stopped === succeeded ? 'Succeeded' : 'Failed');
  if (run.policy === 'Always') return 'Running';
  if (stopped === succeeded) return (run.terminal = 'Succeeded');
  if (run.policy === 'Never') return (run.terminal = 'Failed');
  return 'Running';
}

const ctrReady = (k: Ctr) => k.state === 'running' && k.started && k.ready;
const term = (t: Term) => ({ terminated: t });

export function containerStatus(k: Ctr): object {
  return {
    name: k.spec.name,
    image: k.spec.image ?? '',
    imageID: k.inst ? `kindling-test-node://${k.spec.image ?? ''}` : '',
    ...(k.inst && k.state !== 'waiting' ? { containerID: k.inst.id } : {}),
    ready: ctrReady(k),
    started: k.state === 'running' && k.started,
    restartCount: k.restarts,
    state:
      k.state === 'running'
        ? { running: { startedAt: k.startedAt } }
        : k.state === 'terminated' && k.term
          ? term(k.term)
          : { waiting: { reason: k.waiting.reason, ...(k.waiting.message ? { message: k.waiting.message } : {}) } },
    lastState: k.last ? term(k.last) : {},
  };
}

export function podStatus(run: Run, nodeIP = '127.0.0.1'): object {
  const p = phase(run);
  const unready = run.ctrs.filter((k) => !ctrReady(k)).map((k) => k.spec.name);
  const done = p === 'Succeeded' || p === 'Failed';
  const cond = (type: string, ok: boolean, reason?: string, message?: string) => {
    const status = ok ? 'True' : 'False';
    const prev = run.conds.get(type);
    const at = prev && prev[0] === status ? prev[1] : now();
    run.conds.set(type, [status, at]);
    return { type, status, lastProbeTime: null, lastTransitionTime: at, ...(ok || !reason ? {} : { reason, message }) };
  };
  const ready = unready.length === 0 && p === 'Running';
  const why = done ? 'PodCompleted' : 'ContainersNotReady';
  const msg = done ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  return {
    phase: p,
    conditions: [
      cond('PodReadyToStartContainers', !done || run.ctrs.some((k) => k.state === 'running')),
      cond('Initialized', true),
      cond('Ready', ready, why, msg),
      cond('ContainersReady', ready, why, msg),
      cond('PodScheduled', true),
    ],
    hostIP: nodeIP,
    hostIPs: [{ ip: nodeIP }],
    podIP: run.ip,
    podIPs: [{ ip: run.ip }],
    startTime: run.startTime,
    qosClass: run.pod.status?.qosClass,
    containerStatuses: run.ctrs.map(containerStatus),
  };
}
