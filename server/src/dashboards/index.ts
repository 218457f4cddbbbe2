import type { Postgres } from '../db/postgres.js';
import { insightRoutes } from '../insights/insights.routes.js';
import { dashboardRoutes } from './dashboards.routes.js';

export { ensureDefaultDashboard } from './default-dashboard.js';

/** Saved insights and dashboards: one module, since a dashboard is a grid of insights. */
export const insightsAndDashboards = (pg: Postgres) => ({
  name: 'insights-dashboards',
  routes: [...insightRoutes(pg), ...dashboardRoutes(pg)],
});
