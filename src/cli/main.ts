/** The kindling CLI: one file per command. */
import { Command, CommanderError } from 'commander';
import { registerRun } from './run.js';
import { registerPlan } from './plan.js';
import { registerWorker } from './worker.js';
import { registerGenerate } from './generate.js';
import { registerDemo } from './demo.js';
import { registerHead } from './head.js';
import { exitCodeFor, reportError } from './common.js';

const program = new Command('kindling')
  .description('a Spark-style batch job runner for event-log analytics: kindling run <spec> on a laptop, KindlingJob on Kubernetes')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerRun(program);
registerPlan(program);
registerGenerate(program);
registerDemo(program);
registerHead(program);
registerWorker(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  reportError(e);
  process.exit(exitCodeFor(e));
}
