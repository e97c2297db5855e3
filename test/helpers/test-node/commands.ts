// What a container's command runs on the test node. Images are not run, so the command's first
// word is looked up in a table (the `commands` option of startTestNode): an entry replaces that
// word with an argv prefix. The defaults stand in for the images kindling uses:
//   kindling -> process.execPath <repo>/bin/kindling.js   (this checkout's entry point)
//   minio    -> the cached MinIO binary of scripts/services.mjs (KINDLING_MINIO overrides it)
// Anything else runs as it is, found on the container's PATH (the host's).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** command[0] -> the argv it stands for (the rest of the command and args follow it). */
export type Commands = Record<string, string[]>;

/** The kindling checkout this file belongs to: the first directory above it with kindling's package.json. */
export function repoRoot(from = fileURLToPath(import.meta.url)): string {
  for (let d = dirname(from); ; d = dirname(d)) {
    const pj = join(d, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'kindling') return d;
      } catch {
        /* not ours */
      }
    }
    if (dirname(d) === d) throw new Error(`kindling's package.json not found above ${from}`);
  }
}

interface ServicesScript {
  findMinio(): string | undefined;
  minioBinPath(): string;
}

/** The default table. `minio` is left out (with the reason in `notes`) when MinIO is not built. */
export async function defaultCommands(): Promise<{ commands: Commands; notes: string[] }> {
  const root = repoRoot();
  const commands: Commands = { kindling: [process.execPath, join(root, 'bin', 'kindling.js')] };
  const notes: string[] = [];
  const services = (await import(pathToFileURL(join(root, 'scripts', 'services.mjs')).href)) as ServicesScript;
  const minio = services.findMinio();
  if (minio) commands.minio = [minio];
  else notes.push(`MinIO is not built (${services.minioBinPath()}): pods running \`minio\` will fail to start; run \`node scripts/services.mjs build\``);
  return { commands, notes };
}

/** The process to start for a container's (expanded) command + args. */
export function resolveArgv(argv: string[], commands: Commands): string[] {
  const prefix = argv.length ? commands[argv[0]!] : undefined;
  return prefix ? [...prefix, ...argv.slice(1)] : argv;
}
