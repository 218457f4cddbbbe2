import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeDueOrganizations } from '../../server/src/tenancy/lifecycle.js';
import { dedicatedDatabaseName } from '../../server/src/tenancy/dedicated.js';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { Browser } from './helpers.js';
import { makeTenant, rootBrowser, type Tenant } from './fixtures.js';

const batch = (token: string, n: number, prefix: string) => ({
  api_key: token,
  batch: Array.from({ length: n }, (_, i) => ({ event: 'signed_up', distinct_id: `${prefix}-${i}`, properties: { plan: 'pro' }, timestamp: new Date().toISOString() })),
});

async function countEvents(cairn: TestCairn, database: string, projectId: string): Promise<number> {
  const rows = await (
    await cairn.deps.ch.client.query({
      query: `SELECT count() AS n FROM ${database}.events WHERE project_id = {p:UUID}`,
      query_params: { p: projectId },
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>();
  return Number(rows[0]!.n);
}

describe('dedicated isolation', () => {
  let cairn: TestCairn;
  let root: Browser;
  let orgId: string;
  let projectId: string;
  let token: string;
  let dbName: string;

  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT, CAIRN_ORG_DELETE_GRACE_HOURS: '0' });
    root = await rootBrowser(cairn);
  });
  afterAll(() => cairn?.destroy());

  it('provisions and migrates its own PostgreSQL and ClickHouse databases at creation', async () => {
    const started = Date.now();
    const res = await root.call('POST', '/api/v1/orgs', { name: 'Vault Corp', isolation: 'dedicated' });
    const seconds = (Date.now() - started) / 1000;
    console.log(`dedicated organization created (PostgreSQL + ClickHouse databases provisioned and migrated) in ${seconds.toFixed(2)} s`);
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ isolation: 'dedicated', role: 'owner', status: 'active' });
    orgId = res.json.data.id;
    dbName = dedicatedDatabaseName(orgId);

    const pgDb = await cairn.deps.pg.owner.raw('SELECT datname FROM pg_database WHERE datname = ?', [dbName]);
    expect(pgDb.rowCount).toBe(1);
    const chDbs = await (await cairn.deps.ch.client.query({ query: 'SELECT name FROM system.databases', format: 'JSONEachRow' })).json<{ name: string }>();
    expect(chDbs.map((d) => d.name)).toContain(dbName);
    const tables = await (await cairn.deps.ch.client.query({ query: 'SELECT name FROM system.tables WHERE database = {d:String}', query_params: { d: dbName }, format: 'JSONEachRow' })).json<{ name: string }>();
    expect(tables.map((t) => t.name)).toContain('events');

    // connection settings are stored encrypted
    const sealed = await cairn.deps.pg.owner('tenant_databases').where({ organization_id: orgId }).first();
    expect(sealed.postgres_settings).toMatch(/^v1\./);
    expect(sealed.postgres_settings + sealed.clickhouse_settings).not.toContain(dbName);
  });

  it('refuses dedicated isolation to anyone but an instance administrator', async () => {
    const t = await makeTenant(cairn, 'Plain', root);
    const res = await api(cairn.url, 'POST', '/api/v1/orgs', { token: t.users.owner.key, body: { name: 'Sneaky', isolation: 'dedicated' } });
    expect(res.status).toBe(403);
    const shared = await api(cairn.url, 'POST', '/api/v1/orgs', { token: t.users.owner.key, body: { name: 'Fine' } });
    expect(shared.status).toBe(201);
    expect(shared.json.data.isolation).toBe('shared');
  });

  it("writes the organization's events to its own ClickHouse database, none to the shared one", async () => {
    const p = await root.call('POST', `/api/v1/orgs/${orgId}/projects`, { name: 'Vault web' });
    expect(p.status).toBe(201);
    projectId = p.json.data.id;
    token = p.json.data.token;
    const sent = await api(cairn.url, 'POST', '/batch', { body: batch(token, 7, 'v') });
    expect(sent.status).toBe(200);
    expect(await countEvents(cairn, dbName, projectId)).toBe(7);
    expect(await countEvents(cairn, cairn.deps.ch.database, projectId)).toBe(0);
    const handle = await cairn.deps.tenants.clickhouseFor(orgId);
    expect(handle.database).toBe(dbName);
    const shared = await cairn.deps.tenants.clickhouseFor((await root.call('GET', '/api/v1/orgs')).json.data.find((o: { isolation: string }) => o.isolation === 'shared').id);
    expect(shared.database).toBe(cairn.deps.ch.database);
  });

  it('gives a tenant-scoped PostgreSQL handle on its own database, still under row-level security', async () => {
    const db = await cairn.deps.tenants.postgresFor(orgId);
    expect(db.dedicatedDatabase).toBe(dbName);
    const who = await db.withTenant({}, (trx) => trx.raw('SELECT current_database() AS d, current_user AS u'));
    expect(who.rows[0]).toEqual({ d: dbName, u: 'cairn_app' });
    // the project (mirrored control-plane row) is there, so tenant tables can reference it
    await db.withTenant({}, (trx) =>
      trx('insights').insert({ organization_id: orgId, project_id: projectId, name: 'Kept apart', query: JSON.stringify({ kind: 'trends' }) }),
    );
    const inOwn = await db.withTenant({}, (trx) => trx('insights').where({ name: 'Kept apart' }).count({ n: '*' }));
    expect(Number(inOwn[0]!.n)).toBe(1);
    const inShared = await cairn.deps.pg.owner('insights').where({ name: 'Kept apart' }).count({ n: '*' });
    expect(Number(inShared[0]!.n)).toBe(0);
    // another organization's tenant on the same handle's database sees nothing
    const other = await cairn.deps.tenants.postgresFor('00000000-0000-4000-8000-000000000000');
    expect(other.dedicatedDatabase).toBeUndefined();
    const sharedHandle = await cairn.deps.tenants.postgresFor((await root.call('GET', '/api/v1/orgs')).json.data.find((o: { isolation: string }) => o.isolation === 'shared').id);
    const leaked = await sharedHandle.withTenant({}, (trx) => trx('insights').where({ name: 'Kept apart' }).count({ n: '*' }));
    expect(Number(leaked[0]!.n)).toBe(0);
  });

  it('lists every organization with its usage to the instance administrator only', async () => {
    const res = await root.call('GET', '/api/v1/admin/orgs');
    expect(res.status).toBe(200);
    const vault = res.json.data.find((o: { id: string }) => o.id === orgId);
    expect(vault).toMatchObject({ isolation: 'dedicated', projects: 1, members: 1, events: 7 });
    const t = await makeTenant(cairn, 'Nosy', root);
    expect((await api(cairn.url, 'GET', '/api/v1/admin/orgs', { token: t.users.owner.key })).status).toBe(404);
  });

  it('drops its databases when purged after deletion', async () => {
    const del = await root.call('DELETE', `/api/v1/orgs/${orgId}`);
    expect(del.status).toBe(202);
    expect(del.json.data.status).toBe('deleting');
    const purged = await purgeDueOrganizations(cairn.deps);
    expect(purged).toContain(orgId);
    expect((await cairn.deps.pg.owner.raw('SELECT 1 FROM pg_database WHERE datname = ?', [dbName])).rowCount).toBe(0);
    const chDbs = await (await cairn.deps.ch.client.query({ query: 'SELECT name FROM system.databases', format: 'JSONEachRow' })).json<{ name: string }>();
    expect(chDbs.map((d) => d.name)).not.toContain(dbName);
    expect((await root.call('GET', `/api/v1/orgs/${orgId}`)).status).toBe(404);
  });
});

