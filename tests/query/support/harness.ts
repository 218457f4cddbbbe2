import { expect } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../../support/cairn.js';

export interface QueryHarness {
  cairn: TestCairn;
  projectId: string;
  database: string;
  query(query: unknown, opts?: { refresh?: boolean; token?: string; projectId?: string }): Promise<{ status: number; json: any }>;
  /** Runs a query that must succeed and returns its `data`. */
  ok(query: unknown): Promise<any>;
}

/** A real Cairn (embedded PostgreSQL + chDB) with the init project set to `timezone`. */
export async function startQueryHarness(timezone: string, env: Record<string, string> = {}): Promise<QueryHarness> {
  const cairn = await startTestCairn({ ...INIT, ...env });
  const projects = await api(cairn.url, 'GET', '/api/v1/projects', { token: INIT.CAIRN_INIT_API_KEY });
  const projectId = projects.json.data[0].id as string;
  await cairn.deps.pg.owner('projects').where({ id: projectId }).update({ timezone });
  const query = async (q: unknown, opts: { refresh?: boolean; token?: string; projectId?: string } = {}) => {
    const send = () =>
      api(cairn.url, 'POST', `/api/v1/projects/${opts.projectId ?? projectId}/query`, {
        token: opts.token ?? INIT.CAIRN_INIT_API_KEY,
        body: { query: q, refresh: opts.refresh ?? false },
      });
    // A kept-alive socket the server closes (idle timeout) while the next request goes out fails
    // with a network error, not an HTTP status: the query is a read, so send it once more.
    return send().catch(send);
  };
  return {
    cairn,
    projectId,
    database: cairn.deps.ch.database,
    query,
    async ok(q) {
      const res = await query(q);
      if (res.status !== 200) throw new Error(`query failed ${res.status}: ${JSON.stringify(res.json)}`);
      return res.json.data;
    },
  };
}

/** Numbers equal up to float noise; everything else exactly. */
export function expectClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const tol = 1e-6 * Math.max(1, Math.abs(expected));
    if (Math.abs(actual - expected) > tol) expect.fail(`${path}: expected ${expected}, got ${actual}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) expect.fail(`${path}: expected an array, got ${JSON.stringify(actual)}`);
    if (actual.length !== expected.length)
      expect.fail(`${path}: expected length ${expected.length}, got ${actual.length}: ${JSON.stringify(actual).slice(0, 400)} vs ${JSON.stringify(expected).slice(0, 400)}`);
    expected.forEach((x, i) => expectClose(actual[i], x, `${path}[${i}]`));
    return;
  }
  if (expected && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)?.[k], v, `${path}.${k}`);
    return;
  }
  if (actual !== expected) expect.fail(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
