import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../http/errors.js';
import { runCompiled } from './runner.js';

let dir: string;
let client: ClickHouseClient;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cairn-runner-'));
  const { createChdbConnection } = await import('chdb/connection');
  client = createClient({ connection: createChdbConnection({ path: dir }) } as Parameters<typeof createClient>[0]);
});
afterAll(async () => {
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

const limits = { timeoutMs: 500, maxMemoryBytes: 8 * 1024 * 1024 };

describe('runCompiled (real chDB)', () => {
  it('returns the rows of each statement, with parameters bound', async () => {
    const rows = await runCompiled(client, [{ sql: 'SELECT {x:String} AS x, {n:UInt8} + 1 AS n', params: { x: "it's", n: 1 } }], limits);
    expect(rows).toEqual([[{ x: "it's", n: 2 }]]);
  });

  it('maps a statement over the time limit to QUERY_TIMEOUT', async () => {
    const err = await runCompiled(client, [{ sql: 'SELECT sum(cityHash64(number)) AS s FROM numbers(100000000000)', params: {} }], limits).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('QUERY_TIMEOUT');
    expect(err.status).toBe(504);
  });

  it('maps a statement over the memory limit to QUERY_MEMORY_LIMIT', async () => {
    const err = await runCompiled(client, [{ sql: 'SELECT count() AS c FROM (SELECT number % 10000000 AS k, count() FROM numbers(30000000) GROUP BY k)', params: {} }], limits).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('QUERY_MEMORY_LIMIT');
  });

  it('leaves no limit behind in the embedded session', async () => {
    const [rows] = await runCompiled(client, [{ sql: "SELECT getSetting('max_memory_usage') AS m", params: {} }], limits);
    expect(Number(rows![0]!.m)).toBe(limits.maxMemoryBytes);
    const rs = await client.query({ query: "SELECT getSetting('max_memory_usage') AS m, getSetting('max_execution_time') AS t", format: 'JSONEachRow' });
    const [after] = await rs.json<{ m: string | number; t: string | number }>();
    expect(Number(after!.m)).toBe(0);
    expect(Number(after!.t)).toBe(0);
  });
});
