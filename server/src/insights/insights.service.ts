import type { Knex } from 'knex';
import type { TenantStores } from '../tenancy/stores.js';
import { notFound } from '../http/errors.js';
import type { RequestContext } from '../tenancy/context.js';
import type { CreateInsight, Insight, UpdateInsight } from './insights.schema.js';

const columns = {
  id: 'id',
  projectId: 'project_id',
  name: 'name',
  description: 'description',
  query: 'query',
  display: 'display',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** The tenant of a project-scoped request; access resolution guarantees both are set. */
export function scopeOf(ctx: RequestContext) {
  if (!ctx.orgId || !ctx.projectId) throw new Error('insights and dashboards need a project-scoped request context');
  return { orgId: ctx.orgId, projectId: ctx.projectId, userId: ctx.actor.kind === 'user' ? ctx.actor.userId : undefined };
}

export const insightColumns = columns;
const returning = Object.entries(columns).map(([k, v]) => `${v} as ${k}`);

export async function insertInsight(
  trx: Knex.Transaction,
  scope: { orgId: string; projectId: string; userId?: string },
  input: CreateInsight,
): Promise<Insight> {
  const [row] = await trx('insights')
    .insert({
      organization_id: scope.orgId,
      project_id: scope.projectId,
      name: input.name,
      description: input.description,
      query: JSON.stringify(input.query),
      display: input.display,
      created_by: scope.userId ?? null,
    })
    .returning(returning);
  return row as Insight;
}

/** Runs `fn` in a transaction on the organization's own metadata database (shared or dedicated). */
export async function inTenant<T>(tenants: TenantStores, ctx: RequestContext, fn: (trx: Knex.Transaction, s: ReturnType<typeof scopeOf>) => Promise<T>) {
  const s = scopeOf(ctx);
  const db = await tenants.postgresFor(s.orgId);
  return db.withTenant({ userId: s.userId }, (trx) => fn(trx, s));
}

export function insightService(tenants: TenantStores) {
  const tenant = <T>(ctx: RequestContext, fn: (trx: Knex.Transaction, s: ReturnType<typeof scopeOf>) => Promise<T>) => inTenant(tenants, ctx, fn);
  const one = async (trx: Knex.Transaction, projectId: string, id: string) => {
    const row = await trx('insights').where({ id, project_id: projectId }).first(columns);
    if (!row) throw notFound('insight');
    return row as Insight;
  };

  return {
    list: (ctx: RequestContext, filter: { search?: string; kind?: string }, page: { limit: number; offset: number }) =>
      tenant(ctx, async (trx, s) => {
        const q = trx('insights').where({ project_id: s.projectId });
        if (filter.search) q.whereILike('name', `%${filter.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
        if (filter.kind) q.whereRaw(`query->>'kind' = ?`, [filter.kind]);
        const [counted] = await q.clone().count({ count: '*' });
        const items = await q
          .select(columns)
          .orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'id' }])
          .limit(page.limit)
          .offset(page.offset);
        return { items: items as Insight[], total: Number(counted?.count ?? 0) };
      }),
    get: (ctx: RequestContext, id: string) => tenant(ctx, (trx, s) => one(trx, s.projectId, id)),
    create: (ctx: RequestContext, input: CreateInsight) => tenant(ctx, (trx, s) => insertInsight(trx, s, input)),
    update: (ctx: RequestContext, id: string, input: UpdateInsight) =>
      tenant(ctx, async (trx, s) => {
        await one(trx, s.projectId, id);
        const patch: Record<string, unknown> = { updated_at: trx.fn.now() };
        if (input.name !== undefined) patch.name = input.name;
        if (input.description !== undefined) patch.description = input.description;
        if (input.display !== undefined) patch.display = input.display;
        if (input.query !== undefined) patch.query = JSON.stringify(input.query);
        const [row] = await trx('insights').where({ id, project_id: s.projectId }).update(patch).returning(returning);
        return row as Insight;
      }),
    duplicate: (ctx: RequestContext, id: string) =>
      tenant(ctx, async (trx, s) => {
        const src = await one(trx, s.projectId, id);
        const name = `${src.name} (copy)`.slice(0, 200);
        return insertInsight(trx, s, { name, description: src.description, query: src.query, display: src.display });
      }),
    remove: (ctx: RequestContext, id: string) =>
      tenant(ctx, async (trx, s) => {
        const n = await trx('insights').where({ id, project_id: s.projectId }).delete();
        if (!n) throw notFound('insight');
      }),
  };
}
