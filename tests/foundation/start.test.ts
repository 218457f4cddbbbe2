import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';

describe('a fresh embedded Cairn with CAIRN_INIT_*', () => {
  let cairn: TestCairn;
  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT });
  });
  afterAll(() => cairn?.destroy());

  it('is alive and ready', async () => {
    expect((await api(cairn.url, 'GET', '/healthz')).status).toBe(200);
    const ready = await api(cairn.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready' });
  });

  it('lists the initial project to the initial API key', async () => {
    const res = await api(cairn.url, 'GET', '/api/v1/projects', { token: INIT.CAIRN_INIT_API_KEY });
    expect(res.status).toBe(200);
    expect(res.json.data).toHaveLength(1);
    expect(res.json.data[0]).toMatchObject({ name: INIT.CAIRN_INIT_PROJECT_NAME, token: INIT.CAIRN_INIT_PROJECT_TOKEN, timezone: 'UTC' });
    expect(res.json.meta.pagination).toEqual({ limit: 100, offset: 0, total: 1 });
  });

  it('refuses an unknown key and a missing key with UNAUTHENTICATED', async () => {
    const bad = await api(cairn.url, 'GET', '/api/v1/projects', { token: 'cairn_pk_not_a_real_key_at_all_000000000' });
    expect(bad.status).toBe(401);
    expect(bad.json.error.code).toBe('UNAUTHENTICATED');
    const none = await api(cairn.url, 'GET', '/api/v1/projects');
    expect(none.status).toBe(401);
  });

  it('reports the instance as initialised, so setup is closed', async () => {
    expect((await api(cairn.url, 'GET', '/api/v1/setup')).json.data).toEqual({ initialised: true });
    const again = await api(cairn.url, 'POST', '/api/v1/setup', {
      body: { email: 'x@y.test', password: 'long enough password', orgName: 'X', projectName: 'Y' },
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('CONFLICT');
  });
});
