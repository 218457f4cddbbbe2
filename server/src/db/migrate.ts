import type { Logger } from 'pino';
import type { ClickHouse } from './clickhouse.js';
import { migrateClickHouse } from './migrate-clickhouse.js';
import { migratePostgres } from './migrate-postgres.js';
import type { Postgres } from './postgres.js';

// Arbitrary, fixed key: every Cairn replica migrating at once queues on this one lock.
const MIGRATION_LOCK_KEY = 0x0ca1_2a;

/** Migrates both databases, PostgreSQL first. Safe to run from several replicas at once. */
export async function migrateAll(pg: Postgres, ch: ClickHouse, log: Logger): Promise<void> {
  const pgDone = await migratePostgres(pg.owner);
  // PostgreSQL is the coordinator for ClickHouse DDL too: hold its lock while ClickHouse migrates.
  const chDone = await pg.owner.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    return migrateClickHouse(ch.client, ch.database);
  });
  log.info({ postgres: pgDone, clickhouse: chDone }, 'migrations applied');
}
