import { createClient, type ClickHouseClient } from '@clickhouse/client';
import knex, { type Knex } from 'knex';
import type { ClickHouse } from '../db/clickhouse.js';
import { APP_ROLE, type Postgres } from '../db/postgres.js';
import { deriveSecret } from '../db/secrets.js';
import { decryptSettings } from './settings-crypto.js';

/** Where one organization's events live: a ClickHouse client and the database to name in SQL. */
export interface TenantClickHouse {
  readonly client: ClickHouseClient;
  readonly database: string;
}

/**
 * One organization's PostgreSQL: the shared database (row-level security by organization) or
 * the organization's own database. Either way every transaction runs as the app role with the
 * organization set as the tenant, so the same code works on both.
 */
export interface TenantPostgres {
  /** The organization's own database name; undefined for shared isolation. */
  readonly dedicatedDatabase: string | undefined;
  withTenant<T>(scope: { userId?: string }, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
}

/**
 * Resolves an organization to its data handles. Every code path that touches events asks
 * this first, so a dedicated organization (own database or server) needs no change above it.
 */
export interface TenantStores {
  clickhouseFor(orgId: string): Promise<TenantClickHouse>;
  /** Tenant-scoped PostgreSQL handle (follows dedicated isolation). */
  postgresFor(orgId: string): Promise<TenantPostgres>;
  /** Drops an organization's cached handles and closes its connections (after purge). */
  forget(orgId: string): Promise<void>;
  close(): Promise<void>;
}

/** Connection settings of a dedicated organization, stored encrypted in `tenant_databases`. */
export interface DedicatedPostgresSettings {
  database: string;
  /** Server URL without credentials; absent = the instance's own PostgreSQL server. */
  url?: string;
}
export interface DedicatedClickHouseSettings {
  database: string;
  /** Server URL (with credentials); absent = the instance's own ClickHouse (or chDB engine). */
  url?: string;
}

/** Shared isolation only: every organization's events in the one configured database, scoped by project_id. */
export function sharedTenantStores(ch: ClickHouse, pg?: Postgres): TenantStores {
  const handle: TenantClickHouse = { client: ch.client, database: ch.database };
  return {
    clickhouseFor: async () => handle,
    postgresFor: async (orgId) => {
      if (!pg) throw new Error('sharedTenantStores was built without PostgreSQL');
      return sharedPostgres(pg, orgId);
    },
    forget: async () => {},
    close: async () => {},
  };
}

const sharedPostgres = (pg: Postgres, orgId: string): TenantPostgres => ({
  dedicatedDatabase: undefined,
  withTenant: (scope, fn) => pg.withTenant({ orgId, userId: scope.userId }, fn),
});

type PgConnection = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The owner's connection settings pointed at another database (and, optionally, another
 * login). knex keeps the password as a non-enumerable property, so it is copied explicitly.
 */
export function connectionTo(pg: Postgres, database: string, login?: { user: string; password: string }): PgConnection {
  const c = (pg.owner.client as { connectionSettings: PgConnection }).connectionSettings;
  return { ...c, password: c.password, database, ...(login ?? {}) };
}

/** A settings URL (a dedicated organization on another server) with the app role's login. */
export function databaseUrl(base: string, database: string, credentials?: { user: string; password: string }): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  if (credentials) {
    u.username = credentials.user;
    u.password = credentials.password;
  }
  return u.toString();
}

interface Resolved {
  /** False for an organization not (yet) in the database: asked again next time. */
  known: boolean;
  ch: TenantClickHouse;
  pg: TenantPostgres;
  close(): Promise<void>;
}

/**
 * Tenant stores for both isolations. An organization's isolation never changes after
 * creation, so its handles are cached; a dedicated organization gets its own app-role pool
 * on its own database, and its own ClickHouse database (in embedded mode a separate
 * database of the one chDB engine: chDB allows one engine per process).
 */
export function createTenantStores(opts: { pg: Postgres; ch: ClickHouse; instanceSecret: string; poolMax?: number }): TenantStores {
  const { pg, ch, instanceSecret } = opts;
  const shared: TenantClickHouse = { client: ch.client, database: ch.database };
  const cache = new Map<string, Promise<Resolved>>();
  const appPassword = deriveSecret(instanceSecret, 'postgres-app-role');

  async function resolve(orgId: string): Promise<Resolved> {
    if (!UUID.test(orgId)) return { known: false, ch: shared, pg: sharedPostgres(pg, orgId), close: async () => {} };
    const row = await pg.owner('organizations as o')
      .leftJoin('tenant_databases as t', 't.organization_id', 'o.id')
      .where('o.id', orgId)
      .first('o.isolation', 't.postgres_settings', 't.clickhouse_settings');
    if (!row || row.isolation !== 'dedicated' || !row.postgres_settings) {
      return { known: !!row, ch: shared, pg: sharedPostgres(pg, orgId), close: async () => {} };
    }
    const pgs = decryptSettings<DedicatedPostgresSettings>(instanceSecret, row.postgres_settings);
    const chs = decryptSettings<DedicatedClickHouseSettings>(instanceSecret, row.clickhouse_settings);
    const client = chs.url ? createClient({ url: chs.url, request_timeout: 60_000 }) : ch.client;
    const app = knex({
      client: 'pg',
      connection: pgs.url
        ? databaseUrl(pgs.url, pgs.database, { user: APP_ROLE, password: appPassword })
        : connectionTo(pg, pgs.database, { user: APP_ROLE, password: appPassword }),
      pool: { min: 0, max: opts.poolMax ?? 4 },
    });
    const tenantPg: TenantPostgres = {
      dedicatedDatabase: pgs.database,
      withTenant: (scope, fn) =>
        app.transaction(async (trx) => {
          await trx.raw("SELECT set_config('app.org_id', ?, true), set_config('app.user_id', ?, true)", [orgId, scope.userId ?? '']);
          return fn(trx);
        }),
    };
    return {
      known: true,
      ch: { client, database: chs.database },
      pg: tenantPg,
      async close() {
        await app.destroy();
        if (client !== ch.client) await client.close();
      },
    };
  }

  const get = (orgId: string) => {
    let r = cache.get(orgId);
    if (!r) {
      r = resolve(orgId);
      cache.set(orgId, r);
      r.then((v) => !v.known && cache.delete(orgId), () => cache.delete(orgId));
    }
    return r;
  };

  return {
    clickhouseFor: async (orgId) => (await get(orgId)).ch,
    postgresFor: async (orgId) => (await get(orgId)).pg,
    async forget(orgId) {
      const r = cache.get(orgId);
      cache.delete(orgId);
      if (r) await (await r).close().catch(() => {});
    },
    async close() {
      const all = [...cache.values()];
      cache.clear();
      for (const r of all) await (await r).close().catch(() => {});
    },
  };
}
