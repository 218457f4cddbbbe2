import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { makeTenant, rootBrowser, type Tenant } from './fixtures.js';
import { fill, walkRoutes, type WalkRoute } from './openapi-routes.js';

/**
 * The two-tenant leak walk: with organizations A and B both holding data, B's users call
 * every route of the OpenAPI document — with B's own ids (reads) and with A's ids (every
 * method) — and no answer may contain anything that identifies A's data.
 */
describe('two-tenant leak walk', () => {
  let cairn: TestCairn;
  let a: Tenant;
  let b: Tenant;
  let routes: WalkRoute[];
  const secrets = new Map<string, string>(); // value → what it is

  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT, CAIRN_RATE_LIMIT_USER_PER_HOUR: '0', CAIRN_RATE_LIMIT_ORG_PER_HOUR: '0' });
    const root = await rootBrowser(cairn);
    a = await makeTenant(cairn, 'Alphaleak', root);
    b = await makeTenant(cairn, 'Bravoleak', root);
    // the instance owner created both; step out of them so B's users are the only people in B
    for (const t of [a, b]) {
      const rootId = (await root.call('GET', '/api/v1/me')).json.data.id;
      await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}/members/${rootId}`, { token: t.users.owner.key });
    }
    // A has events with names and people only A has, and more audit history
    const sent = await api(cairn.url, 'POST', '/batch', {
      body: {
        api_key: a.projectToken,
        batch: Array.from({ length: 20 }, (_, i) => ({
          event: 'alphaleak_secret_event',
          distinct_id: `alphaleak-person-${i % 4}`,
          properties: { $current_url: 'https://alphaleak.example/secret-page', plan: 'alphaleak-plan' },
          timestamp: new Date(Date.now() - i * 60_000).toISOString(),
        })),
      },
    });
    expect(sent.status).toBe(200);
    await api(cairn.url, 'PATCH', `/api/v1/orgs/${a.orgId}`, { token: a.users.owner.key, body: { name: 'Alphaleak Renamed' } });
    // B has some of its own events, so reads over B have something to return
    await api(cairn.url, 'POST', '/batch', {
      body: { api_key: b.projectToken, batch: [{ event: 'bravo_event', distinct_id: 'bravo-person', properties: {}, timestamp: new Date().toISOString() }] },
    });

    const add = (v: string | undefined, what: string) => v && secrets.set(v, what);
    add(a.orgId, 'A org id');
    add(a.projectId, 'A project id');
    add(a.projectToken, 'A project token');
    add(a.inviteId, 'A invitation id');
    add(a.keyId, 'A API key id');
    add('Alphaleak', 'A name');
    add('alphaleak', 'A slug / event / person marker');
    for (const u of Object.values(a.users)) {
      add(u.id, 'A user id');
      add(u.email, 'A user email');
      add(u.key, 'A API key');
      add(u.key.slice(0, 13), 'A API key prefix');
    }
    const hashes = await cairn.deps.pg.owner('audit_log').where({ organization_id: a.orgId }).pluck('hash');
    for (const h of hashes as string[]) add(h, 'A audit hash');
    routes = (await walkRoutes(cairn.url)).routes;
  });
  afterAll(() => cairn?.destroy());

  const leaksIn = (text: string, exceptInRequest: string) =>
    [...secrets].filter(([v]) => text.toLowerCase().includes(v.toLowerCase()) && !exceptInRequest.toLowerCase().includes(v.toLowerCase())).map(([v, what]) => `${what} (${v.slice(0, 24)})`);

  it('detects A\'s data where it belongs (the detector works)', async () => {
    const own = await api(cairn.url, 'GET', `/api/v1/orgs/${a.orgId}/members`, { token: a.users.viewer.key });
    expect(leaksIn(own.text, '')).toEqual(expect.arrayContaining([expect.stringMatching(/A user email/)]));
  });

  it('shows B nothing of A when B reads its own data on every route', async () => {
    const bIds = { orgId: b.orgId, projectId: b.projectId, userId: b.users.member.id, inviteId: b.inviteId, keyId: b.keyId };
    const found: string[] = [];
    let calls = 0;
    for (const r of routes.filter((r) => r.method === 'GET')) {
      for (const who of [b.users.owner, b.users.viewer]) {
        const path = fill(r.path, bIds, randomUUID);
        const viaKey = await api(cairn.url, 'GET', path, { token: who.key });
        const viaSession = await who.browser.call('GET', path);
        calls += 2;
        for (const res of [viaKey, viaSession]) {
          const leaks = leaksIn(res.text, path);
          if (leaks.length) found.push(`GET ${r.path} → ${res.status}: ${leaks.join(', ')}`);
        }
      }
    }
    expect(found).toEqual([]);
    expect(calls).toBeGreaterThan(40);
  });

  it("shows B nothing of A, and changes nothing of A's, when B calls every route with A's ids", async () => {
    const aIds = { orgId: a.orgId, projectId: a.projectId, userId: a.users.member.id, inviteId: a.inviteId, keyId: a.keyId };
    const found: string[] = [];
    const reached: string[] = [];
    for (const r of routes) {
      if (r.access.kind === 'public' && r.method !== 'GET') continue; // sign-in, setup, reset: no tenant ids to aim at
      const path = fill(r.path, aIds, randomUUID);
      const body = r.method === 'GET' ? undefined : r.hasBody ? {} : undefined;
      for (const who of [b.users.owner, b.users.admin]) {
        const res = await api(cairn.url, r.method, path, { token: who.key, body });
        const leaks = leaksIn(res.text, path);
        if (leaks.length) found.push(`${r.method} ${r.path} → ${res.status}: ${leaks.join(', ')}`);
        if ((r.access.kind === 'org' || r.access.kind === 'project') && res.status !== 404) reached.push(`${r.method} ${r.path} → ${res.status}`);
      }
    }
    expect(found).toEqual([]);
    expect(reached).toEqual([]);
    // A is intact
    const org = await api(cairn.url, 'GET', `/api/v1/orgs/${a.orgId}`, { token: a.users.viewer.key });
    expect(org.json.data).toMatchObject({ name: 'Alphaleak Renamed', status: 'active' });
    const members = await api(cairn.url, 'GET', `/api/v1/orgs/${a.orgId}/members`, { token: a.users.viewer.key });
    expect(members.json.data).toHaveLength(4);
    const project = await api(cairn.url, 'GET', `/api/v1/projects/${a.projectId}`, { token: a.users.viewer.key });
    expect(project.json.data.token).toBe(a.projectToken);
    const keys = await api(cairn.url, 'GET', '/api/v1/me/api-keys', { token: a.users.owner.key });
    expect(keys.json.data.every((k: { revokedAt: string | null }) => k.revokedAt === null)).toBe(true);
    const audit = await api(cairn.url, 'GET', `/api/v1/orgs/${a.orgId}/audit/verify`, { token: a.users.owner.key });
    expect(audit.json.data.valid).toBe(true);
  });

  it("keeps B's sign-in data and audit free of A", async () => {
    const me = await b.users.owner.browser.call('GET', '/api/v1/me');
    expect(leaksIn(me.text, '')).toEqual([]);
    const exp = await api(cairn.url, 'GET', `/api/v1/orgs/${b.orgId}/audit/export?format=csv`, { token: b.users.owner.key });
    expect(exp.status).toBe(200);
    expect(leaksIn(exp.text, '')).toEqual([]);
  });
});