describe('organization lifecycle', () => {
  let cairn: TestCairn;
  let root: Browser;
  let t: Tenant;
  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT, CAIRN_ORG_DELETE_GRACE_HOURS: '0' });
    root = await rootBrowser(cairn);
    t = await makeTenant(cairn, 'Cycle', root);
  });
  afterAll(() => cairn?.destroy());

  it('makes a suspended organization read-only and refuses its ingestion with ORG_SUSPENDED', async () => {
    const noReason = await root.call('POST', `/api/v1/admin/orgs/${t.orgId}/suspend`, {});
    expect(noReason.status).toBe(400);
    expect((await root.call('POST', `/api/v1/admin/orgs/${t.orgId}/suspend`, { reason: 'unpaid invoice #42' })).status).toBe(204);
    const read = await api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}/projects`, { token: t.users.owner.key });
    expect(read.status).toBe(200);
    const write = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/projects`, { token: t.users.owner.key, body: { name: 'No' } });
    expect(write.status).toBe(403);
    expect(write.json.error.code).toBe('ORG_SUSPENDED');
    const projectWrite = await api(cairn.url, 'PATCH', `/api/v1/projects/${t.projectId}`, { token: t.users.owner.key, body: { name: 'No' } });
    expect(projectWrite.json.error.code).toBe('ORG_SUSPENDED');
    // a POST that only reads (declared with the read scope) still works: it fails validation here, not suspension
    const query = await api(cairn.url, 'POST', `/api/v1/projects/${t.projectId}/query`, { token: t.users.viewer.key, body: [] });
    expect(query.status).toBe(400);
    const capture = await api(cairn.url, 'POST', '/batch', { body: batch(t.projectToken, 1, 's') });
    expect(capture.status).toBe(403);
    expect(capture.text).toContain('ORG_SUSPENDED');
    // the organization's own owner cannot lift an operator's suspension, not even through the database
    await expect(
      cairn.deps.pg.withTenant({ orgId: t.orgId }, (trx) => trx('organizations').where({ id: t.orgId }).update({ status: 'active' })),
    ).rejects.toMatchObject({ code: '23514' });
    expect((await root.call('POST', `/api/v1/admin/orgs/${t.orgId}/unsuspend`)).status).toBe(204);
    const again = await api(cairn.url, 'PATCH', `/api/v1/projects/${t.projectId}`, { token: t.users.owner.key, body: { name: 'Cycle web' } });
    expect(again.status).toBe(200);
    const audit = await api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}/audit?action=organization.suspended`, { token: t.users.owner.key });
    expect(audit.json.data[0].data).toEqual({ reason: 'unpaid invoice #42' });
  });

  it('lets only the owner delete, keeps a deleting organization read-only and restorable, then purges metadata and events', async () => {
    // a new project: capture caches token lookups (with the suspension) for a while
    const p = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/projects`, { token: t.users.admin.key, body: { name: 'Cycle events' } });
    const sent = await api(cairn.url, 'POST', '/batch', { body: batch(p.json.data.token, 3, 'd') });
    expect(sent.status).toBe(200);
    expect(await countEvents(cairn, cairn.deps.ch.database, p.json.data.id)).toBe(3);

    expect((await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}`, { token: t.users.admin.key })).status).toBe(403);
    const del = await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}`, { token: t.users.owner.key });
    expect(del.status).toBe(202);
    expect(del.json.data.purgeAfter).toEqual(expect.any(String));
    const write = await api(cairn.url, 'PATCH', `/api/v1/orgs/${t.orgId}`, { token: t.users.owner.key, body: { name: 'x' } });
    expect(write.json.error.code).toBe('ORG_SUSPENDED');
    const restored = await api(cairn.url, 'POST', `/api/v1/orgs/${t.orgId}/restore`, { token: t.users.owner.key });
    expect(restored.status).toBe(200);
    expect(restored.json.data.status).toBe('active');
    expect(await purgeDueOrganizations(cairn.deps)).not.toContain(t.orgId);

    expect((await api(cairn.url, 'DELETE', `/api/v1/orgs/${t.orgId}`, { token: t.users.owner.key })).status).toBe(202);
    expect(await purgeDueOrganizations(cairn.deps)).toContain(t.orgId);
    expect(await countEvents(cairn, cairn.deps.ch.database, p.json.data.id)).toBe(0);
    for (const table of ['organizations', 'projects', 'memberships', 'audit_log', 'invitations']) {
      const col = table === 'organizations' ? 'id' : 'organization_id';
      const n = await cairn.deps.pg.owner(table).where(col, t.orgId).count({ n: '*' });
      expect({ table, n: Number(n[0]!.n) }).toEqual({ table, n: 0 });
    }
    expect((await api(cairn.url, 'GET', `/api/v1/orgs/${t.orgId}`, { token: t.users.owner.key })).status).toBe(404);
  });

  it('impersonates only with a stated reason, audited, and without instance rights', async () => {
    const u = await makeTenant(cairn, 'Helped', root);
    const admin = await rootBrowser(cairn);
    const bare = await admin.call('POST', `/api/v1/admin/users/${u.users.member.id}/impersonate`, {});
    expect(bare.status).toBe(400);
    const res = await admin.call('POST', `/api/v1/admin/users/${u.users.member.id}/impersonate`, { reason: 'ticket 1234: dashboard broken' });
    expect(res.status).toBe(200);
    const me = await admin.call('GET', '/api/v1/me');
    expect(me.json.data).toMatchObject({ email: u.users.member.email, instanceAdmin: false, impersonatedBy: { email: INIT.CAIRN_INIT_USER_EMAIL } });
    expect((await admin.call('GET', '/api/v1/admin/orgs')).status).toBe(404);
    expect((await admin.call('POST', '/api/v1/me/api-keys', { name: 'x', scopes: ['read'] })).status).toBe(403);
    const audit = await api(cairn.url, 'GET', `/api/v1/orgs/${u.orgId}/audit?action=user.impersonated`, { token: u.users.owner.key });
    expect(audit.json.data).toHaveLength(1);
    expect(audit.json.data[0]).toMatchObject({ targetId: u.users.member.id, data: { reason: 'ticket 1234: dashboard broken' } });
    // what the impersonator does is attributed to both
    await admin.call('PATCH', `/api/v1/orgs/${u.orgId}`, {});
    const inv = await admin.call('DELETE', `/api/v1/orgs/${u.orgId}/membership`);
    expect(inv.status).toBe(204);
    const removed = await api(cairn.url, 'GET', `/api/v1/orgs/${u.orgId}/audit?action=member.removed`, { token: u.users.owner.key });
    expect(removed.json.data[0]).toMatchObject({ actorId: u.users.member.id, impersonatorId: expect.any(String) });
  });

  it('lets administrators list accounts and share instance administration, keeping at least one', async () => {
    const u = await makeTenant(cairn, 'Ops', root);
    const users = await root.call('GET', '/api/v1/admin/users?limit=1000');
    expect(users.status).toBe(200);
    expect(users.json.data.find((x: { id: string }) => x.id === u.users.admin.id)).toMatchObject({ email: u.users.admin.email, instanceAdmin: false, organizations: 1 });
    expect((await api(cairn.url, 'GET', '/api/v1/admin/orgs', { token: u.users.admin.key })).status).toBe(404);
    expect((await root.call('PATCH', `/api/v1/admin/users/${u.users.admin.id}`, { instanceAdmin: true })).status).toBe(204);
    expect((await api(cairn.url, 'GET', '/api/v1/admin/orgs', { token: u.users.admin.key })).status).toBe(200);
    const rootId = (await root.call('GET', '/api/v1/me')).json.data.id;
    expect((await api(cairn.url, 'PATCH', `/api/v1/admin/users/${rootId}`, { token: u.users.admin.key, body: { instanceAdmin: false } })).status).toBe(204);
    const last = await api(cairn.url, 'PATCH', `/api/v1/admin/users/${u.users.admin.id}`, { token: u.users.admin.key, body: { instanceAdmin: false } });
    expect(last.status).toBe(409);
    expect((await api(cairn.url, 'PATCH', `/api/v1/admin/users/${rootId}`, { token: u.users.admin.key, body: { instanceAdmin: true } })).status).toBe(204);
  });

  it('disabling an account ends its sessions and its API keys', async () => {
    const u = await makeTenant(cairn, 'Gone', root);
    const b = u.users.viewer.browser;
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
    expect((await root.call('POST', `/api/v1/admin/users/${u.users.viewer.id}/disable`)).status).toBe(204);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(401);
    expect((await api(cairn.url, 'GET', '/api/v1/me', { token: u.users.viewer.key })).status).toBe(401);
    const login = await api(cairn.url, 'POST', '/api/v1/auth/login', { body: { email: u.users.viewer.email, password: 'a long enough password' } });
    expect(login.status).toBe(401);
    expect((await root.call('POST', `/api/v1/admin/users/${u.users.viewer.id}/enable`)).status).toBe(204);
    expect((await api(cairn.url, 'GET', '/api/v1/me', { token: u.users.viewer.key })).status).toBe(200);
  });
});
