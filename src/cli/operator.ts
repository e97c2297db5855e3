import type { Command } from 'commander';
import { createLogger } from '../common/logger.js';

export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description('run the KindlingJob operator (the chart runs it in a Deployment; it also runs from a laptop with a kubeconfig)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: KUBECONFIG, ~/.kube/config, or the pod\'s service account)')
    .option('--namespaces <list>', 'comma-separated namespaces to watch (default KINDLING_WATCH_NAMESPACES; empty: all)')
    .option('--image <image>', 'image for coordinator and worker pods (default KINDLING_IMAGE)')
    .option('--health-port <n>', 'port of GET /healthz, 0 to disable', (v) => parseInt(v, 10))
    .addHelpText(
      'after',
      '\nEnvironment (set by the Helm chart): KINDLING_IMAGE, KINDLING_IMAGE_PULL_POLICY, KINDLING_WATCH_NAMESPACES,\n' +
        'KINDLING_S3_ENDPOINT, KINDLING_CREDENTIALS_SECRET (defaults for jobs), KINDLING_COORDINATOR_CLUSTERROLE,\n' +
        'KINDLING_COORDINATOR_SERVICE_ACCOUNT, KINDLING_LEASE_NAME, POD_NAME, POD_NAMESPACE, POD_IP, KINDLING_LOG_LEVEL.\n',
    )
    .action(async (flags: { kubeconfig?: string; namespaces?: string; image?: string; healthPort?: number }) => {
      const { operatorConfig } = await import('../operator/config.js');
      const { runOperator } = await import('../operator/main.js');
      const cfg = operatorConfig(flags);
      const log = createLogger({ level: cfg.logLevel }, { role: 'operator' });
      const abort = new AbortController();
      process.once('SIGTERM', () => abort.abort());
      process.once('SIGINT', () => abort.abort());
      await runOperator(cfg, log, abort.signal, flags.kubeconfig);
    });
}
