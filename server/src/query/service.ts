import type { Postgres } from '../db/postgres.js';
import { appError, notFound, type FieldError } from '../http/errors.js';
import type { RequestContext } from '../tenancy/context.js';
import type { TenantStores } from '../tenancy/stores.js';
import { QueryCache } from './cache.js';
import { Catalog, freshnessToken } from './catalog.js';
import type { CohortDefinition } from './cohorts/cohort.schema.js';
import { cohortsService } from './cohorts/cohorts.service.js';
import { bucketStarts, instantToWall, isValidTimeZone, resolveRange, toWall, wallMs, type WallRange } from './dates.js';
import type { Query, QueryResult } from './definitions.js';
import { planQuery } from './plan-query.js';
import { referencesOf } from './references.js';
import { runCompiled, type RunLimits } from './runner.js';
import type { CompileEnv } from './sql.js';

export interface QueryServiceOptions extends RunLimits {
  cacheEntries: number;
}

export type Answer = QueryResult & { timezone: string; cache: { hit: boolean; computedAt: string } };

/**
 * Runs a query definition for the caller's project: resolves the project time zone and the
 * cohorts it names, checks what it refers to exists, then compiles, runs (with limits) and
 * caches by (project, definition, data freshness).
 */
export function queryService(pg: Postgres, tenants: TenantStores, opts: QueryServiceOptions) {
  const cache = new QueryCache<QueryResult>(opts.cacheEntries);
  const catalog = new Catalog();
  const cohorts = cohortsService(pg);

  async function run(ctx: RequestContext, query: Query, refresh: boolean, nowMs = Date.now()): Promise<Answer> {
    const projectId = ctx.projectId!;
    const userId = ctx.actor.kind === 'user' ? ctx.actor.userId : undefined;
    const project = await pg.withTenant({ orgId: ctx.orgId!, userId }, (trx) =>
      trx('projects').where({ id: projectId }).first('timezone'),
    );
    if (!project) throw notFound('project');
    const timezone = isValidTimeZone(project.timezone) ? (project.timezone as string) : 'UTC';

    const refs = referencesOf(query, 'body.query');
    const errors: FieldError[] = [];
    const range = resolveQueryRange(query, timezone, nowMs, errors);

    const cohortIds = [...new Set(refs.flatMap((r) => (r.kind === 'cohort' ? [r.id] : [])))];
    const saved = cohortIds.length ? await cohorts.definitions(ctx, cohortIds) : new Map<string, { definition: CohortDefinition; updatedAt: string }>();
    for (const r of refs) if (r.kind === 'cohort' && !saved.has(r.id)) errors.push({ path: r.path, message: 'no such cohort in this project' });

    const ch = await tenants.clickhouseFor(ctx.orgId!);
    const token = await freshnessToken(ch.client, ch.database);
    // The event a behavioural cohort counts must exist too; the error names where the cohort is used.
    const cohortRefs = refs.flatMap((r) => {
      const def = r.kind === 'cohort' ? saved.get(r.id)?.definition : undefined;
      return def?.type === 'behavioral' ? [{ kind: 'event' as const, name: def.event, path: r.path }] : [];
    });
    errors.push(...(await catalog.check(ch.client, ch.database, projectId, token, [...refs.filter((r) => r.kind !== 'cohort'), ...cohortRefs])));
    if (errors.length) throw appError('VALIDATION_ERROR', `${errors[0]!.path}: ${errors[0]!.message}`, errors);

    const nowWall = instantToWall(nowMs, timezone);
    const env: CompileEnv = {
      database: ch.database,
      projectId,
      timezone,
      cohorts: new Map<string, CohortDefinition>([...saved].map(([id, c]) => [id, c.definition])),
      nowWall,
    };
    const plan = planQuery(env, query, range!);
    const usesNow = cohortIds.length > 0 || query.kind === 'churn_risk';
    const key = QueryCache.key({
      projectId,
      timezone,
      query,
      range,
      token,
      cohorts: [...saved].map(([id, c]) => [id, c.updatedAt]),
      now: usesNow ? nowWall.slice(0, 16) : undefined,
    });
    if (!refresh) {
      const hit = cache.get(key);
      if (hit) return { ...hit.value, timezone, cache: { hit: true, computedAt: hit.at } } as Answer;
    }
    const rowsets = await runCompiled(ch.client, plan.queries, opts);
    const value = plan.shape(rowsets) as QueryResult;
    const computedAt = cache.set(key, value);
    return { ...value, timezone, cache: { hit: false, computedAt } } as Answer;
  }

  return { run, cache };
}

/** The wall-time range of a definition (churn: the moment `asOf`), or field errors. */
function resolveQueryRange(query: Query, tz: string, nowMs: number, errors: FieldError[]): WallRange | undefined {
  if (query.kind === 'churn_risk') {
    const at = query.asOf ? toWall(query.asOf, tz, false, nowMs) : instantToWall(nowMs, tz);
    return { from: at, to: at };
  }
  let range: WallRange;
  try {
    range = resolveRange(query.dateFrom, query.dateTo, tz, nowMs);
  } catch {
    errors.push({ path: 'body.query.dateFrom', message: 'not a valid date' });
    return undefined;
  }
  if (wallMs(range.to) <= wallMs(range.from)) {
    errors.push({ path: 'body.query.dateTo', message: 'must be after dateFrom' });
    return undefined;
  }
  const interval = 'interval' in query ? query.interval : undefined;
  if (interval) {
    try {
      bucketStarts(range, interval, 2000);
    } catch {
      errors.push({ path: 'body.query.interval', message: 'more than 2000 buckets: use a longer interval or a shorter range' });
    }
  }
  return range;
}
