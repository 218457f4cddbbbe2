import knex, { type Knex } from 'knex';
import type { ClickHouse } from '../db/clickhouse.js';
import { migrateClickHouse } from '../db/migrate-clickhouse.js';
import { migratePostgres } from '../db/migrate-postgres.js';
import { APP_ROLE, type Postgres } from '../db/postgres.js';
import { encryptSettings } from './settings-crypto.js';
import { connectionTo, type DedicatedClickHouseSettings, type DedicatedPostgresSettings } from './stores.js';

/** Database name of a dedicated organization, in both engines: derived from its id, so never user input. */
export const dedicatedDatabaseName = (orgId: string) => {
  const hex = orgId.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error('organization id is not a UUID');
  return `cairn_org_${hex}`;
};

export interface SealedSettings {
  postgres: string;
  clickhouse: string;
}

async function withOwnerOf<T>(pg: Postgres, database: string, fn: (db: Knex) => Promise<T>): Promise<T> {
  const db = knex({ client: 'pg', connection: connectionTo(pg, database), pool: { min: 0, max: 1 } });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Creates and migrates a dedicated organization's own PostgreSQL database (on the instance's
 * server) and ClickHouse database, and returns their settings sealed for `tenant_databases`.
 * Idempotent: a half-finished provisioning is completed by running it again.
 */
export async function provisionDedicated(pg: Postgres, ch: ClickHouse, instanceSecret: string, orgId: string): Promise<SealedSettings> {
  const name = dedicatedDatabaseName(orgId);
  const exists = await pg.owner.raw('SELECT 1 FROM pg_database WHERE datname = ?', [name]);
  // CREATE DATABASE cannot take a bound identifier; `name` is built from hex digits only.
  if (exists.rowCount === 0) await pg.owner.raw(`CREATE DATABASE "${name}"`);
  await withOwnerOf(pg, name, async (db) => {
    await db.raw(`REVOKE CONNECT ON DATABASE "${name}" FROM PUBLIC`);
    await db.raw(`GRANT CONNECT ON DATABASE "${name}" TO ${APP_ROLE}`);
    await db.raw(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
    await migratePostgres(db);
  });
  await migrateClickHouse(ch.client, name);
  const pgs: DedicatedPostgresSettings = { database: name };
  const chs: DedicatedClickHouseSettings = { database: name };
  return { postgres: encryptSettings(instanceSecret, pgs), clickhouse: encryptSettings(instanceSecret, chs) };
}

/**
 * Copies the control-plane rows a dedicated database's foreign keys point at (the organization,
 * its projects, its members' user records without credentials, memberships) from the shared
 * database. Upserts, and deletes only what was removed, so tenant data is never cascaded away
 * except with the project it belongs to.
 */
export async function mirrorControlPlane(pg: Postgres, orgId: string): Promise<void> {
  const name = dedicatedDatabaseName(orgId);
  const org = await pg.owner('organizations').where({ id: orgId }).first('id', 'name', 'slug', 'plan', 'status', 'isolation', 'created_at', 'updated_at', 'suspended_at', 'deleted_at', 'purge_after');
  if (!org) return;
  const projects = await pg.owner('projects').where({ organization_id: orgId }).select();
  const memberships = await pg.owner('memberships').where({ organization_id: orgId }).select();
  const users = await pg.owner('users')
    .whereIn('id', memberships.map((m) => m.user_id))
    .select('id', 'email', 'name', 'created_at', 'updated_at');
  await withOwnerOf(pg, name, (db) =>
    db.transaction(async (trx) => {
      await trx('organizations').insert(org).onConflict('id').merge();
      if (users.length) await trx('users').insert(users).onConflict('id').merge(['email', 'name', 'updated_at']);
      if (projects.length) await trx('projects').insert(projects).onConflict('id').merge();
      await trx('projects').where({ organization_id: orgId }).whereNotIn('id', projects.map((p) => p.id)).delete();
      await trx('memberships').where({ organization_id: orgId }).delete();
      if (memberships.length) await trx('memberships').insert(memberships);
    }),
  );
}

/** Drops a dedicated organization's databases (hard delete). */
export async function dropDedicated(pg: Postgres, ch: ClickHouse, orgId: string): Promise<void> {
  const name = dedicatedDatabaseName(orgId);
  await pg.owner.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await ch.client.command({ query: `DROP DATABASE IF EXISTS ${name}` });
}
