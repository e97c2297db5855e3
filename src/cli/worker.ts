import type { Command } from 'commander';
import { KindlingError } from '../common/errors.js';
import { runWorker } from '../worker/worker.js';
import { createLogger } from '../common/logger.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker: pull tasks from a coordinator and run them (started by kindling itself, in a process or pod)')
    .requiredOption('--coordinator <url>', 'the coordinator URL')
    .requiredOption('--id <id>', 'this worker\'s id')
    .option('--threads <n>', 'piscina threads', (v) => parseInt(v, 10), 1)
    .addHelpText('after', '\nThe job token is read from the KINDLING_TOKEN environment variable (never from the command line).\n')
    .action(async (flags: { coordinator: string; id: string; threads: number }) => {
      const token = process.env.KINDLING_TOKEN;
      if (!token) throw new KindlingError('USAGE', 'KINDLING_TOKEN is not set', { hint: 'workers are started by kindling run or the operator, which set it' });
      await runWorker({ coordinator: flags.coordinator, token, id: flags.id, threads: flags.threads, log: createLogger({}, { worker: flags.id }) });
    });
}
