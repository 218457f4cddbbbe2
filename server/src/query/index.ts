import type { Deps, Module } from '../modules.js';
import { cohortRoutes } from './cohorts/cohorts.routes.js';
import { queryRoutes } from './query.routes.js';
import { queryService } from './service.js';

/** The query engine and saved cohorts. */
export function queryModule(deps: Deps): Module {
  const svc = queryService(deps.pg, deps.tenants, {
    timeoutMs: deps.config.env.CAIRN_QUERY_TIMEOUT_MS,
    maxMemoryBytes: deps.config.env.CAIRN_QUERY_MAX_MEMORY_BYTES,
    cacheEntries: deps.config.env.CAIRN_QUERY_CACHE_ENTRIES,
  });
  return { name: 'query', routes: [...queryRoutes(svc), ...cohortRoutes(deps.pg)] };
}
