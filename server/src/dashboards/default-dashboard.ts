import type { Knex } from 'knex';
import type { Postgres } from '../db/postgres.js';
import type { CreateInsight } from '../insights/insights.schema.js';
import { insertInsight } from '../insights/insights.service.js';
import { insertDashboard, insertTile } from './dashboards.service.js';

export const DEFAULT_DASHBOARD_NAME = 'Product overview';

/**
 * The insights of the "Product overview" dashboard every project starts with. Date ranges
 * are relative ("-30d"): clients resolve them against today when they run the query.
 */
export const defaultInsights: Array<CreateInsight & { width: number; height: number }> = [
  {
    name: 'Active users',
    description: 'Unique people per day who viewed a page',
    query: { kind: 'trends', series: [{ event: '$pageview', math: 'dau' }], interval: 'day', dateFrom: '-30d' },
    display: 'line',
    width: 6,
    height: 2,
  },
  {
    name: 'Top events',
    description: 'The most frequent events of the last 30 days',
    query: { kind: 'top_events', dateFrom: '-30d', limit: 10 },
    display: 'table',
    width: 6,
    height: 2,
  },
  {
    name: 'Signup → activation',
    description: 'Of the people who signed up, how many activated within 14 days',
    query: {
      kind: 'funnel',
      steps: [{ event: 'signed_up' }, { event: 'activated' }],
      window: { value: 14, unit: 'day' },
      order: 'ordered',
      dateFrom: '-30d',
    },
    display: 'auto',
    width: 6,
    height: 2,
  },
  {
    name: 'Weekly retention',
    description: 'Of the people first seen each week, how many came back in the following weeks',
    query: { kind: 'retention', startEvent: { event: '$pageview' }, returnEvent: { event: '$pageview' }, period: 'week', periods: 8, dateFrom: '-56d' },
    display: 'auto',
    width: 6,
    height: 2,
  },
];

/**
 * Creates a project's "Product overview" dashboard once, in the caller's transaction (the
 * organization's metadata database); later calls do nothing, even after the dashboard was
 * deleted. Returns the new dashboard's id, or undefined when the project already had one.
 */
export async function createDefaultDashboard(trx: Knex.Transaction, p: { orgId: string; projectId: string; userId?: string }): Promise<string | undefined> {
  const claimed = await trx('project_dashboard_defaults')
    .insert({ project_id: p.projectId, organization_id: p.orgId })
    .onConflict('project_id')
    .ignore()
    .returning('project_id');
  if (claimed.length === 0) return undefined;
  const dashboardId = await insertDashboard(trx, p, {
    name: DEFAULT_DASHBOARD_NAME,
    description: 'Active users, top events, signup → activation and weekly retention',
    filters: {},
    refreshSeconds: null,
    isDefault: true,
  });
  for (const { width, height, ...insight } of defaultInsights) {
    const created = await insertInsight(trx, p, insight);
    await insertTile(trx, p, dashboardId, { insightId: created.id, width, height });
  }
  return dashboardId;
}

/**
 * The hook for code that creates projects (setup, headless init, the projects API): makes the
 * default dashboard of a project of a shared organization. (Projects of any organization also
 * get it when their dashboards are first listed, through the tenant's own database.)
 */
export async function ensureDefaultDashboard(pg: Postgres, p: { orgId: string; projectId: string; userId?: string }): Promise<string | undefined> {
  return pg.withTenant({ orgId: p.orgId, userId: p.userId }, (trx) => createDefaultDashboard(trx, p));
}
