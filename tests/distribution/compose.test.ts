import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../server/src/config/index.js';
import { envSchema, secretVariables } from '../../server/src/config/schema.js';
import { interpolate, InterpolationError, parseDotEnv, referencedVariables } from './compose-env.js';
import { engine, plainSettings, profileSettings } from './clickhouse-settings.js';
import { imagesTxt, root, withoutRegistry } from './support.js';

const composeFile = path.join(root, 'compose/docker-compose.yml');
const envExampleFile = path.join(root, 'compose/.env.example');
const composeText = readFileSync(composeFile, 'utf8');
const compose = parse(composeText, { merge: true });
const services: Record<string, any> = compose.services;
const envExample = parseDotEnv(readFileSync(envExampleFile, 'utf8'));
const serverVariables = Object.keys(envSchema.shape);
// Keys of .env.example that configure the Compose file itself rather than Cairn.
const composeVariables = ['REGISTRY', 'CAIRN_VERSION', 'CAIRN_HTTP_BIND', 'CAIRN_HTTP_PORT', 'POSTGRES_PASSWORD', 'CLICKHOUSE_PASSWORD', 'REDPANDA_SMP', 'REDPANDA_MEMORY'];
const cairnServices = ['migrate', 'api', 'ingest'];

/** The .env.example with every CHANGEME replaced, as compose/init-env.sh does. */
const filledEnv = () => new Map([...envExample].map(([k, v]) => [k, v === 'CHANGEME' ? `${k.toLowerCase()}_0123456789abcdef0123456789abcdef` : v]));

/** What one Cairn container's process sees: env_file (.env), overridden by `environment`. */
function containerEnv(service: string, dotEnv: Map<string, string>): Record<string, string> {
  const vars = Object.fromEntries(dotEnv);
  const env: Record<string, string> = { ...vars };
  for (const [k, v] of Object.entries(services[service].environment ?? {})) env[k] = interpolate(String(v), vars);
  return env;
}

