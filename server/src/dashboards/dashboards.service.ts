import type { Knex } from 'knex';
import { appError, notFound } from '../http/errors.js';
import type { Insight } from '../insights/insights.schema.js';
import { inTenant, insightColumns } from '../insights/insights.service.js';
import type { RequestContext } from '../tenancy/context.js';
import type { TenantStores } from '../tenancy/stores.js';
import { createDefaultDashboard } from './default-dashboard.js';
import type {
  AddTile,
  CreateDashboard,
  Dashboard,
  DashboardSummary,
  LayoutInput,
  Tile,
  UpdateDashboard,
} from './dashboards.schema.js';

type Scope = { orgId: string; projectId: string; userId?: string };

const columns = {
  id: 'd.id',
  projectId: 'd.project_id',
  name: 'd.name',
  description: 'd.description',
  filters: 'd.filters',
  refreshSeconds: 'd.refresh_seconds',
  isDefault: 'd.is_default',
  createdBy: 'd.created_by',
  createdAt: 'd.created_at',
  updatedAt: 'd.updated_at',
};

const summaries = (trx: Knex.Transaction, projectId: string) =>
  trx('dashboards as d')
    .where('d.project_id', projectId)
    .select({
      ...columns,
      tileCount: trx('dashboard_tiles as t').whereRaw('t.dashboard_id = d.id').count('*'),
    });

const withCount = (row: Record<string, unknown>) => ({ ...row, tileCount: Number(row.tileCount) }) as DashboardSummary;

async function tilesOf(trx: Knex.Transaction, dashboardId: string): Promise<Tile[]> {
  const ic = Object.fromEntries(Object.entries(insightColumns).map(([k, v]) => [`i_${k}`, `i.${v}`]));
  const rows = await trx('dashboard_tiles as t')
    .join('insights as i', 'i.id', 't.insight_id')
    .where('t.dashboard_id', dashboardId)
    .select({ id: 't.id', insightId: 't.insight_id', position: 't.position', width: 't.width', height: 't.height', ...ic })
    .orderBy([{ column: 't.position' }, { column: 't.created_at' }, { column: 't.id' }]);
  return rows.map((r: Record<string, unknown>) => {
    const insight = Object.fromEntries(Object.keys(insightColumns).map((k) => [k, r[`i_${k}`]])) as Insight;
    return { id: r.id, insightId: r.insightId, position: r.position, width: r.width, height: r.height, insight } as Tile;
  });
}

async function loadOne(trx: Knex.Transaction, projectId: string, id: string): Promise<Dashboard> {
  const row = await summaries(trx, projectId).where('d.id', id).first();
  if (!row) throw notFound('dashboard');
  return { ...withCount(row), tiles: await tilesOf(trx, id) };
}

export async function insertDashboard(trx: Knex.Transaction, s: Scope, input: CreateDashboard & { isDefault?: boolean }) {
  const [row] = await trx('dashboards')
    .insert({
      organization_id: s.orgId,
      project_id: s.projectId,
      name: input.name,
      description: input.description,
      filters: JSON.stringify(input.filters),
      refresh_seconds: input.refreshSeconds,
      is_default: input.isDefault ?? false,
      created_by: s.userId ?? null,
    })
    .returning('id');
  return row.id as string;
}

export async function insertTile(trx: Knex.Transaction, s: Scope, dashboardId: string, input: AddTile) {
  const insight = await trx('insights').where({ id: input.insightId, project_id: s.projectId }).first('id');
  if (!insight) throw appError('VALIDATION_ERROR', 'body.insightId: no such insight in this project', [
    { path: 'body.insightId', message: 'no such insight in this project' },
  ]);
  const [top] = await trx('dashboard_tiles').where({ dashboard_id: dashboardId }).max({ next: 'position' });
  const next = top?.next as number | null | undefined;
  const [row] = await trx('dashboard_tiles')
    .insert({
      organization_id: s.orgId,
      dashboard_id: dashboardId,
      insight_id: input.insightId,
      position: next == null ? 0 : Number(next) + 1,
      width: input.width,
      height: input.height,
    })
    .returning('id');
  return row.id as string;
}

