/**
 * The node types of logical plans and their expressions, in one file because they refer to each
 * other (a subquery expression holds a plan, plans hold expressions). Types only: the functions
 * over them are in ./expr.ts and ./plan.ts, which re-export these.
 *
 * Expressions are bound: every name resolved to a column of the operator's input (by index;
 * for a join, the left input's columns first, then the right's) and every type known. Function
 * calls (operators included) name an entry of the catalog (./functions.ts); the binder has
 * already inserted the implicit casts, so a call's arguments have exactly the catalog's types.
 */
import type { DataType } from '../../types/datatype.js';
import type { Schema } from '../../types/schema.js';
import type { Scalar } from '../../types/vector.js';

export type Expr =
  /** Column `index` of the input (a join's input: the left columns, then the right). */
  | { kind: 'column'; index: number; name: string; type: DataType }
  /** A literal (BIGINT/DECIMAL/TIMESTAMP: number when safe, else bigint; DECIMAL scaled). */
  | { kind: 'literal'; value: Scalar; type: DataType }
  | { kind: 'call'; fn: string; args: Expr[]; type: DataType }
  /** cast(x as t); `try`: a value that does not convert is NULL instead of an error. */
  | { kind: 'cast'; arg: Expr; type: DataType; try?: boolean }
  /** case when c1 then r1 ... else e end (a `case x when v` is bound to `x = v` conditions). */
  | { kind: 'case'; whens: { when: Expr; then: Expr }[]; else: Expr; type: DataType }
  /** x [not] in (a, b, ...): three-valued, like the equivalent chain of ors. */
  | { kind: 'inList'; arg: Expr; list: Expr[]; negated: boolean; type: DataType }
  /** A column of an enclosing query (a correlated subquery); decorrelation removes these. */
  | { kind: 'outer'; depth: number; index: number; name: string; type: DataType }
  /** A subquery; decorrelation turns each into a join before anything runs. */
  | { kind: 'subquery'; mode: 'scalar' | 'exists' | 'in'; plan: LogicalPlan; negated: boolean; arg?: Expr; type: DataType };

/** An aggregate call: fn over args, `distinct`, `filter (where …)`. */
export interface AggregateCall {
  /** avg_final (planner only, plan/physical/partial-aggregate.ts): avg from partial sums and counts. */
  fn: 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'stddev_samp' | 'stddev_pop' | 'var_samp' | 'var_pop' | 'any_value' | 'avg_final';
  args: Expr[];
  distinct: boolean;
  filter?: Expr;
  type: DataType;
}

export type WindowFn = 'row_number' | 'rank' | 'dense_rank' | 'ntile' | 'percent_rank' | 'cume_dist' | 'lag' | 'lead' | 'first_value' | 'last_value' | 'nth_value' | AggregateCall['fn'];

export interface SortKey {
  expr: Expr;
  desc: boolean;
  /** NULLs first? DuckDB's default, ours too: NULLS LAST, ascending and descending alike (PostgreSQL puts them first when descending). */
  nullsFirst: boolean;
}

export interface FrameBound {
  kind: 'unboundedPreceding' | 'preceding' | 'currentRow' | 'following' | 'unboundedFollowing';
  /** preceding / following: the offset (rows: a count; range: a value of the order key's type). */
  offset?: Scalar;
  /** The offset's type (a number type, or INTERVAL for date and time keys). */
  offsetType?: DataType;
}

export interface WindowCall {
  fn: WindowFn;
  args: Expr[];
  partitionBy: Expr[];
  orderBy: SortKey[];
  frame: { mode: 'rows' | 'range'; start: FrameBound; end: FrameBound };
  /** Aggregates in windows: distinct and filter as in AggregateCall. */
  distinct?: boolean;
  filter?: Expr;
  ignoreNulls?: boolean;
  type: DataType;
}

/** A table a job declares (spec.tables), as the planner sees it. */
export interface TableSource {
  name: string;
  uri: string;
  format: 'csv' | 'parquet' | 'jsonl';
  schema: Schema;
  csv?: { header: boolean; delimiter: string; quote: string; nullValue: string; timestampFormat?: string };
  splitSize: number;
  /** The bytes of its files, when the planner has listed them (join order estimates). */
  bytes?: number;
  /**
   * Set in a stage's fragment (plan/physical/stages.ts): not a declared table but the output of
   * stage `exchange`, as the exchange delivers it to this task.
   */
  exchange?: number;
}

/**
 * `single` (from scalar subqueries): a left join where a row with more than one match is an
 * error, DuckDB's "more than one row returned by a subquery used as an expression".
 * `mark` (from exists / in inside an expression): the left rows, each with one BOOLEAN column
 * more, its `mark`: has a match (exists); with `nullAware`, the value of `x in (subquery)`:
 * true on a match, else NULL when x or a candidate's key is NULL, else false.
 */
export type JoinKind = 'inner' | 'left' | 'right' | 'full' | 'cross' | 'semi' | 'anti' | 'single' | 'mark';

export type LogicalPlan =
  /**
   * Reads a table: `columns` are the indices of the table's columns it outputs (projection
   * pruning narrows them); `filters` are predicates over that output, pushed into the scan.
   */
  | { op: 'scan'; table: TableSource; alias: string; columns: number[]; filters: Expr[]; schema: Schema }
  | { op: 'values'; rows: Expr[][]; schema: Schema }
  | { op: 'filter'; input: LogicalPlan; predicate: Expr; schema: Schema }
  | { op: 'project'; input: LogicalPlan; exprs: Expr[]; schema: Schema }
  /**
   * Output: the group keys, then the aggregates; with grouping sets (rollup, cube), each set
   * lists the keys it groups by, the other keys are NULL in its rows, and a BIGINT column
   * `grouping_id` between the keys and the aggregates tells the sets apart (bit i, counted
   * from the last key, set when that key is not grouped: DuckDB's grouping_id()).
   * `setCalls` (the physical planner's distinct pairs, plan/physical/distinct-aggregate.ts):
   * per grouping set, the calls it computes; the others are NULL in its rows (absent: all). A
   * set that computes none and holds an earlier set's keys has no group whose other keys are
   * all NULL (it holds the distinct pairs of its extra keys with the earlier set's groups).
   */
  | { op: 'aggregate'; input: LogicalPlan; groupBy: Expr[]; groupingSets?: number[][]; setCalls?: number[][]; aggregates: AggregateCall[]; schema: Schema }
  /**
   * semi / anti: the left rows with (without) a match; their schema is the left's (mark: and
   * the mark column). `nullAware`
   * (anti joins from NOT IN): a NULL on either side of the key makes the comparison unknown,
   * so a NULL anywhere in the right side's key leaves no row, as SQL's NOT IN does.
   */
  | { op: 'join'; kind: JoinKind; left: LogicalPlan; right: LogicalPlan; condition?: Expr; nullAware?: boolean; schema: Schema }
  /** Output: the input's columns, then one per window call. */
  | { op: 'window'; input: LogicalPlan; windows: WindowCall[]; schema: Schema }
  | { op: 'sort'; input: LogicalPlan; keys: SortKey[]; schema: Schema }
  | { op: 'limit'; input: LogicalPlan; limit?: number; offset: number; schema: Schema }
  /** union / intersect / except of inputs with the same column types; without `all`, distinct rows. */
  | { op: 'setop'; kind: 'union' | 'intersect' | 'except'; all: boolean; left: LogicalPlan; right: LogicalPlan; schema: Schema }
  | { op: 'distinct'; input: LogicalPlan; schema: Schema };

export type PlanOp = LogicalPlan['op'];
