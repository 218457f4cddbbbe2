import type { Logger } from 'pino';
import type { ClickHouse } from './clickhouse.js';
import { migrateClickHouse } from './migrate-clickhouse.js';
import { migratePostgres } from './migrate-postgres.js';
import type { Postgres } from './postgres.js';

// Arbitrary, fixed key: every Cairn replica migrating at once queues on this one lock.
export const MIGRATION_LOCK_KEY = 0x0ca1_2a;

/**
 * Migrates both databases, PostgreSQL first. Safe to run from several replicas at once: a
 * session advisory lock on PostgreSQL (the coordinator for the ClickHouse DDL too) makes them
 * queue, and whoever comes after the first finds nothing left to do. Knex's own lock table
 * would instead fail the second replica with "Migration table is already locked".
 */
export async function migrateAll(pg: Postgres, ch: ClickHouse, log: Logger): Promise<void> {
  const { pgDone, chDone } = await withMigrationLock(pg, async () => ({
    pgDone: await migratePostgres(pg.owner),
    chDone: await migrateClickHouse(ch.client, ch.database),
  }));
  log.info({ postgres: pgDone, clickhouse: chDone }, 'migrations applied');
}

async function withMigrationLock<T>(pg: Postgres, fn: () => Promise<T>): Promise<T> {
  // One pooled connection holds the lock for the whole run; the migrations use another.
  const client = pg.owner.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await fn();
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.releaseConnection(conn);
  }
}

interface PgConnection {
  query(text: string, values: unknown[]): Promise<unknown>;
}
