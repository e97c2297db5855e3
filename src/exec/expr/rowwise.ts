/**
 * Row-at-a-time kernels for functions whose work per value dwarfs a loop's overhead (strings,
 * regular expressions): f sees each row's argument values and returns the result, NULL in, NULL
 * out (strict functions), unless `lenient` (concat skips NULLs itself).
 */
import type { DataType } from '../../types/datatype.js';
import { valueAt, vectorOf, type Scalar, type Vector } from '../../types/vector.js';

export function rowwise(args: Vector[], type: DataType, n: number, f: (xs: Scalar[]) => Scalar, lenient = false): Vector {
  const out = new Array<Scalar>(n);
  const xs = new Array<Scalar>(args.length);
  for (let i = 0; i < n; i++) {
    let isNull = false;
    for (let k = 0; k < args.length; k++) {
      xs[k] = valueAt(args[k], i);
      if (xs[k] === null) isNull = true;
    }
    out[i] = isNull && !lenient ? null : f(xs);
  }
  return vectorOf(type, out);
}
