/** The kindling CLI: one file per command. */
import { Command, CommanderError } from 'commander';
import { exitCodeFor, reportError } from './exit.js';

const program = new Command('kindling')
  .description('a Spark-style batch job runner for event-log analytics: kindling run <spec> on a laptop, KindlingJob on Kubernetes')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

// Workers start often and should start fast: they load only their own command.
if (process.argv[2] === 'worker') {
  (await import('./worker.js')).registerWorker(program);
  (await import('./coordinator.js')).registerCoordinator(program);
  (await import('./operator.js')).registerOperator(program);
} else {
  (await import('./run.js')).registerRun(program);
  (await import('./plan.js')).registerPlan(program);
  (await import('./generate.js')).registerGenerate(program);
  (await import('./demo.js')).registerDemo(program);
  (await import('./head.js')).registerHead(program);
  (await import('./crd.js')).registerCrd(program);
  (await import('./submit.js')).registerSubmit(program);
  (await import('./status.js')).registerStatus(program);
  (await import('./logs.js')).registerLogs(program);
  (await import('./worker.js')).registerWorker(program);
  (await import('./coordinator.js')).registerCoordinator(program);
  (await import('./operator.js')).registerOperator(program);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  reportError(e);
  process.exit(exitCodeFor(e));
}
