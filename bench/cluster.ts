/**
 * The cluster variant of the bench: the same price-sensitivity job on MinIO, embedded
 * (`kindling run`) and through the cluster path (kubectl apply -> operator -> coordinator pod
 * -> worker pods, on a real control plane with the test node in place of the kubelet). It
 * reports the time from `kubectl apply` to the coordinator running and to the first task
 * running, and the cluster path's overhead over the embedded mode. Skipped (with the reason)
 * when the control plane tools or MinIO are not built.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveJob } from '../src/spec/load.js';
import { runLocal } from '../src/cli/run.js';
import { table } from '../src/cli/format.js';
import { configureStorage } from '../src/storage/index.js';
import { Kube, type Obj } from '../src/k8s/client.js';
import { paths } from '../src/k8s/names.js';
import { Snapshot } from '../src/k8s/snapshot.js';
import { loadK8s } from '../test/helpers/k8s.js';
import { startMinio } from '../test/helpers/minio.js';
import { minioStore, upload } from '../test/helpers/s3.js';
import { startTestNode } from '../test/helpers/test-node.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCluster(files: string[], runs: number, split: string): Promise<void> {
  const k8s = await loadK8s();
  const tools = k8s.findK8sTools();
  const kubectl = k8s.findKubectl();
  const minio = await startMinio().catch(() => undefined);
  if (!tools || !kubectl || !minio) {
    process.stdout.write(`\ncluster variant not run: ${!minio ? 'MinIO is not built' : 'the Kubernetes tools are not built (node scripts/k8s.mjs build) or kubectl is missing'}\n`);
    await minio?.dispose();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kindling-bench-k8s-'));
  const cp = await k8s.startControlPlane({ dir });
  const node = await startTestNode({ kubeconfig: cp.kubeconfig, cpu: '32', memory: '64Gi' });
  const kube = Kube.connect(cp.kubeconfig);
  const jobs = new Snapshot(kube, paths.jobs('default'));
  const k = (args: string[], input?: string) => execFileSync(kubectl, ['--kubeconfig', cp.kubeconfig, ...args], { input, encoding: 'utf8' });
  try {
    const s3 = await minioStore(minio, ['kindling']);
    await upload(s3, files, 's3://kindling/bench/');
    execFileSync(tools.helm, ['--kubeconfig', cp.kubeconfig, 'install', 'kindling', join(ROOT, 'charts/kindling'), '--namespace', 'default', '--set', 'image.tag=dev', '--set', 'logLevel=debug'], { encoding: 'utf8' });
    k(['create', 'secret', 'generic', 'minio-creds', `--from-literal=AWS_ACCESS_KEY_ID=${minio.accessKeyId}`, `--from-literal=AWS_SECRET_ACCESS_KEY=${minio.secretAccessKey}`]);
    await jobs.start();
    const spec = (name: string) => ({
      analysis: 'price-sensitivity',
      storage: { endpoint: minio.endpoint, credentialsSecret: 'minio-creds' },
      input: { uri: 's3://kindling/bench/', format: 'csv', splitSize: split },
      output: { uri: `s3://kindling/results/${name}/`, overwrite: true },
      shuffle: { partitions: 8 },
      workers: { replicas: 2, threads: 1 },
    });
    // Embedded, same data and storage.
    configureStorage({ endpoint: minio.endpoint });
    const embedded: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await runLocal(resolveJob({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name: 'bench-embedded' }, spec: spec('embedded') }), { quiet: true });
      embedded.push(performance.now() - t0);
    }
    configureStorage({});
    // The cluster path, a fresh KindlingJob per run.
    const toRunning: number[] = [];
    const toTask: number[] = [];
    const total: number[] = [];
    for (let r = 0; r < runs; r++) {
      const name = `bench-${r}`;
      const seen: { running?: number; done?: number; phase?: string } = {};
      const t0 = Date.now();
      const finished = new Promise<void>((resolve) => {
        const on = (o?: Obj) => {
          if (o?.metadata?.name !== name) return;
          if (o.status?.phase === 'Running') seen.running ??= Date.now();
          if (o.status?.phase === 'Succeeded' || o.status?.phase === 'Failed') {
            seen.done ??= Date.now();
            seen.phase = o.status.phase;
            jobs.off('change', on);
            resolve();
          }
        };
        jobs.on('change', on);
      });
      k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'kindling.dev/v1alpha1', kind: 'KindlingJob', metadata: { name, namespace: 'default' }, spec: spec(name) }));
      await finished;
      if (seen.phase !== 'Succeeded') throw new Error(`${name} ${seen.phase}: ${JSON.stringify(jobs.objects.get(`default/${name}`)?.status?.failure)}`);
      // The first task handed out, to the millisecond, from the coordinator's own log.
      const log = node.logs('default', `${name}-coordinator-0`, 'kindling') ?? '';
      const first = log.split('\n').map((l) => { try { return JSON.parse(l.slice(l.indexOf('{'))) as { msg?: string; time?: number }; } catch { return {}; } }).find((l) => l.msg === 'assigned');
      toRunning.push(seen.running! - t0);
      if (first?.time) toTask.push(first.time - t0);
      total.push(seen.done! - t0);
      k(['delete', 'kj', name, '--wait=true']);
    }
    const e = median(embedded);
    const c = median(total);
    process.stdout.write(`\ncluster variant: price-sensitivity on MinIO, 2 worker pods vs 2 local worker processes, median of ${runs} runs (control plane ${k8s.K8S_VERSION}; pods run by the test node)\n`);
    process.stdout.write(
      table(['path', 'apply -> coordinator running s', 'apply -> first task running s', 'total s', 'vs embedded'], [
        ['embedded (kindling run)', '-', '-', (e / 1000).toFixed(2), '1.00x'],
        ['cluster (kubectl apply)', (median(toRunning) / 1000).toFixed(2), toTask.length ? (median(toTask) / 1000).toFixed(2) : 'n/a', (c / 1000).toFixed(2), `${(c / e).toFixed(2)}x (+${((c - e) / 1000).toFixed(2)} s)`],
      ]) + '\n',
    );
  } finally {
    jobs.stop();
    kube.close();
    await node.stop();
    await cp.stop();
    await minio.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
