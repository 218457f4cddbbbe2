import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config/index.js';

export interface ClickHouse {
  readonly client: ClickHouseClient;
  /** The database holding Cairn's tables for the shared tenants. */
  readonly database: string;
  readonly embedded: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens ClickHouse: a server over HTTP when CLICKHOUSE_URL is set, else chDB in-process.
 * Both are the same `@clickhouse/client` type, so nothing above this module can tell.
 */
export async function openClickHouse(config: Config): Promise<ClickHouse> {
  const database = config.env.CLICKHOUSE_DATABASE;
  let client: ClickHouseClient;
  if (config.env.CLICKHOUSE_URL) {
    client = createClient({ url: config.env.CLICKHOUSE_URL, request_timeout: 60_000 });
  } else {
    let createChdbConnection: typeof import('chdb/connection').createChdbConnection;
    try {
      ({ createChdbConnection } = await import('chdb/connection'));
    } catch {
      throw new Error('chdb is not installed: set CLICKHOUSE_URL to use a ClickHouse server');
    }
    const dir = path.join(config.dataDir, 'clickhouse');
    mkdirSync(dir, { recursive: true });
    client = createClient({ connection: createChdbConnection({ path: dir }) } as Parameters<typeof createClient>[0]);
  }
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  return {
    client,
    database,
    embedded: !config.env.CLICKHOUSE_URL,
    async ping() {
      const r = await client.ping();
      if (!r.success) throw r.error;
    },
    close: () => client.close(),
  };
}
