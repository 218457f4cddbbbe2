import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { makeTenant, rootBrowser, type Tenant } from './fixtures.js';

/** Every table that holds tenant or per-user data: it has organization_id or user_id, or is the tenant/user table itself. */
async function tenantTables(cairn: TestCairn): Promise<string[]> {
  const { rows } = await cairn.deps.pg.owner.raw(`
    SELECT DISTINCT c.table_name AS t FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
     WHERE c.table_schema = 'public' AND (c.column_name IN ('organization_id', 'user_id') OR c.table_name IN ('organizations', 'users'))
     ORDER BY 1`);
  return rows.map((r: { t: string }) => r.t);
}

describe('isolation in depth (PostgreSQL row-level security)', () => {
  let cairn: TestCairn;
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    cairn = await startTestCairn({ ...INIT });
    const root = await rootBrowser(cairn);
    a = await makeTenant(cairn, 'Alpha', root);
    b = await makeTenant(cairn, 'Bravo', root);
  });
  afterAll(() => cairn?.destroy());

  it('connects the API as a role that is neither superuser, owner nor RLS-exempt', async () => {
    const { rows } = await cairn.deps.pg.app.raw('SELECT rolsuper, rolbypassrls, current_user AS me FROM pg_roles WHERE rolname = current_user');
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, me: 'cairn_app' });
    const owned = await cairn.deps.pg.owner.raw("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'cairn_app'");
    expect(owned.rows[0].n).toBe(0);
  });

  it('has row-level security enabled and forced on every tenant table', async () => {
    const tables = await tenantTables(cairn);
    expect(tables).toEqual(expect.arrayContaining(['organizations', 'users', 'memberships', 'projects', 'api_keys', 'sessions', 'invitations', 'audit_log']));
    const { rows } = await cairn.deps.pg.owner.raw(
      "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY(?)",
      [tables],
    );
    const weak = rows.filter((r: { relrowsecurity: boolean; relforcerowsecurity: boolean }) => !r.relrowsecurity || !r.relforcerowsecurity);
    expect(weak).toEqual([]);
    expect(rows).toHaveLength(tables.length);
  });

  it('shows the app role zero rows of every tenant table when no tenant is set', async () => {
    const tables = await tenantTables(cairn);
    let checked = 0;
    for (const t of tables) {
      const owner = await cairn.deps.pg.owner.raw(`SELECT count(*)::int AS n FROM "${t}"`);
      try {
        const app = await cairn.deps.pg.app.raw(`SELECT count(*)::int AS n FROM "${t}"`);
        expect({ t, n: app.rows[0].n }).toEqual({ t, n: 0 });
        if (owner.rows[0].n > 0) checked++;
      } catch (err) {
        // no grant at all is stricter still
        expect((err as { code?: string }).code).toBe('42501');
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6); // the check ran against tables that do hold rows
  });

  it("shows one tenant none of another's rows, in every table with organization_id", async () => {
    const { rows } = await cairn.deps.pg.owner.raw(
      "SELECT DISTINCT table_name AS t FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'organization_id'",
    );
    for (const { t } of rows as Array<{ t: string }>) {
      const theirs = await cairn.deps.pg.owner.raw(`SELECT count(*)::int AS n FROM "${t}" WHERE organization_id = ?`, [b.orgId]);
      try {
        const seen = await cairn.deps.pg.withTenant({ orgId: a.orgId, userId: a.users.owner.id }, (trx) =>
          trx.raw(`SELECT count(*)::int AS n FROM "${t}" WHERE organization_id = ?`, [b.orgId]),
        );
        expect({ t, n: seen.rows[0].n }).toEqual({ t, n: 0 });
      } catch (err) {
        expect((err as { code?: string }).code).toBe('42501');
      }
      void theirs;
    }
    const mine = await cairn.deps.pg.withTenant({ orgId: a.orgId }, (trx) => trx('projects').count({ n: '*' }));
    expect(Number(mine[0]!.n)).toBe(1);
  });

  it('keeps the tenant per transaction, never per connection', async () => {
    await cairn.deps.pg.withTenant({ orgId: a.orgId }, (trx) => trx('projects').select('id'));
    // the pool may hand out the same connection: it must carry no tenant any more
    for (let i = 0; i < 5; i++) {
      const { rows } = await cairn.deps.pg.app.raw("SELECT coalesce(current_setting('app.org_id', true), '') AS org, (SELECT count(*)::int FROM projects) AS n");
      expect(rows[0]).toEqual({ org: '', n: 0 });
    }
  });

  it('lets the app role append to the audit log but never change or delete it', async () => {
    await expect(
      cairn.deps.pg.withTenant({ orgId: a.orgId }, (trx) => trx('audit_log').update({ action: 'x' })),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(
      cairn.deps.pg.withTenant({ orgId: a.orgId }, (trx) => trx('audit_log').delete()),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('lets the app role change neither the plan nor the isolation of its own organization', async () => {
    await expect(
      cairn.deps.pg.withTenant({ orgId: a.orgId }, (trx) => trx('organizations').where({ id: a.orgId }).update({ plan: 'enterprise' })),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(
      cairn.deps.pg.withTenant({ orgId: a.orgId }, (trx) => trx('organizations').where({ id: a.orgId }).update({ isolation: 'dedicated' })),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('answers 404, never 403, for another tenant\'s organization and project ids', async () => {
    const k = a.users.owner.key;
    for (const path of [`/api/v1/orgs/${b.orgId}`, `/api/v1/orgs/${b.orgId}/members`, `/api/v1/projects/${b.projectId}`, `/api/v1/orgs/${b.orgId}/audit`]) {
      const r = await api(cairn.url, 'GET', path, { token: k });
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
    }
    const del = await api(cairn.url, 'DELETE', `/api/v1/projects/${b.projectId}`, { token: k });
    expect(del.status).toBe(404);
    const still = await api(cairn.url, 'GET', `/api/v1/projects/${b.projectId}`, { token: b.users.viewer.key });
    expect(still.status).toBe(200);
  });
});