describe('compose/docker-compose.yml', () => {
  it('gives every service a healthcheck; a one-shot service only when others wait for it to complete', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.healthcheck?.disable) {
        expect(s.restart, `${name} is one-shot`).toBe('no');
        const waiting = Object.values(services).filter((o: any) => o.depends_on?.[name]);
        expect(waiting.length, `someone waits for ${name}`).toBeGreaterThan(0);
        for (const o of waiting) expect((o as any).depends_on[name].condition).toBe('service_completed_successfully');
        continue;
      }
      expect(Array.isArray(s.healthcheck?.test) && s.healthcheck.test.length > 1, `${name} healthcheck`).toBe(true);
      expect(s.healthcheck.interval && s.healthcheck.timeout && s.healthcheck.retries, `${name} healthcheck timing`).toBeTruthy();
    }
  });

  it('starts api and ingest only on healthy stores and a completed migration; migrate waits on healthy stores', () => {
    for (const name of ['api', 'ingest']) {
      expect(services[name].depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        clickhouse: { condition: 'service_healthy' },
        redpanda: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
      expect(services[name].command).toEqual([name]);
    }
    expect(services.migrate.command).toEqual(['migrate']);
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, clickhouse: { condition: 'service_healthy' } });
    for (const s of Object.values(services)) {
      for (const dep of Object.values((s as any).depends_on ?? {})) {
        expect(['service_healthy', 'service_completed_successfully']).toContain((dep as any).condition);
      }
    }
  });

  it('checks each store the way the issue asks: rpk cluster health, /ping on 127.0.0.1, pg_isready', () => {
    expect(services.redpanda.healthcheck.test.join(' ')).toContain('rpk cluster health');
    expect(services.clickhouse.healthcheck.test.join(' ')).toContain('http://127.0.0.1:8123/ping');
    expect(services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(services.api.healthcheck.test.join(' ')).toContain('/readyz');
  });

  it('runs Redpanda in production mode with explicit cores and memory, fsync on and no telemetry', () => {
    const cmd: string[] = services.redpanda.command;
    expect(cmd.some((a) => a.startsWith('--smp='))).toBe(true);
    expect(cmd.some((a) => a.startsWith('--memory='))).toBe(true);
    expect(cmd.join(' ')).not.toMatch(/dev-container|unsafe_bypass_fsync\s*[:=]\s*true/);
    const bootstrap: string = compose.configs['redpanda-bootstrap'].content;
    expect(parse(bootstrap)).toMatchObject({ unsafe_bypass_fsync: false, enable_metrics_reporter: false });
    expect(compose.configs['clickhouse-low-memory'].content).toMatch(/<send_crash_reports><enabled>false<\/enabled><\/send_crash_reports>/);
  });

  it('prefixes every image with ${REGISTRY}, pins its version and lists it in images.txt', () => {
    const listed = new Set(imagesTxt().map(withoutRegistry));
    for (const [name, s] of Object.entries(services)) {
      const image: string = s.image;
      expect(image, name).toMatch(/^\$\{REGISTRY(:-)?\}/);
      const resolved = interpolate(image, { CAIRN_VERSION: envExample.get('CAIRN_VERSION') });
      expect(resolved, name).toMatch(/:[v]?\d+(\.\d+)+(-[a-z0-9.]+)?$/);
      expect(listed.has(resolved), `${resolved} in images.txt`).toBe(true);
      const air = interpolate(image, { REGISTRY: 'registry.airgap.internal:5000/', CAIRN_VERSION: '0.1.0' });
      expect(air.startsWith('registry.airgap.internal:5000/'), name).toBe(true);
    }
  });

  it('pins ClickHouse to the version of the embedded chDB engine, and configures only settings that engine has', () => {
    const { version, serverSettings, settings } = engine(); // e.g. 26.7.2.1
    const majorMinor = version.split('.').slice(0, 2).join('.');
    expect(services.clickhouse.image).toMatch(new RegExp(`clickhouse-server:${majorMinor.replace('.', '\\.')}(\\.|$)`));
    const server: string = compose.configs['clickhouse-low-memory'].content;
    const users: string = compose.configs['clickhouse-low-memory-users'].content;
    expect(plainSettings(server).length).toBeGreaterThan(3);
    for (const name of plainSettings(server)) expect(serverSettings.has(name), `server setting ${name}`).toBe(true);
    expect(profileSettings(users).length).toBeGreaterThan(3);
    for (const name of profileSettings(users)) expect(settings.has(name), `profile setting ${name}`).toBe(true);
    // A smaller background pool than MergeTree's free-entry thresholds makes every table fail to load.
    expect(server).not.toMatch(/<background_pool_size>/);
  });

  it('caps every service memory so the whole stack fits a 4 GB host', () => {
    const bytes = (v: string) => Number.parseFloat(v) * { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[v.replace(/^[\d.]+/, '')[0]!.toUpperCase() as 'K' | 'M' | 'G'];
    let total = 0;
    for (const [name, s] of Object.entries(services)) {
      const limit = s.deploy?.resources?.limits?.memory;
      expect(limit, `${name} memory limit`).toBeTruthy();
      if (name !== 'migrate') total += bytes(limit); // one-shot: done before the others start
    }
    console.info(`compose memory limits, long-running services: ${(total / 1024 ** 3).toFixed(2)} GiB`);
    expect(total).toBeLessThanOrEqual(4.5 * 1024 ** 3);
    const redpandaMemory = bytes(interpolate(services.redpanda.command.find((a: string) => a.startsWith('--memory=')).slice(9), Object.fromEntries(envExample)));
    expect(redpandaMemory).toBeLessThan(bytes(services.redpanda.deploy.resources.limits.memory));
  });

  it('keeps data in named volumes, rotates logs and hardens the Cairn containers', () => {
    const declared = new Set(Object.keys(compose.volumes));
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0] : v.source;
        expect(declared.has(source), `${name}: ${source} is a named volume`).toBe(true);
      }
      expect(s.logging?.driver, name).toBe('json-file');
      expect(s.logging.options['max-size'] && s.logging.options['max-file'], name).toBeTruthy();
    }
    for (const name of cairnServices) {
      expect(services[name].read_only, name).toBe(true);
      expect(services[name].cap_drop, name).toEqual(['ALL']);
    }
  });
});

