import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { makeTenant, PASSWORD, rootBrowser, type Tenant } from './fixtures.js';

describe('audit log', () => {
  let cairn: TestCairn;
  let t: Tenant;
  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT });
    t = await makeTenant(cairn, 'Audited', await rootBrowser(cairn));
  });
  afterAll(() => cairn?.destroy());

  const get = (path: string, key = t.users.admin.key) => api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}${path}`, { token: key });

  it('records security-relevant actions with actor, target, IP and time', async () => {
    const o = t.users.owner.key;
    await t.users.member.browser.login(t.users.member.email, PASSWORD);
    await api(cairn.url, 'PATCH', `/api/v1/orgs/${t.orgId}/members/${t.users.viewer.id}`, { token: o, body: { role: 'member' } });
    await api(cairn.url, 'PATCH', `/api/v1/orgs/${t.orgId}`, { token: o, body: { name: 'Audited Inc' } });
    const list = await get('/audit?limit=200');
    expect(list.status).toBe(200);
    const actions = new Set(list.json.data.map((e: { action: string }) => e.action));
    for (const a of ['organization.created', 'project.created', 'member.invited', 'member.joined', 'api_key.created', 'auth.login', 'member.role_changed', 'organization.settings_changed']) {
      expect(actions).toContain(a);
    }
    const change = list.json.data.find((e: { action: string }) => e.action === 'member.role_changed');
    expect(change).toMatchObject({ actorId: t.users.owner.id, actorEmail: t.users.owner.email, targetType: 'user', targetId: t.users.viewer.id, data: { from: 'viewer', to: 'member' } });
    expect(change.ip).toMatch(/127\.0\.0\.1/);
    expect(Date.parse(change.at)).toBeGreaterThan(Date.now() - 60_000);
    await api(cairn.url, 'PATCH', `/api/v1/orgs/${t.orgId}/members/${t.users.viewer.id}`, { token: o, body: { role: 'viewer' } });
  });

  it('is readable by owners and admins only', async () => {
    expect((await get('/audit', t.users.owner.key)).status).toBe(200);
    expect((await get('/audit', t.users.member.key)).status).toBe(403);
    expect((await get('/audit', t.users.viewer.key)).status).toBe(403);
  });

  it('exports CSV and JSON, oldest first', async () => {
    const json = await get('/audit/export?format=json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/application\/json/);
    expect(json.headers.get('content-disposition')).toMatch(/attachment/);
    const entries = JSON.parse(json.text);
    expect(entries[0].seq).toBe(1);
    expect(entries.map((e: { seq: number }) => e.seq)).toEqual(entries.map((_: unknown, i: number) => i + 1));
    const csv = await get('/audit/export?format=csv&action=member.invited');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('seq,id,at,actorId,actorEmail,impersonatorId,action,targetType,targetId,ip,userAgent,data,hash');
    expect(lines.length).toBe(1 + 5); // four roles and one pending invitation
    expect(lines.slice(1).every((l) => l.includes('member.invited'))).toBe(true);
    const bad = await get('/audit/export?format=xml');
    expect(bad.status).toBe(400);
  });

  it('verifies its hash chain, and detects a row altered directly in the database', async () => {
    const ok = await get('/audit/verify');
    expect(ok.status).toBe(200);
    expect(ok.json.data.valid).toBe(true);
    expect(ok.json.data.entries).toBeGreaterThan(10);
    const newest = await cairn.deps.pg.owner('audit_log').where({ organization_id: t.orgId }).orderBy('seq', 'desc').first('seq', 'hash');
    expect(ok.json.data.head).toEqual({ seq: newest.seq, hash: newest.hash });
    expect(ok.json.data.entries).toBe(newest.seq);

    // the schema owner (not the app role, which cannot) rewrites history
    const victim = await cairn.deps.pg.owner('audit_log').where({ organization_id: t.orgId, action: 'member.invited' }).orderBy('seq').first('seq');
    await cairn.deps.pg.owner('audit_log').where({ organization_id: t.orgId, seq: victim.seq }).update({ data: JSON.stringify({ email: 'someone-else@x.test', role: 'viewer' }) });
    const bad = await get('/audit/verify');
    expect(bad.json.data).toEqual({ valid: false, entries: expect.any(Number), firstInvalid: { seq: victim.seq, reason: 'hash_mismatch' }, head: null });
  });

  it('detects a deleted row and a recomputed-but-relinked row', async () => {
    const other = await makeTenant(cairn, 'Second', await rootBrowser(cairn));
    const verify = () => api(cairn.url, 'GET', `/api/v1/orgs/${other.orgId}/audit/verify`, { token: other.users.owner.key });
    expect((await verify()).json.data.valid).toBe(true);
    await cairn.deps.pg.owner('audit_log').where({ organization_id: other.orgId, seq: 3 }).delete();
    expect((await verify()).json.data.firstInvalid).toEqual({ seq: 3, reason: 'missing_row' });
  });

  it('keeps chains per organization: appends to one do not disturb another', async () => {
    const fresh = await makeTenant(cairn, 'Third', await rootBrowser(cairn));
    const n = await cairn.deps.pg.owner('audit_log').where({ organization_id: fresh.orgId }).min({ s: 'seq' });
    expect(n[0]!.s).toBe(1);
    const v = await api(cairn.url, 'GET', `/api/v1/orgs/${fresh.orgId}/audit/verify`, { token: fresh.users.admin.key });
    expect(v.json.data.valid).toBe(true);
  });

  it('keeps the chain intact under concurrent appends', async () => {
    const fresh = await makeTenant(cairn, 'Busy', await rootBrowser(cairn));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => api(cairn.url, 'PATCH', `/api/v1/orgs/${fresh.orgId}`, { token: fresh.users.owner.key, body: { name: `Busy ${i}` } })),
    );
    const v = await api(cairn.url, 'GET', `/api/v1/orgs/${fresh.orgId}/audit/verify`, { token: fresh.users.admin.key });
    expect(v.json.data.valid).toBe(true);
  });
});
