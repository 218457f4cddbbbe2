import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { makeTenant, rootBrowser, type Tenant } from './fixtures.js';

describe('API rate limits per user and per organization', () => {
  let cairn: TestCairn;
  let t: Tenant;
  let other: Tenant;
  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT, CAIRN_RATE_LIMIT_PLANS: JSON.stringify({ tight: { user: 5, org: 8 } }) });
    const root = await rootBrowser(cairn);
    t = await makeTenant(cairn, 'Limited', root);
    other = await makeTenant(cairn, 'Free', root);
    expect((await root.call('PATCH', `/api/v1/admin/orgs/${t.orgId}`, { plan: 'tight' })).status).toBe(204);
  });
  afterAll(() => cairn?.destroy());

  const reset = () => cairn.deps.pg.owner('rate_counters').delete();
  const read = (key: string, orgId = t.orgId) => api(cairn.url, 'GET', `/api/v1/orgs/${orgId}/projects`, { token: key });

  it('answers 429 with Retry-After once a user passes the per-user limit of the plan', async () => {
    await reset();
    for (let i = 0; i < 5; i++) {
      const ok = await read(t.users.member.key);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit')).toBe('5');
      expect(ok.headers.get('x-ratelimit-remaining')).toBe(String(4 - i));
    }
    const limited = await read(t.users.member.key);
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('RATE_LIMITED');
    expect(limited.json.error.message).toMatch(/user/);
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(3600);
    // sessions are counted the same as keys: it is the user that is limited
    expect((await t.users.member.browser.call('GET', `/api/v1/orgs/${t.orgId}/projects`)).status).toBe(429);
    // another user of the same organization still gets through
    expect((await read(t.users.viewer.key)).status).toBe(200);
  });

  it('limits the organization as a whole across its users', async () => {
    await reset();
    for (const u of [t.users.viewer, t.users.admin]) for (let i = 0; i < 4; i++) expect((await read(u.key)).status).toBe(200);
    const limited = await read(t.users.owner.key);
    expect(limited.status).toBe(429);
    expect(limited.json.error.message).toMatch(/organization/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('applies the default limits to organizations on other plans', async () => {
    for (let i = 0; i < 12; i++) expect((await read(other.users.member.key, other.orgId)).status).toBe(200);
    const ok = await read(other.users.member.key, other.orgId);
    expect(ok.headers.get('x-ratelimit-limit')).toBe('1000');
  });

  it('keeps counters in PostgreSQL, out of reach of the app role', async () => {
    const n = await cairn.deps.pg.owner('rate_counters').count({ n: '*' });
    expect(Number(n[0]!.n)).toBeGreaterThan(0);
    await expect(cairn.deps.pg.app('rate_counters').delete()).rejects.toMatchObject({ code: '42501' });
  });
});
