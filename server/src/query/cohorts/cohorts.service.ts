import type { Knex } from 'knex';
import type { Postgres } from '../../db/postgres.js';
import { notFound } from '../../http/errors.js';
import type { RequestContext } from '../../tenancy/context.js';
import { cohortDefinitionSchema, type Cohort, type CohortDefinition } from './cohort.schema.js';

const columns = {
  id: 'id',
  projectId: 'project_id',
  name: 'name',
  description: 'description',
  definition: 'definition',
  createdBy: 'created_by',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

const userOf = (ctx: RequestContext) => (ctx.actor.kind === 'user' ? ctx.actor.userId : undefined);

/** Runs `fn` in the caller's tenant; the route's access check has set ctx.orgId and ctx.projectId. */
export function inProject<T>(pg: Postgres, ctx: RequestContext, fn: (trx: Knex.Transaction, projectId: string) => Promise<T>) {
  return pg.withTenant({ orgId: ctx.orgId!, userId: userOf(ctx) }, (trx) => fn(trx, ctx.projectId!));
}

export const cohortsService = (pg: Postgres) => ({
  list: (ctx: RequestContext, page: { limit: number; offset: number }) =>
    inProject(pg, ctx, async (trx, projectId) => {
      const counted = await trx('cohorts').where({ project_id: projectId }).count({ count: '*' });
      const count = counted[0]?.count ?? 0;
      const items = await trx('cohorts')
        .where({ project_id: projectId })
        .select(columns)
        .orderBy([{ column: 'created_at' }, { column: 'id' }])
        .limit(page.limit)
        .offset(page.offset);
      return { items: items as Cohort[], total: Number(count) };
    }),

  get: (ctx: RequestContext, id: string) =>
    inProject(pg, ctx, async (trx, projectId) => {
      const row = await trx('cohorts').where({ id, project_id: projectId }).first(columns);
      if (!row) throw notFound('cohort');
      return row as Cohort;
    }),

  create: (ctx: RequestContext, input: { name: string; description: string; definition: CohortDefinition }) =>
    inProject(pg, ctx, async (trx, projectId) => {
      const [row] = await trx('cohorts')
        .insert({
          organization_id: ctx.orgId,
          project_id: projectId,
          name: input.name,
          description: input.description,
          definition: JSON.stringify(input.definition),
          created_by: userOf(ctx) ?? null,
        })
        .returning('id');
      return (await trx('cohorts').where({ id: row.id }).first(columns)) as Cohort;
    }),

  update: (ctx: RequestContext, id: string, patch: { name?: string; description?: string; definition?: CohortDefinition }) =>
    inProject(pg, ctx, async (trx, projectId) => {
      const changes: Record<string, unknown> = { updated_at: trx.fn.now() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.description !== undefined) changes.description = patch.description;
      if (patch.definition !== undefined) changes.definition = JSON.stringify(patch.definition);
      const n = await trx('cohorts').where({ id, project_id: projectId }).update(changes);
      if (!n) throw notFound('cohort');
      return (await trx('cohorts').where({ id }).first(columns)) as Cohort;
    }),

  remove: (ctx: RequestContext, id: string) =>
    inProject(pg, ctx, async (trx, projectId) => {
      const n = await trx('cohorts').where({ id, project_id: projectId }).delete();
      if (!n) throw notFound('cohort');
    }),

  /** Definitions of the given cohorts of the project; unknown ids are simply absent. */
  definitions: (ctx: RequestContext, ids: string[]) =>
    inProject(pg, ctx, async (trx, projectId) => {
      const out = new Map<string, { definition: CohortDefinition; updatedAt: string }>();
      if (!ids.length) return out;
      const rows = await trx('cohorts').where({ project_id: projectId }).whereIn('id', ids).select('id', 'definition', 'updated_at');
      for (const r of rows) {
        const parsed = cohortDefinitionSchema.safeParse(r.definition);
        if (parsed.success) out.set(r.id, { definition: parsed.data, updatedAt: String(r.updated_at) });
      }
      return out;
    }),
});

export type CohortsService = ReturnType<typeof cohortsService>;