describe('compose/.env.example', () => {
  it('lists every variable the server reads', () => {
    const missing = serverVariables.filter((k) => !envExample.has(k));
    expect(missing, 'add these to compose/.env.example').toEqual([]);
  });

  it('lists nothing the server does not read, except the Compose file own variables, each of them used', () => {
    const known = new Set([...serverVariables, ...composeVariables]);
    const unknown = [...envExample.keys()].filter((k) => !known.has(k));
    expect(unknown, 'not read by Cairn nor by docker-compose.yml').toEqual([]);
    const used = referencedVariables(composeText);
    for (const k of composeVariables) {
      expect(envExample.has(k), `${k} in .env.example`).toBe(true);
      expect(used.has(k), `${k} used by docker-compose.yml`).toBe(true);
    }
    for (const k of used) expect(envExample.has(k), `docker-compose.yml uses ${k}: list it in .env.example`).toBe(true);
  });

  it('ships CHANGEME for the secrets and nothing secret-looking otherwise', () => {
    for (const k of ['CAIRN_SECRET_KEY', 'POSTGRES_PASSWORD', 'CLICKHOUSE_PASSWORD']) expect(envExample.get(k), k).toBe('CHANGEME');
    for (const k of secretVariables) expect(['', 'CHANGEME']).toContain(envExample.get(k));
  });

  it('once filled in, gives every Cairn service a valid distributed configuration', () => {
    for (const name of cairnServices) {
      const config = loadConfig(containerEnv(name, filledEnv()), '/');
      expect(config.mode, name).toEqual({ postgres: 'server', clickhouse: 'server' });
      expect(config.env.DATABASE_URL, name).toMatch(/^postgres:\/\/cairn:postgres_password_0123.*@postgres:5432\/cairn$/);
      expect(config.env.CLICKHOUSE_URL, name).toMatch(/^http:\/\/cairn:clickhouse_password_0123.*@clickhouse:8123$/);
      expect(config.env.KAFKA_BROKERS, name).toEqual(['redpanda:9092']);
      expect(config.env.CAIRN_PORT, name).toBe(8000);
    }
  });

  it('as shipped (CHANGEME left in), is refused with a clear message instead of starting insecurely', () => {
    expect(() => loadConfig(containerEnv('api', envExample), '/')).toThrow(ConfigError);
    expect(() => loadConfig(containerEnv('api', envExample), '/')).toThrow(/CAIRN_SECRET_KEY: must be at least 32 characters/);
  });

  it('without a password, makes compose itself stop with the name of the missing variable', () => {
    const env = filledEnv();
    env.delete('POSTGRES_PASSWORD');
    expect(() => containerEnv('api', env)).toThrow(InterpolationError);
    expect(() => containerEnv('api', env)).toThrow(/POSTGRES_PASSWORD.*set POSTGRES_PASSWORD in compose\/\.env/);
  });
});

describe('compose/init-env.sh', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cairn-compose-'));
    cpSync(path.join(root, 'compose'), dir, { recursive: true, filter: (src) => !src.endsWith('/.env') });
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('writes .env with a distinct generated secret for every CHANGEME, readable by its owner only', () => {
    const r = spawnSync('sh', [path.join(dir, 'init-env.sh')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const env = parseDotEnv(readFileSync(path.join(dir, '.env'), 'utf8'));
    expect([...env.keys()]).toEqual([...envExample.keys()]);
    const secrets = [...envExample].filter(([, v]) => v === 'CHANGEME').map(([k]) => env.get(k)!);
    expect(secrets.length).toBe(3);
    for (const s of secrets) expect(s).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(statSync(path.join(dir, '.env')).mode & 0o077).toBe(0);
    expect(() => loadConfig(containerEnv('api', env), '/')).not.toThrow();
  });

  it('refuses to overwrite an existing .env', () => {
    expect(existsSync(path.join(dir, '.env'))).toBe(true);
    const before = readFileSync(path.join(dir, '.env'), 'utf8');
    const r = spawnSync('sh', [path.join(dir, 'init-env.sh')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('exists');
    expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(before);
  });
});
