import { appendAudit, auditActorOf } from '../audit/audit.service.js';
import { revokeAllSessions } from '../auth/sessions.js';
import { auditForUser } from '../auth/user-audit.js';
import { appError, notFound } from '../http/errors.js';
import type { Deps } from '../modules.js';
import type { RequestContext } from '../tenancy/context.js';

/**
 * Instance administration. The operator acts across tenants by definition, so these run as
 * the owner role; every change is written to the affected organization's audit log.
 */

export interface OrgUsage {
  id: string;
  name: string;
  slug: string;
  plan: string;
  status: 'active' | 'suspended' | 'deleting';
  isolation: 'shared' | 'dedicated';
  createdAt: string;
  suspendedReason: string | null;
  purgeAfter: string | null;
  members: number;
  projects: number;
  events: number;
}

async function eventCounts(deps: Deps, orgs: Array<{ id: string }>): Promise<Map<string, number>> {
  const projects = (await deps.pg.owner('projects').whereIn('organization_id', orgs.map((o) => o.id)).select('id', 'organization_id')) as Array<{ id: string; organization_id: string }>;
  const byDb = new Map<string, { client: Awaited<ReturnType<Deps['tenants']['clickhouseFor']>>['client']; database: string; projects: typeof projects }>();
  for (const p of projects) {
    const h = await deps.tenants.clickhouseFor(p.organization_id);
    const e = byDb.get(h.database) ?? { ...h, projects: [] };
    e.projects.push(p);
    byDb.set(h.database, e);
  }
  const out = new Map<string, number>();
  for (const { client, database, projects: ps } of byDb.values()) {
    const rows = await (
      await client.query({
        query: `SELECT toString(project_id) AS pid, count() AS n FROM ${database}.events WHERE project_id IN {ids:Array(UUID)} GROUP BY project_id`,
        query_params: { ids: ps.map((p) => p.id) },
        format: 'JSONEachRow',
      })
    ).json<{ pid: string; n: string | number }>();
    const orgOf = new Map(ps.map((p) => [p.id, p.organization_id]));
    for (const r of rows) {
      const org = orgOf.get(r.pid);
      if (org) out.set(org, (out.get(org) ?? 0) + Number(r.n));
    }
  }
  return out;
}

export async function listOrgsWithUsage(deps: Deps, page: { limit: number; offset: number }) {
  const n = (await deps.pg.owner('organizations').count({ n: '*' }))[0]?.n ?? 0;
  const orgs = await deps.pg.owner('organizations as o')
    .select({
      id: 'o.id', name: 'o.name', slug: 'o.slug', plan: 'o.plan', status: 'o.status', isolation: 'o.isolation', createdAt: 'o.created_at',
      suspendedReason: 'o.suspended_reason', purgeAfter: 'o.purge_after',
    })
    .select(deps.pg.owner.raw('(SELECT count(*) FROM memberships m WHERE m.organization_id = o.id)::int AS members'))
    .select(deps.pg.owner.raw('(SELECT count(*) FROM projects p WHERE p.organization_id = o.id)::int AS projects'))
    .orderBy([{ column: 'o.created_at' }, { column: 'o.id' }])
    .limit(page.limit)
    .offset(page.offset);
  const events = await eventCounts(deps, orgs);
  return { items: orgs.map((o) => ({ ...o, events: events.get(o.id) ?? 0 })) as OrgUsage[], total: Number(n) };
}

async function orgRow(deps: Deps, orgId: string) {
  const o = await deps.pg.owner('organizations').where({ id: orgId }).first('id', 'status', 'suspended_at');
  if (!o) throw notFound('organization');
  return o as { id: string; status: string; suspended_at: string | null };
}

export async function suspendOrg(deps: Deps, ctx: RequestContext, orgId: string, reason: string) {
  const o = await orgRow(deps, orgId);
  if (o.status === 'deleting') throw appError('CONFLICT', 'this organization is being deleted');
  await deps.pg.owner('organizations').where({ id: orgId }).update({ status: 'suspended', suspended_at: o.suspended_at ?? deps.pg.owner.fn.now(), suspended_reason: reason, updated_at: deps.pg.owner.fn.now() });
  await appendAudit(deps.pg, orgId, auditActorOf(ctx), { action: 'organization.suspended', targetType: 'organization', targetId: orgId, data: { reason } });
}

