// The test node as a process, for development (`npm run services:up` starts one):
//
//   node dist/test/helpers/test-node-main.js --kubeconfig <file> [--name <node>] [--cpu 4] [--memory 16Gi]
//
// Registers the Node, runs the pods bound to it until SIGTERM or SIGINT, then kills its pods'
// processes, unregisters the Node and exits 0. Log lines go to stdout with a time prefix; the
// first one says where the node is ("test-node: node <name> registered ...").
import { parseArgs } from 'node:util';

import { startTestNode, type TestNode } from './test-node.js';

const usage = 'usage: node dist/test/helpers/test-node-main.js --kubeconfig <file> [--name <node>] [--cpu <n>] [--memory <quantity>] [--pods <n>]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { kubeconfig: { type: 'string' }, name: { type: 'string' }, cpu: { type: 'string' }, memory: { type: 'string' }, pods: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) return void console.log(usage);
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG;
  if (!kubeconfig) {
    console.error(`--kubeconfig (or KUBECONFIG) is required\n${usage}`);
    process.exit(2);
  }
  const log = (m: string) => console.log(`${new Date().toISOString()} ${m}`);
  let node: TestNode | undefined;
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`test-node: ${sig}: stopping`);
    try {
      await node?.stop();
      log('test-node: stopped');
      process.exit(0);
    } catch (e) {
      log(`test-node: stopping: ${(e as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  node = await startTestNode({ kubeconfig, name: values.name, cpu: values.cpu, memory: values.memory, pods: values.pods, log });
  if (stopping) await node.stop();
}

// `node --test dist/test/` loads every file under test/ as a test file, without arguments: then
// there is nothing to run. (A test that spawns this file passes arguments, and inherits the
// runner's NODE_TEST_CONTEXT.)
if (!(process.env.NODE_TEST_CONTEXT && process.argv.length <= 2)) main().catch((e: Error) => {
  console.error(`test-node: ${e.message}`);
  process.exit(1);
});
