import { eventNameRoutes } from '../insights/event-names.routes.js';
import { insightRoutes } from '../insights/insights.routes.js';
import type { TenantStores } from '../tenancy/stores.js';
import { dashboardRoutes } from './dashboards.routes.js';

export { ensureDefaultDashboard } from './default-dashboard.js';

/** Saved insights and dashboards: one module, since a dashboard is a grid of insights. */
export const insightsAndDashboards = (tenants: TenantStores) => ({
  name: 'insights-dashboards',
  routes: [...eventNameRoutes(tenants), ...insightRoutes(tenants), ...dashboardRoutes(tenants)],
});
