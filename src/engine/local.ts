/**
 * A SQL script run in this process: bind, optimize, execute each output's plan. The embedded
 * runner and the tests use it; the distributed runner plans the same optimized plans into stages.
 */
import type { LogicalPlan, TableSource } from '../plan/logical/plan.js';
import type { Expr } from '../plan/logical/expr.js';
import { optimize, rules } from '../plan/optimize/index.js';
import { bindSql } from '../sql/bind/script.js';
import { loadParser } from '../sql/parse.js';
import type { Schema } from '../types/schema.js';
import { valueAt, type Batch, type Scalar } from '../types/vector.js';
import { compileExpr } from '../exec/expr/compile.js';
import { execute, type ExecContext } from '../exec/ops/execute.js';

/** The executor's value of a constant expression (for constant folding). */
export function evaluateConstant(e: Expr): Scalar {
  return valueAt(compileExpr(e)({ length: 1, columns: [] }), 0);
}

export function optimizeForRun(plan: LogicalPlan): LogicalPlan {
  return optimize(plan, rules(evaluateConstant));
}

export interface ScriptResult {
  name: string;
  schema: Schema;
  batch: Batch;
}

export async function runScript(script: string, tables: TableSource[], ctx: ExecContext): Promise<ScriptResult[]> {
  await loadParser();
  const bound = bindSql(script, tables);
  const out: ScriptResult[] = [];
  for (const o of bound.outputs) {
    const plan = optimizeForRun(o.plan);
    out.push({ name: o.name, schema: plan.schema, batch: await execute(plan, ctx) });
  }
  return out;
}
