// Events about pods, as the kubelet records them (`kubectl describe pod`, `kubectl get events`):
// Pulled, Failed, BackOff, Created, Started, Killing, Unhealthy, FailedMount. Best effort: a failed
// POST is logged once and otherwise ignored.
import { randomBytes } from 'node:crypto';

import type { Api } from './api.js';
import { now } from './util.js';

export interface PodRef {
  ns: string;
  name: string;
  uid: string;
}

export function eventRecorder(api: Api, nodeName: string, log: (m: string) => void) {
  let failed = false;
  return (pod: PodRef, type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void => {
    const t = now();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod.name}.${Date.now().toString(16)}${randomBytes(3).toString('hex')}`, namespace: pod.ns },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: pod.ns, name: pod.name, uid: pod.uid, ...(container ? { fieldPath: `spec.containers{${container}}` } : {}) },
      type,
      reason,
      message,
      source: { component: 'kubelet', host: nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: nodeName,
      firstTimestamp: t,
      lastTimestamp: t,
      eventTime: null,
      count: 1,
    };
    api.call('POST', `/api/v1/namespaces/${pod.ns}/events`, event).then(
      (r) => {
        if (r.status >= 300 && r.status !== 404 && !failed) (failed = true), log(`test-node: recording event ${reason}: HTTP ${r.status}`);
      },
      (e: Error) => failed || ((failed = true), log(`test-node: recording event ${reason}: ${e.message}`)),
    );
  };
}
