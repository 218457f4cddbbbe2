import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { deriveSecret } from './secrets.js';

// Return timestamps as ISO strings and bigint counts as numbers, the same in every shape.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString());

export const APP_ROLE = 'cairn_app';
// Arbitrary, fixed key (not the migration lock's): serialises creating the app role.
const APP_ROLE_LOCK_KEY = 0x0ca1_2b;

export interface TenantScope {
  orgId?: string;
  userId?: string;
}

export interface Postgres {
  /** The schema owner: migrations, bootstrap and the few cross-tenant system lookups. */
  readonly owner: Knex;
  /** The application role: not superuser, not owner, subject to row-level security. */
  readonly app: Knex;
  /** Runs `fn` in a transaction of the app role with the tenant set for that transaction only. */
  withTenant<T>(scope: TenantScope, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Creates (or updates the password of) the login role the API uses. Idempotent. */
async function ensureAppRole(owner: Knex, password: string): Promise<void> {
  const exists = await owner.raw('SELECT 1 FROM pg_roles WHERE rolname = ?', [APP_ROLE]);
  const literal = `'${password.replace(/'/g, "''")}'`;
  if (exists.rowCount === 0) {
    await owner.raw(`CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD ${literal}`);
  } else {
    await owner.raw(`ALTER ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD ${literal}`);
  }
  const db = (await owner.raw('SELECT current_database() AS db')).rows[0].db as string;
  await owner.raw(`GRANT CONNECT ON DATABASE ${owner.client.formatter(owner.client.queryBuilder()).wrap(db)} TO ${APP_ROLE}`);
  await owner.raw(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
}

function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

export async function openPostgres(config: Config, instanceSecret: string, log: Logger): Promise<Postgres> {
  const embedded = config.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(config, instanceSecret, log);
  const ownerUrl = config.env.DATABASE_URL ?? embedded!.url;
  const pool = { min: 0, max: config.env.DATABASE_POOL_MAX };
  const owner = knex({ client: 'pg', connection: ownerUrl, pool: { min: 0, max: 2 } });
  const appPassword = deriveSecret(instanceSecret, 'postgres-app-role');
  try {
    // Replicas starting together on a fresh database: one creates the role, the others wait.
    await owner.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [APP_ROLE_LOCK_KEY]);
      await ensureAppRole(trx, appPassword);
    });
  } catch (err) {
    await owner.destroy();
    await embedded?.stop();
    throw err;
  }
  const app = knex({ client: 'pg', connection: withUser(ownerUrl, APP_ROLE, appPassword), pool });
  return {
    owner,
    app,
    withTenant(scope, fn) {
      return app.transaction(async (trx) => {
        await trx.raw("SELECT set_config('app.org_id', ?, true), set_config('app.user_id', ?, true)", [
          scope.orgId ?? '',
          scope.userId ?? '',
        ]);
        return fn(trx);
      });
    },
    async ping() {
      await app.raw('SELECT 1');
    },
    async close() {
      await app.destroy();
      await owner.destroy();
      await embedded?.stop();
    },
  };
}
