import type { Router } from 'express';
import type { Authenticator } from './auth/authenticate.js';
import type { Config } from './config/index.js';
import type { ClickHouse } from './db/clickhouse.js';
import type { Postgres } from './db/postgres.js';
import type { RequestGuard } from './http/app.js';
import type { RouteDef } from './http/route.js';
import type { Logger } from './log.js';
import type { TenantStores } from './tenancy/stores.js';
import { accountModules } from './tenancy/tenancy.module.js';
import { setupRoutes } from './tenancy/setup.routes.js';
import { insightsAndDashboards } from './dashboards/index.js';
import { ingestModule } from './ingest/ingest.module.js';
import { queryModule } from './query/index.js';

export interface Deps {
  config: Config;
  log: Logger;
  pg: Postgres;
  ch: ClickHouse;
  instanceSecret: string;
  /** Resolves an organization to its data handles (shared or dedicated databases). */
  tenants: TenantStores;
}

/** A feature's contribution to the running server. `stop` runs before the databases close. */
export interface Module {
  name: string;
  routes?: RouteDef[];
  routers?: Array<{ path: string; router: Router }>;
  authenticators?: Authenticator[];
  /** Checks run on every /api/v1 request after access is resolved (CSRF, rate limits). */
  guards?: RequestGuard[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** Every feature of the API process, in mount order. The one place a new feature is registered. */
export function apiModules(deps: Deps): Module[] {
  return [
    ...accountModules(deps),
    { name: 'setup', routes: setupRoutes(deps.pg) },
    insightsAndDashboards(deps.tenants),
    ingestModule(deps),
    queryModule(deps),
  ];
}
