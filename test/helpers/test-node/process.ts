// What a container runs: its process environment, argv and working directory, built afresh for
// each start as the kubelet builds a container's config (so a changed Secret shows after a restart).
//   env:  PATH (the host's), HOME and TMPDIR (the container's /tmp: its /tmp volume or
//         <podDir>/tmp; kindling's image sets both to /tmp), HOSTNAME, KINDLING_SERVICEACCOUNT_DIR (when the service account token
//         volume is mounted), then the variables the pod declares (env.ts), mount paths mapped.
//   argv: command + args, `$(VAR)` expanded, mount paths mapped, the first word looked up in the
//         commands table (commands.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { resolveArgv, type Commands } from './commands.js';
import { containerEnv, type EnvContext } from './env.js';
import { expand, type Ctr, type Run } from './util.js';
import { pathMapper, SERVICEACCOUNT_PATH } from './volumes.js';

export interface Prepared {
  env: Record<string, string>;
  argv: string[];
  cwd: string;
}

export async function prepare(run: Run, k: Ctr, c: EnvContext & { commands: Commands }): Promise<Prepared> {
  const declared = await containerEnv(run.pod, k.spec, c);
  const map = pathMapper(k.spec, run.volumes);
  const sa = map(SERVICEACCOUNT_PATH);
  const tmp = map('/tmp') !== '/tmp' ? map('/tmp') : join(run.dir, 'tmp');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: tmp,
    TMPDIR: tmp,
    HOSTNAME: run.name,
    ...(sa !== SERVICEACCOUNT_PATH ? { KINDLING_SERVICEACCOUNT_DIR: sa } : {}),
  };
  for (const [key, v] of Object.entries(declared)) env[key] = map(v);
  const argv = [...(k.spec.command ?? []), ...(k.spec.args ?? [])].map((a: unknown) => map(expand(String(a), declared)));
  const wd = k.spec.workingDir ? map(k.spec.workingDir as string) : run.dir;
  return { env, argv: resolveArgv(argv, c.commands), cwd: existsSync(wd) ? wd : run.dir };
}
