import type { ClickHouseClient } from '@clickhouse/client';
import { appError } from '../http/errors.js';
import type { Compiled } from './sql.js';

export interface RunLimits {
  /** Per statement: ClickHouse `max_execution_time`. */
  timeoutMs: number;
  /** Per statement: ClickHouse `max_memory_usage`. */
  maxMemoryBytes: number;
}

const TIMEOUT_CODES = new Set(['159', '160', '209', '394']); // TIMEOUT_EXCEEDED, TOO_SLOW, SOCKET_TIMEOUT, QUERY_WAS_CANCELLED
const MEMORY_CODES = new Set(['241', '173']); // MEMORY_LIMIT_EXCEEDED, CANNOT_ALLOCATE_MEMORY

/** Maps ClickHouse's resource errors to our codes; anything else is a bug and stays an error. */
export function mapClickHouseError(err: unknown, limits: RunLimits): unknown {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (TIMEOUT_CODES.has(code))
    return appError('QUERY_TIMEOUT', `the query took longer than ${limits.timeoutMs} ms; narrow the date range or the filters`);
  if (MEMORY_CODES.has(code))
    return appError('QUERY_MEMORY_LIMIT', `the query needed more than ${Math.round(limits.maxMemoryBytes / 2 ** 20)} MiB; narrow the date range, breakdown or filters`);
  return err;
}

/**
 * Limits go in the statement's own SETTINGS clause, not the client's `clickhouse_settings`:
 * chDB keeps client settings in its one process-wide session, where they would outlive the
 * query (and, e.g., a readonly flag would then refuse ingestion's inserts).
 */
export function withLimits(sql: string, limits: RunLimits): string {
  const seconds = Math.max(0.1, limits.timeoutMs / 1000);
  return `SELECT * FROM (${sql})
SETTINGS max_execution_time = ${seconds}, max_memory_usage = ${Math.floor(limits.maxMemoryBytes)}, join_use_nulls = 0`;
}

/** Runs compiled statements (read-only, limited) and returns their rows in order. */
export async function runCompiled(client: ClickHouseClient, queries: Compiled[], limits: RunLimits): Promise<Record<string, unknown>[][]> {
  return Promise.all(
    queries.map(async (q) => {
      try {
        const rs = await client.query({ query: withLimits(q.sql, limits), query_params: q.params, format: 'JSONEachRow' });
        return await rs.json<Record<string, unknown>>();
      } catch (err) {
        throw mapClickHouseError(err, limits);
      }
    }),
  );
}
