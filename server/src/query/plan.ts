import type { Compiled } from './sql.js';

/**
 * What a compiler produces: the SQL to run (pure data) and a pure function that shapes the
 * rows of each statement, in order, into the answer. The runner only executes.
 */
export interface Plan<R> {
  queries: Compiled[];
  shape(rowsets: Record<string, unknown>[][]): R;
}

export const num = (v: unknown): number => {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
};
