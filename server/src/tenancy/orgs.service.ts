import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { appendAudit, auditActorOf } from '../audit/audit.service.js';
import { appError, notFound } from '../http/errors.js';
import type { Deps } from '../modules.js';
import type { RequestContext, UserActor } from './context.js';
import { mirrorControlPlane, provisionDedicated } from './dedicated.js';
import { slugify } from './provision.js';
import type { Role } from './roles.js';

export interface Organization {
  id: string;
  name: string;
  slug: string;
  plan: string;
  status: 'active' | 'suspended' | 'deleting';
  isolation: 'shared' | 'dedicated';
  createdAt: string;
  purgeAfter: string | null;
}

export interface MyOrganization extends Organization {
  role: Role;
}

const orgColumns = {
  id: 'o.id',
  name: 'o.name',
  slug: 'o.slug',
  plan: 'o.plan',
  status: 'o.status',
  isolation: 'o.isolation',
  createdAt: 'o.created_at',
  purgeAfter: 'o.purge_after',
};

const user = (ctx: RequestContext) => ctx.actor as UserActor;

export async function listMyOrgs(deps: Deps, ctx: RequestContext, page: { limit: number; offset: number }) {
  const u = user(ctx);
  return deps.pg.withTenant({ userId: u.userId }, async (trx) => {
    const base = () => trx('memberships as m').join('organizations as o', 'o.id', 'm.organization_id').where('m.user_id', u.userId);
    const n = (await base().count({ n: '*' }))[0]?.n ?? 0;
    const items = (await base()
      .select({ ...orgColumns, role: 'm.role' })
      .orderBy([{ column: 'o.created_at' }, { column: 'o.id' }])
      .limit(page.limit)
      .offset(page.offset)) as MyOrganization[];
    return { items, total: Number(n) };
  });
}

export async function getOrg(deps: Deps, ctx: RequestContext): Promise<MyOrganization> {
  const row = await deps.pg.withTenant({ orgId: ctx.orgId }, (trx) => trx('organizations as o').where('o.id', ctx.orgId).first(orgColumns));
  if (!row) throw notFound('organization');
  return { ...(row as Organization), role: ctx.role! };
}

async function uniqueSlug(trx: Knex.Transaction, name: string): Promise<string> {
  const base = slugify(name);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await trx('organizations').where({ slug }).first('id'))) return slug;
  }
}

/**
 * Creates an organization with the caller as owner. Slugs are unique across the instance, so
 * this runs as the owner role (a cross-tenant check). A dedicated organization's databases are
 * provisioned and migrated first; its row appears only once they are ready.
 */
export async function createOrg(deps: Deps, ctx: RequestContext, input: { name: string; isolation: 'shared' | 'dedicated' }): Promise<MyOrganization> {
  const u = user(ctx);
  if (input.isolation === 'dedicated' && !u.instanceAdmin) {
    throw appError('FORBIDDEN', 'only an instance administrator can create a dedicated organization');
  }
  const id = randomUUID();
  const sealed = input.isolation === 'dedicated' ? await provisionDedicated(deps.pg, deps.ch, deps.instanceSecret, id) : undefined;
  await deps.pg.owner.transaction(async (trx) => {
    // The slug lock makes the uniqueness check and the insert one step across concurrent creations.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', ['cairn.org-slugs']);
    await trx('organizations').insert({ id, name: input.name, slug: await uniqueSlug(trx, input.name), isolation: input.isolation });
    await trx('memberships').insert({ organization_id: id, user_id: u.userId, role: 'owner' });
    if (sealed) await trx('tenant_databases').insert({ organization_id: id, postgres_settings: sealed.postgres, clickhouse_settings: sealed.clickhouse });
  });
  if (sealed) await mirrorControlPlane(deps.pg, id);
  await appendAudit(deps.pg, id, auditActorOf(ctx), { action: 'organization.created', targetType: 'organization', targetId: id, data: { name: input.name, isolation: input.isolation } });
  return getOrg(deps, { ...ctx, orgId: id, role: 'owner' });
}

export async function updateOrg(deps: Deps, ctx: RequestContext, input: { name?: string }): Promise<MyOrganization> {
  if (input.name !== undefined) {
    await deps.pg.withTenant({ orgId: ctx.orgId, userId: user(ctx).userId }, (trx) =>
      trx('organizations').where({ id: ctx.orgId }).update({ name: input.name, updated_at: trx.fn.now() }),
    );
    await appendAudit(deps.pg, ctx.orgId!, auditActorOf(ctx), { action: 'organization.settings_changed', targetType: 'organization', targetId: ctx.orgId, data: { name: input.name } });
  }
  return getOrg(deps, ctx);
}

/** Soft delete: read-only at once, purged (metadata and events) after the grace period unless restored. */
export async function deleteOrg(deps: Deps, ctx: RequestContext): Promise<MyOrganization> {
  const graceMs = deps.config.env.CAIRN_ORG_DELETE_GRACE_HOURS * 3_600_000;
  const purgeAfter = new Date(Date.now() + graceMs).toISOString();
  await deps.pg.withTenant({ orgId: ctx.orgId, userId: user(ctx).userId }, async (trx) => {
    await trx('organizations').where({ id: ctx.orgId }).update({ status: 'deleting', deleted_at: trx.fn.now(), purge_after: purgeAfter, updated_at: trx.fn.now() });
  });
  await appendAudit(deps.pg, ctx.orgId!, auditActorOf(ctx), { action: 'organization.deleted', targetType: 'organization', targetId: ctx.orgId, data: { purgeAfter } });
  return getOrg(deps, ctx);
}

/** Cancels a pending deletion (within the grace period). */
export async function restoreOrg(deps: Deps, ctx: RequestContext): Promise<MyOrganization> {
  const org = await getOrg(deps, ctx);
  if (org.status !== 'deleting') throw appError('CONFLICT', 'this organization is not being deleted');
  const suspended = await deps.pg.withTenant({ orgId: ctx.orgId }, (trx) => trx('organizations').where({ id: ctx.orgId }).first('suspended_at'));
  await deps.pg.withTenant({ orgId: ctx.orgId, userId: user(ctx).userId }, (trx) =>
    trx('organizations')
      .where({ id: ctx.orgId })
      .update({ status: suspended?.suspended_at ? 'suspended' : 'active', deleted_at: null, purge_after: null, updated_at: trx.fn.now() }),
  );
  await appendAudit(deps.pg, ctx.orgId!, auditActorOf(ctx), { action: 'organization.restored', targetType: 'organization', targetId: ctx.orgId });
  return getOrg(deps, ctx);
}
