import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { api, INIT, newDataDir } from '../support/cairn.js';
import { repoRoot, runCli, type CairnProcess } from '../support/process.js';

const dataDir = newDataDir();
const env = { ...INIT, CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_HOST: '127.0.0.1' };
const running: CairnProcess[] = [];

function start(extra: Record<string, string> = {}) {
  const p = runCli(['start'], { ...env, ...extra });
  running.push(p);
  return p;
}

afterAll(() => {
  for (const p of running) p.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('cairn start as a process', () => {
  it('serves, refuses a second process on the same data dir, stops on SIGTERM and keeps data across restarts', async () => {
    const first = start();
    const { url } = (await first.waitFor(/Cairn is listening/)) as { url: string };
    expect((await api(url, 'GET', '/readyz')).status).toBe(200);

    const second = start();
    const out = await second.exited;
    expect(out.code).toBe(1);
    expect(second.lines.join('\n')).toMatch(new RegExp(`Another Cairn process \\(pid ${first.child.pid}\\) is using the data directory`));
    // The first one is untouched by the attempt.
    expect((await api(url, 'GET', '/readyz')).status).toBe(200);

    // An idle keep-alive connection must not hold the shutdown open.
    await fetch(`${url}/healthz`, { keepalive: true });
    first.child.kill('SIGTERM');
    await first.waitFor(/^stopped$/);
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const again = start();
    const { url: url2 } = (await again.waitFor(/Cairn is listening/)) as { url: string };
    const projects = await api(url2, 'GET', '/api/v1/projects', { token: INIT.CAIRN_INIT_API_KEY });
    expect(projects.json.data.map((p: { name: string }) => p.name)).toEqual([INIT.CAIRN_INIT_PROJECT_NAME]);
    // Init is idempotent: the second boot created nothing new.
    const init = again.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'headless init applied');
    expect(init.created).toEqual({ user: false, org: false, project: false, apiKey: false });
    again.child.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
  });
});

describe('after a crash', () => {
  it('restarts on the same data directory after SIGKILL, with the data it had', async () => {
    const dir = newDataDir();
    try {
      const crashed = runCli(['start'], { ...env, CAIRN_DATA_DIR: dir });
      running.push(crashed);
      const { url } = (await crashed.waitFor(/Cairn is listening/)) as { url: string };
      expect((await api(url, 'GET', '/readyz')).status).toBe(200);
      crashed.child.kill('SIGKILL');
      await crashed.exited;

      // The embedded PostgreSQL it started is now an orphan holding the data directory.
      const next = runCli(['start'], { ...env, CAIRN_DATA_DIR: dir });
      running.push(next);
      const { url: url2 } = (await next.waitFor(/Cairn is listening/)) as { url: string };
      expect(next.lines.some((l) => l.includes('orphaned embedded PostgreSQL'))).toBe(true);
      const projects = await api(url2, 'GET', '/api/v1/projects', { token: INIT.CAIRN_INIT_API_KEY });
      expect(projects.status).toBe(200);
      expect(projects.json.data).toHaveLength(1);
      next.child.kill('SIGTERM');
      expect(await next.exited).toEqual({ code: 0, signal: null });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedding Cairn in a program', () => {
  it('lets the program end cleanly after close(), with nothing printed after it', () => {
    const dir = newDataDir();
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/foundation/fixtures/start-and-close.mts', dir], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('closed');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the CLI', () => {
  it('prints help for itself and every command', async () => {
    const top = runCli(['--help'], {});
    expect((await top.exited).code).toBe(0);
    expect(top.lines.join('\n')).toMatch(/Usage: cairn <command>/);
    for (const cmd of ['start', 'migrate']) {
      const p = runCli([cmd, '--help'], {});
      expect((await p.exited).code).toBe(0);
      expect(p.lines.join('\n')).toMatch(new RegExp(`Usage: cairn ${cmd}`));
    }
  });

  it('rejects an unknown command', async () => {
    const p = runCli(['frobnicate'], {});
    expect((await p.exited).code).toBe(1);
    expect(p.lines.join('\n')).toMatch(/unknown command "frobnicate"/);
  });

  it('stops on invalid configuration, naming the variable', async () => {
    const p = runCli(['start'], { CAIRN_PORT: 'eighty', CAIRN_DATA_DIR: dataDir });
    expect((await p.exited).code).toBe(1);
    expect(p.lines.join('\n')).toMatch(/Invalid configuration:\n\s+- CAIRN_PORT: /);
  });

  it('migrates and exits', async () => {
    const dir = newDataDir();
    try {
      const p = runCli(['migrate'], { CAIRN_DATA_DIR: dir });
      const applied = await p.waitFor(/migrations applied/);
      expect(applied.postgres).toContain('20261122000100_tenancy_core.js');
      expect(applied.clickhouse).toContain('0001_events.sql');
      expect((await p.exited).code).toBe(0);
      const p2 = runCli(['migrate'], { CAIRN_DATA_DIR: dir });
      expect(await p2.waitFor(/migrations applied/)).toMatchObject({ postgres: [], clickhouse: [] });
      expect((await p2.exited).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