export function dashboardService(tenants: TenantStores) {
  const tenant = <T>(ctx: RequestContext, fn: (trx: Knex.Transaction, s: Scope) => Promise<T>) => inTenant(tenants, ctx, fn);
  const touch = (trx: Knex.Transaction, id: string) => trx('dashboards').where({ id }).update({ updated_at: trx.fn.now() });
  const exists = async (trx: Knex.Transaction, projectId: string, id: string) => {
    if (!(await trx('dashboards').where({ id, project_id: projectId }).first('id'))) throw notFound('dashboard');
  };

  return {
    list: async (ctx: RequestContext, page: { limit: number; offset: number }) => {
      // Projects made by any path (setup, init, the projects API) get their default dashboard by the first look at the list.
      await tenant(ctx, (trx, s) => createDefaultDashboard(trx, s));
      return tenant(ctx, async (trx, s) => {
        const [counted] = await trx('dashboards').where({ project_id: s.projectId }).count({ count: '*' });
        const rows = await summaries(trx, s.projectId)
          .orderBy([{ column: 'd.is_default', order: 'desc' }, { column: 'd.created_at' }, { column: 'd.id' }])
          .limit(page.limit)
          .offset(page.offset);
        return { items: rows.map(withCount), total: Number(counted?.count ?? 0) };
      });
    },
    get: (ctx: RequestContext, id: string) => tenant(ctx, (trx, s) => loadOne(trx, s.projectId, id)),
    create: (ctx: RequestContext, input: CreateDashboard) =>
      tenant(ctx, async (trx, s) => loadOne(trx, s.projectId, await insertDashboard(trx, s, input))),
    update: (ctx: RequestContext, id: string, input: UpdateDashboard) =>
      tenant(ctx, async (trx, s) => {
        await exists(trx, s.projectId, id);
        const patch: Record<string, unknown> = { updated_at: trx.fn.now() };
        if (input.name !== undefined) patch.name = input.name;
        if (input.description !== undefined) patch.description = input.description;
        if (input.filters !== undefined) patch.filters = JSON.stringify(input.filters);
        if (input.refreshSeconds !== undefined) patch.refresh_seconds = input.refreshSeconds;
        await trx('dashboards').where({ id, project_id: s.projectId }).update(patch);
        return loadOne(trx, s.projectId, id);
      }),
    remove: (ctx: RequestContext, id: string) =>
      tenant(ctx, async (trx, s) => {
        if (!(await trx('dashboards').where({ id, project_id: s.projectId }).delete())) throw notFound('dashboard');
      }),
    addTile: (ctx: RequestContext, id: string, input: AddTile) =>
      tenant(ctx, async (trx, s) => {
        await exists(trx, s.projectId, id);
        await insertTile(trx, s, id, input);
        await touch(trx, id);
        return loadOne(trx, s.projectId, id);
      }),
    updateTile: (ctx: RequestContext, id: string, tileId: string, input: { width?: number; height?: number }) =>
      tenant(ctx, async (trx, s) => {
        await exists(trx, s.projectId, id);
        const n = await trx('dashboard_tiles').where({ id: tileId, dashboard_id: id }).update(input);
        if (!n) throw notFound('tile');
        await touch(trx, id);
        return loadOne(trx, s.projectId, id);
      }),
    removeTile: (ctx: RequestContext, id: string, tileId: string) =>
      tenant(ctx, async (trx, s) => {
        await exists(trx, s.projectId, id);
        if (!(await trx('dashboard_tiles').where({ id: tileId, dashboard_id: id }).delete())) throw notFound('tile');
        await touch(trx, id);
        return loadOne(trx, s.projectId, id);
      }),
    /** Reorders and resizes every tile at once: the list must name each tile of the dashboard exactly once. */
    layout: (ctx: RequestContext, id: string, input: LayoutInput) =>
      tenant(ctx, async (trx, s) => {
        await exists(trx, s.projectId, id);
        const current: string[] = await trx('dashboard_tiles').where({ dashboard_id: id }).pluck('id');
        const given = input.tiles.map((t) => t.id);
        const same = given.length === current.length && new Set(given).size === given.length && given.every((g) => current.includes(g));
        if (!same) {
          throw appError('VALIDATION_ERROR', 'body.tiles: list every tile of the dashboard exactly once', [
            { path: 'body.tiles', message: 'list every tile of the dashboard exactly once' },
          ]);
        }
        for (const [position, t] of input.tiles.entries()) {
          await trx('dashboard_tiles').where({ id: t.id, dashboard_id: id }).update({ position, width: t.width, height: t.height });
        }
        await touch(trx, id);
        return loadOne(trx, s.projectId, id);
      }),
  };
}
