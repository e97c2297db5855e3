// The setup every cluster test shares: a private control plane, a MinIO with generated events
// under s3://kindling/events/, the test node, the chart installed with helm, and a Secret
// `minio-creds` holding the MinIO keys. Undefined when the tools are missing outside CI.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEvents } from '../../src/gen/generate.js';
import type { S3Store } from '../../src/storage/s3.js';
import { tempDir } from './jobs.js';
import { run, startOrSkip, type Cluster } from './k8s.js';
import { startMinio, type Minio } from './minio.js';
import { minioStore, upload } from './s3.js';
import { startTestNode, type TestNode } from './test-node.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface KindlingCluster extends Cluster {
  minio: Minio;
  s3: S3Store;
  node: TestNode;
  /** A temp dir holding the generated events (`events/`). */
  dir: string;
  /** The local copies of the uploaded event files. */
  files: string[];
}

type TestContext = Parameters<typeof startOrSkip>[0];

export async function startKindlingCluster(
  t: TestContext,
  o: { rows: number; files: number; seed: number; helmSet?: string[]; dirPrefix?: string },
): Promise<KindlingCluster | undefined> {
  const cluster = await startOrSkip(t);
  if (!cluster) return undefined;
  const minio = await startMinio();
  if (!minio) throw new Error('MinIO is required (node scripts/services.mjs build)');
  t.after(() => minio.dispose());
  const dir = tempDir(o.dirPrefix);
  const s3 = await minioStore(minio, ['kindling']);
  const files = (await generateEvents({ rows: o.rows, files: o.files, seed: o.seed, out: join(dir, 'events'), gzip: false })).files.map((f) => f.uri);
  await upload(s3, files, 's3://kindling/events/');
  const node = await startTestNode({ kubeconfig: cluster.cp.kubeconfig, cpu: '32', memory: '64Gi', log: (m) => t.diagnostic(m) });
  t.after(() => node.stop());
  const set = ['image.tag=dev', ...(o.helmSet ?? [])].flatMap((s) => ['--set', s]);
  await run(cluster.k8s.findK8sTools()!.helm, ['--kubeconfig', cluster.cp.kubeconfig, 'install', 'kindling', join(ROOT, 'charts/kindling'), '--namespace', 'default', ...set]);
  await cluster.kubectlRun(['create', 'secret', 'generic', 'minio-creds', `--from-literal=AWS_ACCESS_KEY_ID=${minio.accessKeyId}`, `--from-literal=AWS_SECRET_ACCESS_KEY=${minio.secretAccessKey}`]);
  return { ...cluster, minio, s3, node, dir, files };
}
