import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Config } from './config/index.js';
import { openClickHouse, type ClickHouse } from './db/clickhouse.js';
import { embeddedSecret, lockDataDir } from './db/data-dir.js';
import { migrateAll } from './db/migrate.js';
import { defaultUiDir } from './db/paths.js';
import { openPostgres, type Postgres } from './db/postgres.js';
import { createApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import { createLogger, type Logger } from './log.js';
import { apiModules, type Deps, type Module } from './modules.js';
import { applyInit } from './tenancy/bootstrap.js';
import { createTenantStores } from './tenancy/stores.js';
import { VERSION } from './version.js';

export interface Stores {
  deps: Deps;
  close(): Promise<void>;
}

/**
 * Opens both databases (embedded or servers, by configuration) and migrates them.
 * The data directory is locked first whenever an embedded database lives in it.
 */
export async function openStores(config: Config, log: Logger = createLogger(config)): Promise<Stores> {
  const embedded = config.mode.postgres === 'embedded' || config.mode.clickhouse === 'embedded';
  const unlock = embedded ? lockDataDir(config.dataDir) : () => {};
  let pg: Postgres | undefined;
  let ch: ClickHouse | undefined;
  try {
    const instanceSecret = config.env.CAIRN_SECRET_KEY ?? embeddedSecret(config.dataDir);
    pg = await openPostgres(config, instanceSecret, log);
    ch = await openClickHouse(config);
    await migrateAll(pg, ch, log);
    const tenants = createTenantStores({ pg, ch, instanceSecret });
    const deps: Deps = { config, log, pg, ch, instanceSecret, tenants };
    const [p, c] = [pg, ch];
    return {
      deps,
      async close() {
        await tenants.close().catch((err) => log.warn({ err }, 'closing tenant databases'));
        await c.close().catch((err) => log.warn({ err }, 'closing ClickHouse'));
        await p.close().catch((err) => log.warn({ err }, 'closing PostgreSQL'));
        unlock();
      },
    };
  } catch (err) {
    await ch?.close().catch(() => {});
    await pg?.close().catch(() => {});
    unlock();
    throw err;
  }
}

export interface Running {
  url: string;
  port: number;
  deps: Deps;
  close(): Promise<void>;
}

/** `cairn start`: one process serving the API, the UI and embedded ingestion. */
export async function startCairn(config: Config, opts: { log?: Logger; modules?: (deps: Deps) => Module[] } = {}): Promise<Running> {
  const log = opts.log ?? createLogger(config);
  const stores = await openStores(config, log);
  const { deps } = stores;
  const modules = (opts.modules ?? apiModules)(deps);
  const started: Module[] = [];
  let server: Server | undefined;
  const sockets = new Set<Socket>();

  const close = async () => {
    if (server) {
      const s = server;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn({ open: sockets.size }, 'shutdown timeout: closing remaining connections');
          s.closeAllConnections();
        }, config.env.CAIRN_SHUTDOWN_TIMEOUT_MS);
        s.close(() => {
          clearTimeout(timer);
          resolve();
        });
        s.closeIdleConnections();
      });
    }
    for (const m of started.reverse()) await m.stop?.().catch((err) => log.error({ err, module: m.name }, 'module stop failed'));
    await stores.close();
    log.info('stopped');
  };

  try {
    if (config.init) await applyInit(deps.pg, config.init, log);
    for (const m of modules) {
      await m.start?.();
      started.push(m);
    }
    const app = createApp({
      routes: modules.flatMap((m) => m.routes ?? []),
      routers: modules.flatMap((m) => m.routers ?? []),
      authenticators: modules.flatMap((m) => m.authenticators ?? []),
      guards: modules.flatMap((m) => m.guards ?? []),
      pg: deps.pg,
      log,
      metrics: createMetrics(),
      ready: async () => {
        await Promise.all([deps.pg.ping(), deps.ch.ping()]);
      },
      uiDir: config.env.CAIRN_UI_DIR ?? defaultUiDir,
      version: VERSION,
      trustProxy: config.env.CAIRN_TRUST_PROXY,
    });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.env.CAIRN_PORT, config.env.CAIRN_HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.on('error', reject);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.env.CAIRN_HOST === '0.0.0.0' ? '127.0.0.1' : config.env.CAIRN_HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, postgres: config.mode.postgres, clickhouse: config.mode.clickhouse, version: VERSION }, 'Cairn is listening');
  return { url, port, deps, close };
}
