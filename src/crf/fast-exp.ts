/**
 * A fast, accurate `e^x` for the mean-field update (see dense-crf.ts), which evaluates it L·N
 * times per iteration: 3.9 million calls for 21 labels on a 500×375 image. The function and its
 * tables live in loops.ts, with the other loops that worker threads run; this module binds one
 * set of tables.
 */
import { expNonPositive as expWithTables, makeExpTables } from './loops';

const TABLES = makeExpTables();

/**
 * `e^x` for x ≤ 0 with relative error < 1e-13, 0 below x = −138.6 (see loops.ts's
 * `expNonPositive` for the table reduction and its error bound). NaN gives NaN. Only for x ≤ 0.
 */
export function expNonPositive(x: number): number {
  return expWithTables(x, TABLES.fractions, TABLES.powers);
}
