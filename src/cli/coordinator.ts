import type { Command } from 'commander';
import { createLogger } from '../common/logger.js';

export function registerCoordinator(program: Command): void {
  program
    .command('coordinator')
    .description('run one KindlingJob as its coordinator, with worker pods (the operator starts this in the coordinator pod)')
    .addHelpText(
      'after',
      '\nConfigured by the environment the operator sets: KINDLING_JOB_NAME, POD_NAME, POD_NAMESPACE, POD_IP,\n' +
        'KINDLING_TOKEN (from the job\'s token Secret), KINDLING_IMAGE, S3 credentials from spec.storage.credentialsSecret.\n',
    )
    .action(async () => {
      const { runCoordinatorInCluster } = await import('../coordinator/in-cluster.js');
      const log = createLogger({ level: process.env.KINDLING_LOG_LEVEL ?? 'info' }, { job: process.env.KINDLING_JOB_NAME, role: 'coordinator' });
      const abort = new AbortController();
      process.once('SIGTERM', () => abort.abort());
      process.once('SIGINT', () => abort.abort());
      process.exitCode = await runCoordinatorInCluster(process.env, log, abort.signal);
    });
}
