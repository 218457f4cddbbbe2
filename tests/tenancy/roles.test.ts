import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { makeTenant, rootBrowser, type Tenant } from './fixtures.js';
import { fill, walkRoutes, type WalkRoute } from './openapi-routes.js';

const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
const SELF_DESTRUCTIVE = new Set(['DELETE /api/v1/orgs/{orgId}', 'DELETE /api/v1/orgs/{orgId}/membership']);
const rank = (r: string) => ROLES.indexOf(r as (typeof ROLES)[number]);

/** 404s that mean "you may not see this organization/project", as opposed to a missing sub-resource. */
const accessNotFound = (r: { status: number; json?: { error?: { message?: string } } }) =>
  r.status === 404 && /^(organization|project|resource) not found$/.test(r.json?.error?.message ?? '');

describe('role × route matrix (every route of the OpenAPI document)', () => {
  let cairn: TestCairn;
  let t: Tenant;
  let outsider: Tenant;
  let routes: WalkRoute[];

  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT, CAIRN_RATE_LIMIT_USER_PER_HOUR: '0', CAIRN_RATE_LIMIT_ORG_PER_HOUR: '0' });
    const root = await rootBrowser(cairn);
    t = await makeTenant(cairn, 'Matrix', root);
    outsider = await makeTenant(cairn, 'Outside', root);
    const walked = await walkRoutes(cairn.url);
    routes = walked.routes;
    expect(walked.undeclared.filter((r) => !r.endsWith('/api/v1/capture'))).toEqual([]);
  });
  afterAll(() => cairn?.destroy());

  /**
   * Calls a route with the tenant's ids and random ids for sub-resources. Writes of allowed
   * callers send a body that fails validation (a JSON array), which the kit checks only after
   * access: a 400 proves the caller got through, without changing anything.
   */
  async function call(r: WalkRoute, key: string | undefined, ids: Record<string, string>) {
    const path = fill(r.path, ids, randomUUID);
    const body = r.method === 'GET' ? undefined : r.hasBody ? [] : undefined;
    return api(cairn.url, r.method, path, { token: key, body });
  }

  // Bodyless writes that would change the tenant for real are given a fresh resource each time.
  async function freshIds(r: WalkRoute, role: (typeof ROLES)[number]): Promise<Record<string, string>> {
    const ids: Record<string, string> = { orgId: t.orgId, projectId: t.projectId };
    if (r.method !== 'GET' && !r.hasBody && r.path.endsWith('{projectId}') || r.path.endsWith('{projectId}/token/rotate')) {
      const p = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/projects`, { token: t.users.owner.key, body: { name: `throwaway ${role}` } });
      ids.projectId = p.json.data.id;
    }
    return ids;
  }

  it('lets each role through exactly where the route declares, and refuses the rest', async () => {
    const mismatches: string[] = [];
    let cells = 0;
    for (const r of routes) {
      if (r.access.kind !== 'org' && r.access.kind !== 'project') continue;
      const need = r.access.role;
      for (const role of ROLES) {
        // Deleting the organization and leaving it are checked below, on their own tenants.
        if (SELF_DESTRUCTIVE.has(`${r.method} ${r.path}`) && rank(role) >= rank(need)) continue;
        const ids = rank(role) >= rank(need) ? await freshIds(r, role) : { orgId: t.orgId, projectId: t.projectId };
        const res = await call(r, t.users[role].key, ids);
        cells++;
        const allowed = rank(role) >= rank(need);
        const ok = allowed
          ? res.status !== 401 && res.status !== 403 && !accessNotFound(res) && res.status < 500
          : res.status === 403 && res.json?.error?.code === 'FORBIDDEN';
        if (!ok) mismatches.push(`${role} ${r.method} ${r.path} (needs ${need}): ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(cells).toBeGreaterThan(60);
  });

  it('answers 404 to members of other organizations and 401 to anonymous callers on every tenant route', async () => {
    const mismatches: string[] = [];
    for (const r of routes) {
      if (r.access.kind === 'public') continue;
      const ids = { orgId: t.orgId, projectId: t.projectId };
      const anon = await call(r, undefined, ids);
      if (anon.status !== 401) mismatches.push(`anonymous ${r.method} ${r.path}: ${anon.status}`);
      if (r.access.kind === 'org' || r.access.kind === 'project') {
        const other = await call(r, outsider.users.owner.key, ids);
        if (!accessNotFound(other)) mismatches.push(`outsider ${r.method} ${r.path}: ${other.status} ${other.text.slice(0, 120)}`);
      }
      if (r.access.kind === 'instanceAdmin') {
        const owner = await call(r, t.users.owner.key, ids);
        if (owner.status !== 404) mismatches.push(`non-admin ${r.method} ${r.path}: ${owner.status}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('lets the owner, and only the owner, delete the organization', async () => {
    const victim = await makeTenant(cairn, 'Doomed', await rootBrowser(cairn));
    for (const role of ['viewer', 'member', 'admin'] as const) {
      expect((await api(cairn.url, 'DELETE', `/api/v1/orgs/${victim.orgId}`, { token: victim.users[role].key })).status).toBe(403);
    }
    expect((await api(cairn.url, 'DELETE', `/api/v1/orgs/${victim.orgId}`, { token: victim.users.owner.key })).status).toBe(202);
  });

  it('enforces API key scopes: a read key cannot write, a write key cannot mint keys', async () => {
    const read = await api(cairn.url, 'POST', '/api/v1/me/api-keys', { token: t.users.admin.key, body: { name: 'ro', scopes: ['read'] } });
    const write = await api(cairn.url, 'POST', '/api/v1/me/api-keys', { token: t.users.admin.key, body: { name: 'rw', scopes: ['write'] } });
    const ro = read.json.data.key;
    expect((await api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}/members`, { token: ro })).status).toBe(200);
    const denied = await api(cairn.url, 'PATCH', `/api/v1/projects/${t.projectId}`, { token: ro, body: { name: 'x' } });
    expect(denied.status).toBe(403);
    expect(denied.json.error.message).toMatch(/scope/);
    expect((await api(cairn.url, 'PATCH', `/api/v1/projects/${t.projectId}`, { token: write.json.data.key, body: { name: 'Matrix web' } })).status).toBe(200);
    expect((await api(cairn.url, 'POST', '/api/v1/me/api-keys', { token: write.json.data.key, body: { name: 'more', scopes: ['admin'] } })).status).toBe(403);
  });

  it('keeps ownership with owners: admins cannot grant it or demote an owner, and the last owner stays', async () => {
    const admin = t.users.admin.key;
    const grant = await api(cairn.url, 'PATCH', `/api/v1/orgs/${t.orgId}/members/${t.users.member.id}`, { token: admin, body: { role: 'owner' } });
    expect(grant.status).toBe(403);
    const demote = await api(cairn.url, 'PATCH', `/api/v1/orgs/${t.orgId}/members/${t.users.owner.id}`, { token: admin, body: { role: 'viewer' } });
    expect(demote.status).toBe(403);
    const inviteOwner = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/invites`, { token: admin, body: { email: 'boss@x.test', role: 'owner' } });
    expect(inviteOwner.status).toBe(403);
    // the creator (instance owner) and the invited owner: remove one, the other is the last
    const members = await api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}/members`, { token: t.users.owner.key });
    const owners = members.json.data.filter((m: { role: string }) => m.role === 'owner');
    expect(owners).toHaveLength(2);
    const creator = owners.find((m: { userId: string }) => m.userId !== t.users.owner.id);
    expect((await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}/members/${creator.userId}`, { token: t.users.owner.key })).status).toBe(204);
    const last = await api(cairn.url, 'PATCH', `/api/v1/orgs/${t.orgId}/members/${t.users.owner.id}`, { token: t.users.owner.key, body: { role: 'admin' } });
    expect(last.status).toBe(409);
    const leave = await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}/membership`, { token: t.users.owner.key });
    expect(leave.status).toBe(409);
    // anyone may leave
    expect((await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}/membership`, { token: t.users.viewer.key })).status).toBe(204);
    expect((await api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}`, { token: t.users.viewer.key })).status).toBe(404);
  });
});
