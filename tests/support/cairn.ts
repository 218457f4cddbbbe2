import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config/index.js';
import type { Deps, Module } from '../../server/src/modules.js';
import { startCairn, type Running } from '../../server/src/server.js';

export interface TestCairn extends Running {
  dataDir: string;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

export const INIT = {
  CAIRN_INIT_ORG_NAME: 'Acme',
  CAIRN_INIT_PROJECT_NAME: 'Web app',
  CAIRN_INIT_PROJECT_TOKEN: 'cairn_pt_test_0123456789abcdefghijklmnopqrstuv',
  CAIRN_INIT_USER_EMAIL: 'owner@acme.test',
  CAIRN_INIT_USER_PASSWORD: 'correct horse battery staple',
  CAIRN_INIT_API_KEY: 'cairn_pk_test_0123456789abcdefghijklmnopqrstuv',
} as const;

export const newDataDir = () => mkdtempSync(path.join(tmpdir(), 'cairn-test-'));

/**
 * Starts a real Cairn (embedded PostgreSQL + chDB) on a free loopback port.
 * One per test file: chDB allows one data path per process.
 */
export async function startTestCairn(
  env: Record<string, string> = {},
  opts: { dataDir?: string; modules?: (deps: Deps) => Module[] } = {},
): Promise<TestCairn> {
  const dataDir = opts.dataDir ?? newDataDir();
  const config = loadConfig({
    CAIRN_DATA_DIR: dataDir,
    CAIRN_PORT: '0',
    CAIRN_HOST: '127.0.0.1',
    CAIRN_LOG_LEVEL: process.env.CAIRN_TEST_LOG_LEVEL ?? 'silent',
    CAIRN_SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  });
  const running = await startCairn(config, { modules: opts.modules });
  return {
    ...running,
    dataDir,
    async destroy() {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch against the running server, JSON in and out. */
export async function api(base: string, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}