export async function unsuspendOrg(deps: Deps, ctx: RequestContext, orgId: string) {
  const o = await orgRow(deps, orgId);
  await deps.pg.owner('organizations').where({ id: orgId }).update({
    status: o.status === 'deleting' ? 'deleting' : 'active',
    suspended_at: null,
    suspended_reason: null,
    updated_at: deps.pg.owner.fn.now(),
  });
  await appendAudit(deps.pg, orgId, auditActorOf(ctx), { action: 'organization.restored_by_operator', targetType: 'organization', targetId: orgId });
}

export async function setPlan(deps: Deps, ctx: RequestContext, orgId: string, plan: string) {
  await orgRow(deps, orgId);
  await deps.pg.owner('organizations').where({ id: orgId }).update({ plan, updated_at: deps.pg.owner.fn.now() });
  await appendAudit(deps.pg, orgId, auditActorOf(ctx), { action: 'organization.plan_changed', targetType: 'organization', targetId: orgId, data: { plan } });
}

export async function targetUser(deps: Deps, userId: string) {
  const u = await deps.pg.owner('users').where({ id: userId }).first('id', 'email', 'name', 'is_instance_admin', 'disabled_at');
  if (!u) throw notFound('user');
  return u as { id: string; email: string; name: string; is_instance_admin: boolean; disabled_at: string | null };
}

export async function setDisabled(deps: Deps, ctx: RequestContext, userId: string, disabled: boolean) {
  await targetUser(deps, userId);
  if (ctx.actor.kind === 'user' && ctx.actor.userId === userId) throw appError('CONFLICT', 'you cannot disable your own account');
  await deps.pg.owner('users').where({ id: userId }).update({ disabled_at: disabled ? deps.pg.owner.fn.now() : null, updated_at: deps.pg.owner.fn.now() });
  if (disabled) await revokeAllSessions(deps.pg, userId);
  await auditForUser(deps.pg, userId, auditActorOf(ctx), { action: disabled ? 'user.disabled' : 'user.enabled', targetType: 'user', targetId: userId });
}

/** Records an impersonation (with its reason) in every organization of the impersonated user. */
export async function auditImpersonation(deps: Deps, ctx: RequestContext, userId: string, reason: string) {
  await auditForUser(deps.pg, userId, auditActorOf(ctx), { action: 'user.impersonated', targetType: 'user', targetId: userId, data: { reason } });
}

export async function listUsers(deps: Deps, page: { limit: number; offset: number }) {
  const n = (await deps.pg.owner('users').count({ n: '*' }))[0]?.n ?? 0;
  const items = await deps.pg.owner('users as u')
    .select({ id: 'u.id', email: 'u.email', name: 'u.name', instanceAdmin: 'u.is_instance_admin', disabledAt: 'u.disabled_at', createdAt: 'u.created_at' })
    .select(deps.pg.owner.raw('(SELECT count(*) FROM memberships m WHERE m.user_id = u.id)::int AS organizations'))
    .orderBy([{ column: 'u.created_at' }, { column: 'u.id' }])
    .limit(page.limit)
    .offset(page.offset);
  return { items, total: Number(n) };
}

/** Grants or removes instance administration; the instance always keeps one active administrator. */
export async function setInstanceAdmin(deps: Deps, ctx: RequestContext, userId: string, admin: boolean) {
  await targetUser(deps, userId);
  await deps.pg.owner.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', ['cairn.instance-admins']);
    await trx('users').where({ id: userId }).update({ is_instance_admin: admin, updated_at: trx.fn.now() });
    const n = (await trx('users').where({ is_instance_admin: true }).whereNull('disabled_at').count({ n: '*' }))[0]?.n ?? 0;
    if (Number(n) === 0) throw appError('CONFLICT', 'the instance needs at least one administrator');
  });
  await auditForUser(deps.pg, userId, auditActorOf(ctx), { action: admin ? 'user.instance_admin_granted' : 'user.instance_admin_revoked', targetType: 'user', targetId: userId });
}
