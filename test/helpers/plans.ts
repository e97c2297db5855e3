// A small physical plan for scheduler tests: one file of `maps` 100-byte splits, no I/O.
import { analyses } from '../../src/analyses/index.js';
import { computeSplits, type PhysicalPlan } from '../../src/plan/physical.js';
import { loadAnalysisJob } from '../../src/spec/load.js';

export function testPlan(o: { maps?: number; partitions?: number; maxTaskAttempts?: number; speculation?: boolean } = {}): PhysicalPlan {
  const maps = o.maps ?? 4;
  const partitions = o.partitions ?? 2;
  const job = loadAnalysisJob(`apiVersion: kindling.dev/v1alpha1
kind: KindlingJob
metadata: { name: t }
spec:
  analysis: engagement
  input: { uri: in/, format: csv }
  output: { uri: out/ }
  shuffle: { partitions: ${partitions} }
  maxTaskAttempts: ${o.maxTaskAttempts ?? 4}
  speculation: ${o.speculation ?? true}
`);
  const files = [{ uri: 'in/a.csv', size: maps * 100, etag: 'x' }];
  const splits = computeSplits(files, 100, true);
  return {
    runId: 'run', job, query: analyses.engagement.plan({} as never), files, splits,
    stages: [{ id: 0, kind: 'map', tasks: splits.length }, { id: 1, kind: 'reduce', tasks: partitions }],
    shuffleUri: 'out/_shuffle/run', stagingUri: 'out/_temporary/run', inputBytes: maps * 100,
  };
}
