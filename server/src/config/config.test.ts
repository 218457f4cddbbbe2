import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/srv');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('defaults to the embedded shape on :8000 with ./data', () => {
    const c = loadConfig({}, '/srv');
    expect(c.env.CAIRN_PORT).toBe(8000);
    expect(c.dataDir).toBe('/srv/data');
    expect(c.mode).toEqual({ postgres: 'embedded', clickhouse: 'embedded' });
    expect(c.init).toBeUndefined();
  });

  it('is frozen', () => {
    const c = loadConfig({}, '/srv');
    expect(Object.isFrozen(c) && Object.isFrozen(c.env)).toBe(true);
  });

  it('names the variable and the problem', () => {
    expect(problemsOf({ CAIRN_PORT: 'eighty' })).toEqual([expect.stringMatching(/^CAIRN_PORT: /)]);
    expect(problemsOf({ DATABASE_URL: 'mysql://x' })[0]).toMatch(/^DATABASE_URL: must be a postgres/);
    expect(problemsOf({ CAIRN_LOG_LEVEL: 'loud' })[0]).toMatch(/^CAIRN_LOG_LEVEL: /);
  });

  it('switches each store to a server when its URL is set, and then needs a secret key', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://u:p@db/cairn' })).toEqual([expect.stringMatching(/^CAIRN_SECRET_KEY: required/)]);
    const c = loadConfig({ DATABASE_URL: 'postgres://u:p@db/cairn', CAIRN_SECRET_KEY: 'k'.repeat(32) }, '/srv');
    expect(c.mode).toEqual({ postgres: 'server', clickhouse: 'embedded' });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', CAIRN_PORT: '' }, '/srv').mode.postgres).toBe('embedded');
  });

  it('reads *_FILE secrets and refuses both forms at once', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    const file = path.join(dir, 'key');
    writeFileSync(file, 's'.repeat(40) + '\n');
    expect(loadConfig({ CAIRN_SECRET_KEY_FILE: file }, '/srv').env.CAIRN_SECRET_KEY).toBe('s'.repeat(40));
    expect(problemsOf({ CAIRN_SECRET_KEY_FILE: file, CAIRN_SECRET_KEY: 'x'.repeat(32) })[0]).toMatch(/both set/);
    expect(problemsOf({ CAIRN_SECRET_KEY_FILE: path.join(dir, 'missing') })[0]).toMatch(/CAIRN_SECRET_KEY_FILE: cannot read .* \(ENOENT\)/);
  });

  it('needs every CAIRN_INIT_* variable once one is set, and 32-character token and key', () => {
    expect(problemsOf({ CAIRN_INIT_ORG_NAME: 'Acme' })[0]).toMatch(/CAIRN_INIT_PROJECT_NAME, .*required when any CAIRN_INIT_/);
    const short = problemsOf({
      CAIRN_INIT_ORG_NAME: 'Acme',
      CAIRN_INIT_PROJECT_NAME: 'Web',
      CAIRN_INIT_PROJECT_TOKEN: 'short',
      CAIRN_INIT_USER_EMAIL: 'a@b.co',
      CAIRN_INIT_USER_PASSWORD: 'long enough password',
    });
    expect(short).toEqual(['CAIRN_INIT_PROJECT_TOKEN: must be at least 32 characters']);
  });

  it('lower-cases the initial email', () => {
    const c = loadConfig(
      {
        CAIRN_INIT_ORG_NAME: 'Acme',
        CAIRN_INIT_PROJECT_NAME: 'Web',
        CAIRN_INIT_PROJECT_TOKEN: 't'.repeat(32),
        CAIRN_INIT_USER_EMAIL: 'Owner@Acme.Test',
        CAIRN_INIT_USER_PASSWORD: 'long enough password',
      },
      '/srv',
    );
    expect(c.init?.userEmail).toBe('owner@acme.test');
  });
});
